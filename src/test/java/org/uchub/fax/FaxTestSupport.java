package org.uchub.fax;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.Folder;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.internet.MimeMessage;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.uchub.HubTestSupport;

/**
 * A hub whose fax gateway is GreenMail: real SMTP for the faxes going out and real IMAP for
 * the gateway's reports coming back, on ports of their own.
 */
abstract class FaxTestSupport extends HubTestSupport {
    static final String T = "erp";
    static final String GATEWAY_DOMAIN = "fax.test";
    static final String STATUS_ADDRESS = "uchub-fax@hub.test";
    static final String STATUS_LOGIN = "uchub-fax";
    static final String STATUS_PASSWORD = "status-secret";
    static final String SMTP_LOGIN = "uchub-smtp";
    static final String SMTP_PASSWORD = "smtp-secret&+=";
    /** A small document that passes the hub's PDF check. */
    static final byte[] PDF = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n".getBytes(StandardCharsets.US_ASCII);

    final int smtpPort = freePort();
    final int imapPort = freePort();
    GreenMail mail;

    /** The gateway: GreenMail's SMTP and IMAP (or their TLS variants), with the hub's two logins. */
    GreenMail startMail() {
        return startMail(ServerSetup.PROTOCOL_SMTP, ServerSetup.PROTOCOL_IMAP);
    }

    GreenMail startMail(String smtp, String imap) {
        return startMail(smtpPort, smtp, imap);
    }

    GreenMail startMail(int smtpPortToUse, String smtp, String imap) {
        GreenMail g = new GreenMail(new ServerSetup[] {new ServerSetup(smtpPortToUse, "127.0.0.1", smtp),
            new ServerSetup(imapPort, "127.0.0.1", imap)});
        g.start();
        g.setUser(STATUS_ADDRESS, STATUS_LOGIN, STATUS_PASSWORD);
        g.setUser("uchub@hub.test", SMTP_LOGIN, SMTP_PASSWORD);
        return g;
    }

    /** Whether the gateway is up when a test begins; a test of an outage starts it itself. */
    boolean gatewayUpAtStart() {
        return true;
    }

    @BeforeEach
    void startGateway() {
        if (gatewayUpAtStart()) {
            mail = startMail();
        }
    }

    @AfterEach
    void stopGateway() {
        if (mail != null) {
            mail.stop();
        }
    }

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        p.setProperty("fax.smtp.host", "127.0.0.1");
        p.setProperty("fax.smtp.port", String.valueOf(smtpPort));
        p.setProperty("fax.smtp.starttls", "false");
        p.setProperty("fax.smtp.username", SMTP_LOGIN);
        p.setProperty("fax.smtp.password", SMTP_PASSWORD);
        p.setProperty("fax.smtp.timeout-ms", "3000");
        p.setProperty("fax.smtp.reply-timeout-ms", "10000");
        p.setProperty("fax.from", "uchub@hub.test");
        p.setProperty("fax.address.pattern", "{number}@" + GATEWAY_DOMAIN);
        p.setProperty("fax.retry.interval-ms", "200");
        p.setProperty("fax.retry.max-interval-ms", "500");
        p.setProperty("fax.status.host", "127.0.0.1");
        p.setProperty("fax.status.port", String.valueOf(imapPort));
        p.setProperty("fax.status.scheme", "imap");
        p.setProperty("fax.status.starttls", "false");
        p.setProperty("fax.status.username", STATUS_LOGIN);
        p.setProperty("fax.status.password", STATUS_PASSWORD);
        p.setProperty("fax.status.poll-ms", "300");
        p.setProperty("fax.status.timeout-ms", "3000");
        return p;
    }

    static String startFax(String businessId, String subject, String text, String... numbers) {
        StringBuilder ps = new StringBuilder();
        for (String n : numbers) {
            ps.append("<participant><fax>").append(n).append("</fax></participant>");
        }
        return "<StartSession " + NS + "><businessId>" + businessId + "</businessId><channel>fax</channel><participants>" + ps
                + "</participants><options>" + (subject == null ? "" : "<subject>" + subject + "</subject>")
                + (text == null ? "" : "<text>" + text + "</text>") + "<document><fileName>contract.pdf</fileName>"
                + "<mimeType>application/pdf</mimeType><content>" + Base64.getEncoder().encodeToString(PDF)
                + "</content></document></options></StartSession>";
    }

    @Override
    protected String logTenant() {
        return T;
    }

    /** The mails the gateway got for a fax number, as a fax gateway reads them. */
    List<MimeMessage> gatewayMails(String number) {
        return java.util.Arrays.stream(mail.getReceivedMessages()).filter(m -> {
            try {
                return m.getAllRecipients() != null && m.getAllRecipients()[0].toString().equals(number + "@" + GATEWAY_DOMAIN);
            } catch (jakarta.mail.MessagingException e) {
                throw new IllegalStateException(e);
            }
        }).toList();
    }

    /** How many mails a folder of the hub's status mailbox holds, read over IMAP. */
    int statusFolderCount(String folder) throws Exception {
        Store store = Session.getInstance(new Properties()).getStore("imap");
        store.connect("127.0.0.1", imapPort, STATUS_LOGIN, STATUS_PASSWORD);
        try {
            Folder f = store.getFolder(folder);
            if (!f.exists()) {
                return 0;
            }
            f.open(Folder.READ_ONLY);
            try {
                return f.getMessageCount();
            } finally {
                f.close(false);
            }
        } finally {
            store.close();
        }
    }

    /** A report from the gateway, delivered into the hub's status mailbox. */
    void report(String subject, String body, String inReplyTo) throws Exception {
        MimeMessage m = new MimeMessage(Session.getInstance(new Properties()));
        m.setFrom("reports@" + GATEWAY_DOMAIN);
        m.setRecipients(MimeMessage.RecipientType.TO, STATUS_ADDRESS);
        m.setSubject(subject);
        m.setText(body, "UTF-8");
        m.setSentDate(new java.util.Date());
        if (inReplyTo != null) {
            m.setHeader("In-Reply-To", inReplyTo);
        }
        m.saveChanges();
        mail.getUserManager().getUserByEmail(STATUS_ADDRESS).deliver(m);
    }
}
