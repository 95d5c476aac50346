package org.uchub.request;

import java.text.Normalizer;
import java.util.Locale;

/**
 * The form in which the hub stores and compares JIDs, as RFC 7622 compares them: the
 * localpart by RFC 8265's UsernameCaseMapped (fullwidth and halfwidth forms mapped to their
 * ordinary ones, lower case, NFC), the domain in lower case and NFC (with the same width
 * mapping, as IDNA's mapping does), the resource as it is. Servers hand JIDs on in their
 * own form: one written "josé" with a combining accent, or with fullwidth letters, comes
 * back from the server composed and narrow, and is still the same account.
 */
public final class JidForm {
    private JidForm() {
    }

    /** The JID in that form, its resource (if any) kept. */
    public static String of(String jid) {
        int slash = jid.indexOf('/');
        return slash < 0 ? bare(jid) : bare(jid.substring(0, slash)) + jid.substring(slash);
    }

    /** The bare JID in that form: without its resource. */
    public static String bare(String jid) {
        int slash = jid.indexOf('/');
        String bare = slash < 0 ? jid : jid.substring(0, slash);
        return Normalizer.normalize(narrow(bare).toLowerCase(Locale.ROOT), Normalizer.Form.NFC);
    }

    /**
     * Whether two participant addresses of one type are the same: compared without letter
     * case, and JIDs in the form above, so that a row stored before the hub stored that form
     * still matches.
     */
    public static boolean sameAddress(String a, String b) {
        return a.equalsIgnoreCase(b) || of(a).equals(of(b));
    }

    /** RFC 8264's width mapping: each fullwidth or halfwidth form becomes what it is a form of. */
    private static String narrow(String s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.UnicodeBlock.of(c) == Character.UnicodeBlock.HALFWIDTH_AND_FULLWIDTH_FORMS) {
                if (out == null) {
                    out = new StringBuilder(s.length()).append(s, 0, i);
                }
                out.append(Normalizer.normalize(String.valueOf(c), Normalizer.Form.NFKC));
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? s : out.toString();
    }
}
