package org.uchub.sessionlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class SessionIdsTest {
    @Test
    void anIdIsAVersion7UuidCarryingItsMillisecond() {
        long now = 1_764_430_000_123L;
        UUID id = SessionIds.next(now);
        assertEquals(7, id.version());
        assertEquals(2, id.variant(), "the RFC variant (10xx)");
        assertEquals(now, id.getMostSignificantBits() >>> 16);
        assertEquals(id, UUID.fromString(id.toString()));
    }

    @Test
    void laterIdsSortAfterEarlierOnesAsTextSoTheyLandAtTheEndOfAnIndex() {
        String earlier = SessionIds.next(1_764_430_000_123L).toString();
        String later = SessionIds.next(1_764_430_000_124L).toString();
        assertTrue(earlier.compareTo(later) < 0, earlier + " before " + later);
    }

    @Test
    void idsOfTheSameMillisecondDifferInTheirRandomBits() {
        Set<UUID> ids = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            ids.add(SessionIds.next(1_764_430_000_123L));
        }
        assertEquals(10_000, ids.size());
        assertNotEquals(SessionIds.next(), SessionIds.next());
    }
}
