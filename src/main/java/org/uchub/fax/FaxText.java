package org.uchub.fax;

import java.util.Locale;

/** Text from a request, made safe for the place it goes. */
final class FaxText {
    private FaxText() {
    }

    /**
     * A header value: CR, LF and every other control character become a space, so text from
     * a request can never end the header line and start another.
     */
    static String headerSafe(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> b.appendCodePoint(Character.isISOControl(cp) || cp == 0x2028 || cp == 0x2029 ? ' ' : cp));
        return b.toString().replaceAll(" {2,}", " ").strip();
    }

    /** A file name for a document the request did not name: {@code fax-<businessId>.pdf|.tif}. */
    static String defaultFileName(String businessId, String mimeType) {
        String base = "fax-" + businessId.replaceAll("[^A-Za-z0-9._-]", "_");
        return base + (mimeType.toLowerCase(Locale.ROOT).equals("image/tiff") ? ".tif" : ".pdf");
    }
}
