package org.uchub.fax;

import jakarta.mail.MessagingException;
import jakarta.mail.Part;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.MimeUtility;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * The text of one part of a report mail, at most a given number of bytes of it: a mail is
 * anyone's to send, so no part is loaded whole (Jakarta Mail's getContent() would read all
 * of a 20 MB HTML part into memory before the hub could cut it).
 */
final class ReportPartText {
    private ReportPartText() {
    }

    /** The part's text, its transfer encoding undone, from at most maxBytes of it. */
    static String read(Part p, int maxBytes) throws MessagingException, IOException {
        if (maxBytes <= 0) {
            return "";
        }
        byte[] bytes;
        try (InputStream is = p.getInputStream()) {
            bytes = is.readNBytes(maxBytes);
        }
        return new String(bytes, charsetOf(p));
    }

    private static final java.util.regex.Pattern REFERENCE = java.util.regex.Pattern.compile("&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]{2,8}));");
    private static final java.util.Map<String, String> NAMED = java.util.Map.ofEntries(java.util.Map.entry("amp", "&"),
            java.util.Map.entry("lt", "<"), java.util.Map.entry("gt", ">"), java.util.Map.entry("quot", "\""),
            java.util.Map.entry("apos", "'"), java.util.Map.entry("nbsp", " "), java.util.Map.entry("laquo", "\u00ab"),
            java.util.Map.entry("raquo", "\u00bb"), java.util.Map.entry("lsquo", "\u2018"), java.util.Map.entry("rsquo", "\u2019"),
            java.util.Map.entry("ldquo", "\u201c"), java.util.Map.entry("rdquo", "\u201d"), java.util.Map.entry("ndash", "\u2013"),
            java.util.Map.entry("mdash", "\u2014"), java.util.Map.entry("hellip", "\u2026"), java.util.Map.entry("shy", ""));

    /**
     * What an HTML part says, as text: tags become spaces and character references the
     * characters they stand for, so a quote of the hub's subject ("Smith &amp;amp; Sons") reads
     * as the subject did. A name not known here is left as it was.
     */
    static String htmlAsText(String html) {
        String text = html.replaceAll("(?s)<[^>]{0,2000}>", " ");
        return REFERENCE.matcher(text).replaceAll(m -> {
            String c;
            if (m.group(3) != null) {
                c = NAMED.getOrDefault(m.group(3).toLowerCase(java.util.Locale.ROOT), m.group());
            } else {
                int cp = m.group(1) != null ? Integer.parseInt(m.group(1)) : Integer.parseInt(m.group(2), 16);
                c = Character.isValidCodePoint(cp) && cp != 0 ? new String(Character.toChars(cp)) : " ";
            }
            return java.util.regex.Matcher.quoteReplacement(c);
        });
    }

    /**
     * The part's declared charset; UTF-8 for none or one Java does not know (RFC 3464's
     * "unknown-8bit", a vendor's x-name), where a report's ASCII words still read right.
     */
    private static Charset charsetOf(Part p) {
        try {
            String name = new ContentType(p.getContentType()).getParameter("charset");
            return name == null ? StandardCharsets.UTF_8 : Charset.forName(MimeUtility.javaCharset(name.trim()));
        } catch (MessagingException | RuntimeException e) {
            return StandardCharsets.UTF_8;
        }
    }
}
