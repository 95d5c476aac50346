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
