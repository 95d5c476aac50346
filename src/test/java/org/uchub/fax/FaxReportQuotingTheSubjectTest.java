package org.uchub.fax;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** A gateway's report that quotes the hub's subject in HTML: the request's words in it are not the verdict. */
class FaxReportQuotingTheSubjectTest extends FaxTestSupport {

    @Test
    void anHtmlSuccessReportQuotingASubjectWithEntitiesIsADelivery() throws Exception {
        ok(T, startFax("4740", "Smith &amp; Sons claim rejected", null, "+4930111119"));
        awaitEvent("4740", "FAX_SENT", 1);
        MimeMessage fax = gatewayMails("+4930111119").get(0);
        String quoted = fax.getSubject().replace("&", "&amp;");
        assertEquals(true, quoted.contains("Smith &amp; Sons claim rejected [uc-fax:"), quoted);

        MimeMessage m = new MimeMessage(Session.getInstance(new Properties()));
        m.setFrom("reports@" + GATEWAY_DOMAIN);
        m.setRecipients(MimeMessage.RecipientType.TO, STATUS_ADDRESS);
        m.setSubject("Fax report");
        m.setContent("<html><body><p>Your fax \"" + quoted + "\" was delivered successfully.</p></body></html>",
                "text/html; charset=UTF-8");
        m.setHeader("In-Reply-To", fax.getMessageID());
        m.saveChanges();
        mail.getUserManager().getUserByEmail(STATUS_ADDRESS).deliver(m);

        awaitEvent("4740", "FAX_DELIVERED", 1);
        assertEquals(0, events(logOf("4740"), "FAX_FAILED").size());
    }
}
