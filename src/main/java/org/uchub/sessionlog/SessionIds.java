package org.uchub.sessionlog;

import java.security.SecureRandom;
import java.util.UUID;

/**
 * Session ids: UUIDs of version 7 (RFC 9562), the time in milliseconds first, then 74 random
 * bits. Ordered by time, a new session's rows and index entries land beside the last ones
 * instead of at a random place in every index keyed by session (its row, its participants,
 * the open sessions of its channel), so the session log writes a few pages per group instead
 * of one per session and index. They tell when a session was opened, which its log tells
 * its tenant anyway, and 74 random bits still make them impossible to guess (a session is
 * found by its tenant and business ID first in any case). The random part is at the end:
 * whatever needs a short unique piece of an id (an IM room's name) takes it from there.
 */
final class SessionIds {
    private static final SecureRandom RANDOM = new SecureRandom();

    private SessionIds() {
    }

    static String next() {
        return next(System.currentTimeMillis()).toString();
    }

    static UUID next(long epochMillis) {
        byte[] r = new byte[10];
        RANDOM.nextBytes(r);
        long high = (epochMillis & 0xFFFF_FFFF_FFFFL) << 16 | 0x7000L | ((r[0] & 0x0FL) << 8) | (r[1] & 0xFFL);
        long low = 0x8000_0000_0000_0000L | ((r[2] & 0x3FL) << 56);
        for (int i = 3; i < 10; i++) {
            low |= (r[i] & 0xFFL) << (8 * (9 - i));
        }
        return new UUID(high, low);
    }
}
