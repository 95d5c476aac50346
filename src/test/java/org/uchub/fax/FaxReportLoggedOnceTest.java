package org.uchub.fax;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.util.Properties;
import org.apache.camel.Exchange;
import org.apache.camel.component.mail.MailMessage;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

/**
 * A report the mail server will not move out of the status folder is read again at every
 * poll, and by the next hub after a restart: its news reaches the session log once.
 */
class FaxReportLoggedOnceTest extends FaxTestSupport {

    private Boolean record(FaxReports reports, MimeMessage m) {
        Exchange ex = new DefaultExchange(context);
        ex.setIn(new MailMessage(ex, m, false));
        reports.record(ex);
        return ex.getIn().getHeader(FaxReports.MATCHED, Boolean.class);
    }

    /** The bean as a restarted hub would have it: the same database, nothing in memory. */
    private FaxReports afterRestart() throws Exception {
        FaxReports running = context.getRegistry().lookupByNameAndType("faxReports", FaxReports.class);
        Object[] parts = new Object[4];
        String[] names = {"settings", "outbox", "progress", "channel"};
        for (int i = 0; i < names.length; i++) {
            java.lang.reflect.Field f = FaxReports.class.getDeclaredField(names[i]);
            f.setAccessible(true);
            parts[i] = f.get(running);
        }
        return new FaxReports((FaxSettings) parts[0], (FaxOutbox) parts[1], (org.uchub.sessionlog.ChannelProgress) parts[2],
                (FaxChannel) parts[3]);
    }

    private static MimeMessage answerTo(MimeMessage fax, String subject, String body, String messageId) throws Exception {
        MimeMessage m = new MimeMessage(Session.getInstance(new Properties())) {
            @Override
            protected void updateMessageID() throws jakarta.mail.MessagingException {
                if (messageId == null) {
                    removeHeader("Message-ID");
                } else {
                    setHeader("Message-ID", messageId);
                }
            }
        };
        m.setFrom("reports@" + GATEWAY_DOMAIN);
        m.setRecipients(MimeMessage.RecipientType.TO, STATUS_ADDRESS);
        m.setSubject(subject);
        m.setText(body, "UTF-8");
        m.setHeader("In-Reply-To", fax.getMessageID());
        m.saveChanges();
        return m;
    }

    @Test
    void aMatchedButUnreadableReportReadAgainIsLoggedOnce() throws Exception {
        ok(T, startFax("4742", null, null, "+4930111119"));
        awaitEvent("4742", "FAX_SENT", 1);
        MimeMessage fax = gatewayMails("+4930111119").get(0);
        MimeMessage unclear = answerTo(fax, "Fax report", "Please find the transmission journal attached.", "<report-7@fax.test>");
        FaxReports reports = context.getRegistry().lookupByNameAndType("faxReports", FaxReports.class);

        assertEquals(false, record(reports, unclear), "unclear: for a person");
        assertEquals(false, record(reports, unclear));
        assertEquals(false, record(afterRestart(), unclear));
        assertEquals(1, events(logOf("4742"), "FAX_REPORT_UNREADABLE").size(), described(logOf("4742")).toString());
    }

    @Test
    void aDelayNoticeReadAgainAfterARestartIsLoggedOnceAlsoWithoutAMessageId() throws Exception {
        ok(T, startFax("4743", null, null, "+4930111119"));
        awaitEvent("4743", "FAX_SENT", 1);
        MimeMessage fax = gatewayMails("+4930111119").get(0);
        MimeMessage delay = answerTo(fax, "Delayed Mail (still being retried)", "", null);
        jakarta.mail.internet.MimeMultipart report = new jakarta.mail.internet.MimeMultipart("report; report-type=delivery-status");
        jakarta.mail.internet.MimeBodyPart status = new jakarta.mail.internet.MimeBodyPart();
        status.setContent("Reporting-MTA: dns; mx." + GATEWAY_DOMAIN + "\r\n\r\nFinal-Recipient: rfc822; +4930111119@" + GATEWAY_DOMAIN
                + "\r\nAction: delayed\r\nStatus: 4.4.1\r\n", "message/delivery-status");
        report.addBodyPart(status);
        delay.setContent(report);
        delay.saveChanges();
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        delay.writeTo(bytes);
        // As the mailbox hands it over: parsed from its bytes.
        delay = new MimeMessage(Session.getInstance(new Properties()), new java.io.ByteArrayInputStream(bytes.toByteArray()));
        assertEquals(null, delay.getHeader("Message-ID"));

        assertEquals(true, record(afterRestart(), delay));
        assertEquals(true, record(afterRestart(), delay));
        assertEquals(1, events(logOf("4743"), "FAX_MAIL_NOTICE").size(), described(logOf("4743")).toString());
    }
}
