package org.uchub.broker;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Password hashes for the users file: {@code pbkdf2:<iterations>:<salt>:<hash>} (PBKDF2 with
 * HMAC-SHA256, base64). Run {@code java -cp target/uc-hub.jar org.uchub.broker.PasswordHash}
 * to hash a password read from standard input.
 */
public final class PasswordHash {
    private static final int ITERATIONS = 120_000;

    private PasswordHash() {
    }

    public static String hash(char[] password) {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        return "pbkdf2:" + ITERATIONS + ":" + Base64.getEncoder().encodeToString(salt) + ":"
                + Base64.getEncoder().encodeToString(derive(password, salt, ITERATIONS));
    }

    public static boolean matches(char[] password, String stored) {
        String[] f = stored.split(":");
        if (f.length != 4 || !f[0].equals("pbkdf2")) {
            return false;
        }
        byte[] expected = Base64.getDecoder().decode(f[3]);
        byte[] actual = derive(password, Base64.getDecoder().decode(f[2]), Integer.parseInt(f[1]));
        return MessageDigest.isEqual(expected, actual);
    }

    /**
     * Over the password in Unicode normalization form C: the same password typed where "ä" is
     * one character or "a" and a combining mark (macOS, some input methods) is the same
     * password, as RFC 7617 asks of servers that announce UTF-8.
     */
    private static byte[] derive(char[] password, byte[] salt, int iterations) {
        char[] nfc = java.text.Normalizer.normalize(java.nio.CharBuffer.wrap(password), java.text.Normalizer.Form.NFC).toCharArray();
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                    .generateSecret(new PBEKeySpec(nfc, salt, iterations, 256)).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        } finally {
            java.util.Arrays.fill(nfc, '\0');
        }
    }

    public static void main(String[] args) throws Exception {
        byte[] line = System.in.readAllBytes();
        // The line end of "echo secret |" is no part of it; spaces at either end may be.
        String password = new String(line, StandardCharsets.UTF_8).replaceFirst("\\r?\\n\\z", "");
        System.out.println(hash(password.toCharArray()));
    }
}
