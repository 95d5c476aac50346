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
}
