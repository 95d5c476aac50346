package org.uchub.fax;

import jakarta.activation.DataHandler;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.util.ByteArrayDataSource;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.Properties;

/**
 * Builds the mail the gateway turns into a fax (bean {@code faxMail}). The whole message is
 * made here, from the fax's stored row: the mail producer then sends it as it is, so no
 * exchange header can add a recipient or a header line.
 */
public class FaxMail {
    private static final Session SESSION = Session.getInstance(new Properties());

    private final FaxSettings settings;
    private final FaxOutbox outbox;

    public FaxMail(FaxSettings settings, FaxOutbox outbox) {
        this.settings = settings;
        this.outbox = outbox;
    }

    /** The Message-ID of a fax's mail: the gateway's report can name it in In-Reply-To or References. */
    public String messageId(FaxOutbox.Fax fax) {
        return "<uc-fax." + fax.id() + "." + fax.sessionId() + "@" + settings.messageIdDomain() + ">";
    }

    public MimeMessage compose(FaxOutbox.Fax fax) throws MessagingException {
        FaxOutbox.Document document = outbox.document(fax.sessionId()).orElseThrow();
        MimeMessage m = new MimeMessage(SESSION);
        m.setFrom(FaxSettings.address(settings.from(), "fax.from"));
        m.setRecipient(MimeMessage.RecipientType.TO, FaxSettings.address(fax.recipient(), "fax recipient"));
        m.setSubject(FaxText.headerSafe(fax.subject()), StandardCharsets.UTF_8.name());
        m.setSentDate(new Date());
        m.setHeader("Message-ID", messageId(fax));
        // Gateways that can, report back to the sender; Auto-Submitted keeps auto-responders quiet.
        m.setHeader("Auto-Submitted", "auto-generated");

        MimeMultipart mixed = new MimeMultipart("mixed");
        MimeBodyPart cover = new MimeBodyPart();
        cover.setText(fax.coverText() == null ? "" : fax.coverText(), StandardCharsets.UTF_8.name(), "plain");
        mixed.addBodyPart(cover);
        MimeBodyPart doc = new MimeBodyPart();
        doc.setDataHandler(new DataHandler(new ByteArrayDataSource(document.content(), document.mimeType())));
        doc.setFileName(document.fileName());
        doc.setDisposition(MimeBodyPart.ATTACHMENT);
        doc.setHeader("Content-Transfer-Encoding", "base64");
        mixed.addBodyPart(doc);
        m.setContent(mixed);
        m.saveChanges();
        m.setHeader("Message-ID", messageId(fax));
        return m;
    }
}
