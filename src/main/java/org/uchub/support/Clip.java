package org.uchub.support;

/** Text cut to a length for a column or a header, never between the two halves of a character. */
public final class Clip {
    private Clip() {
    }

    /**
     * At most {@code max} UTF-16 units of {@code s}: one character beyond the BMP (an emoji)
     * takes two, and cut between them the half left is no character at all. XML cannot carry
     * it, PostgreSQL's driver stores it as '?' and H2 as it is, so replies showing it fail.
     */
    public static String clip(String s, int max) {
        if (s == null || s.length() <= max) {
            return s;
        }
        int end = Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
        return s.substring(0, end);
    }
}
