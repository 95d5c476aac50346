package org.uchub.ingress;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Short, fixed-length dedupe keys from whatever identifies a transport message. */
final class DedupeKeys {
    private DedupeKeys() {
    }

    /** {@code <kind>:<40 hex digits of SHA-256(identity)>}, short enough for the ledger's key column. */
    static String of(String kind, String identity) {
        byte[] d = sha256().digest(identity.getBytes(StandardCharsets.UTF_8));
        return kind + ":" + HexFormat.of().formatHex(d, 0, 20);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
