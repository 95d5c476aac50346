package org.uchub.fax;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The hub's own subject where a report quotes it back. Its words are the request's (a subject
 * "Smith &amp; Sons claim rejected"), never the gateway's verdict, so they are taken out before
 * the verdict is read: also where the quote was folded over lines, marked as a quote ({@code > }
 * at each line), or cut short. A quote cut short is taken out from its start up to where it
 * breaks off, a last word cut in the middle included, once it has at least two of the
 * subject's words (one word: the whole subject); a quote that lost its start is not recognised.
 */
final class OwnSubjectQuote {
    /** Between two words of a quote: white space, and the quote markers of lines it was folded over. */
    private static final String GAP = "[\\s>]+";
    private static final String EDGE_BEFORE = "(?<![\\p{L}\\p{N}])";
    private static final String EDGE_AFTER = "(?![\\p{L}\\p{N}])";

    private OwnSubjectQuote() {
    }

    /** The text, white space collapsed, without the quoted subject. */
    static String removeFrom(String text, String own) {
        if (text == null || own == null || own.isBlank()) {
            return text;
        }
        String s = text.replaceAll("\\s+", " ");
        String[] words = own.trim().split("\\s+");
        s = pattern(words, words.length, null).matcher(s).replaceAll(" ");
        // Cut short: the longest start of the subject found, its last word possibly cut too.
        for (int k = words.length - 1; k >= Math.min(2, words.length); k--) {
            Pattern p = pattern(words, k, words[k]);
            if (p.matcher(s).find()) {
                return p.matcher(s).replaceAll(" ");
            }
        }
        return s;
    }

    /** The first k words; then, if given, any start of the next word (cut mid-word) or nothing. */
    private static Pattern pattern(String[] words, int k, String next) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            parts.add(Pattern.quote(words[i]));
        }
        String regex = String.join(GAP, parts);
        if (next != null) {
            List<String> starts = new ArrayList<>();
            for (int n = next.length() - 1; n >= 1; n--) {
                starts.add(Pattern.quote(next.substring(0, n)));
            }
            regex += starts.isEmpty() ? "" : "(?:" + GAP + "(?:" + String.join("|", starts) + "))?";
        }
        // Whole words only: a quote's first words ("Fax to +4930123") are also the gateway's own
        // wording, and a cut-short last word ("f" of "for") must not eat the start of the word
        // after it ("failed"), the verdict itself.
        return Pattern.compile(EDGE_BEFORE + "(?:" + regex + ")" + EDGE_AFTER, Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    }
}
