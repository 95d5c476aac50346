package org.uchub.fax;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** Reports are read only from the gateway's address (fax.status.accept-from), never from a name anyone can give. */
class FaxReportSenderTest extends FaxTestSupport {

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        // Written as the shipped example is: the sender's @domain.
        p.setProperty("fax.status.accept-from", "(?i)@fax[.]test");
        return p;
    }

    private void reportFrom(InternetAddress from, String subject) throws Exception {
        MimeMessage m = new MimeMessage(Session.getInstance(new Properties()));
        m.setFrom(from);
        m.setRecipients(MimeMessage.RecipientType.TO, STATUS_ADDRESS);
        m.setSubject(subject);
        m.setText("Your fax was delivered. 1 page.", "UTF-8");
        m.saveChanges();
        mail.getUserManager().getUserByEmail(STATUS_ADDRESS).deliver(m);
    }

    @Test
    void aSenderWhoseDisplayNameLooksLikeTheGatewayIsNotTheGateway() throws Exception {
        ok(T, startFax("4732", null, null, "+4930111119"));
        awaitEvent("4732", "FAX_SENT", 1);
        String subject = "Re: " + gatewayMails("+4930111119").get(0).getSubject();

        reportFrom(new InternetAddress("someone@elsewhere.test", "reports@fax.test"), subject);
        await(() -> statusFolderCount("UC-Fax-Unmatched") == 1, 10_000, "filed for a person to look at");
        assertEquals(0, events(logOf("4732"), "FAX_DELIVERED").size());

        // A domain anyone can register that only begins like the gateway's (it passes SPF and DKIM for its owner).
        reportFrom(new InternetAddress("reports@fax.test.attacker.example"), subject);
        await(() -> statusFolderCount("UC-Fax-Unmatched") == 2, 10_000, "filed for a person to look at");
        assertEquals(0, events(logOf("4732"), "FAX_DELIVERED").size());

        reportFrom(new InternetAddress("reports@fax.test", "Fax Gateway"), subject);
        awaitEvent("4732", "FAX_DELIVERED", 1);
    }

    @Test
    void aBounceFromAMailServerOfTheGatewaysDomainIsReadAsAFailure() throws Exception {
        ok(T, startFax("4746", null, null, "+4930111119"));
        awaitEvent("4746", "FAX_SENT", 1);
        MimeMessage fax = gatewayMails("+4930111119").get(0);
        // An RFC 3464 bounce as the gateway's inbound MX writes it, from its own host name.
        MimeMessage m = new MimeMessage(Session.getInstance(new Properties()));
        m.setFrom(new InternetAddress("MAILER-DAEMON@mx." + GATEWAY_DOMAIN));
        m.setRecipients(MimeMessage.RecipientType.TO, STATUS_ADDRESS);
        m.setSubject("Undelivered Mail Returned to Sender");
        jakarta.mail.internet.MimeMultipart report = new jakarta.mail.internet.MimeMultipart("report; report-type=delivery-status");
        jakarta.mail.internet.MimeBodyPart human = new jakarta.mail.internet.MimeBodyPart();
        human.setText("This is the mail system at host mx." + GATEWAY_DOMAIN + ".\n", "US-ASCII");
        report.addBodyPart(human);
        jakarta.mail.internet.MimeBodyPart status = new jakarta.mail.internet.MimeBodyPart();
        status.setContent("Reporting-MTA: dns; mx." + GATEWAY_DOMAIN + "\r\n\r\nFinal-Recipient: rfc822; +4930111119@" + GATEWAY_DOMAIN
                + "\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 unknown fax account\r\n",
                "message/delivery-status");
        report.addBodyPart(status);
        jakarta.mail.internet.MimeBodyPart headers = new jakarta.mail.internet.MimeBodyPart();
        headers.setContent("Message-ID: " + fax.getMessageID() + "\r\nSubject: " + fax.getSubject() + "\r\n", "text/rfc822-headers");
        report.addBodyPart(headers);
        m.setContent(report);
        m.saveChanges();
        mail.getUserManager().getUserByEmail(STATUS_ADDRESS).deliver(m);

        awaitEvent("4746", "FAX_FAILED", 1);
        org.junit.jupiter.api.Assertions.assertTrue(events(logOf("4746"), "FAX_FAILED").get(0).getDetail().contains("unknown fax account"));
    }
}
