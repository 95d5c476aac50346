package org.uchub.fax;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import jakarta.mail.Multipart;
import jakarta.mail.internet.MimeMessage;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * A fax document (up to the request size limit) is kept in the session log while a fax of its
 * session may still be mailed, a number added later included, and deleted once the session is
 * over: every fax settled, the session ended by a request, or every fax failed.
 */
class FaxDocumentRetentionTest extends FaxTestSupport {

    @Test
    void theDocumentIsKeptForANumberAddedWhileTheSessionRunsAndForgottenOnceEveryFaxIsSettled() throws Exception {
        ok(T, startFax("4741", null, null, "+4930111119"));
        awaitEvent("4741", "FAX_SENT", 1);
        assertEquals(1, documents("4741"), "the session runs: a number may still be added");
        ok(T, "<ModifySession " + NS + "><businessId>4741</businessId><add><participant><fax>+4930222229</fax></participant></add>"
                + "</ModifySession>");
        awaitEvent("4741", "FAX_SENT", 2);
        assertArrayEquals(PDF, ((Multipart) gatewayMails("+4930222229").get(0).getContent()).getBodyPart(1).getInputStream()
                .readAllBytes());

        for (String number : new String[] {"+4930111119", "+4930222229"}) {
            MimeMessage sent = gatewayMails(number).get(0);
            report("Re: " + sent.getSubject() + " - delivered", "Your fax was delivered.\nPages sent: 1\n", null);
        }
        awaitEvent("4741", "SESSION_ENDED", 1);
        await(() -> documents("4741") == 0, 5_000, "every fax settled and the session over: the document is deleted");
    }

    @Test
    void endingTheSessionForgetsTheDocumentOfFaxesCancelledOrAlreadyMailed() throws Exception {
        ok(T, startFax("4742", null, null, "+4930111119"));
        awaitEvent("4742", "FAX_SENT", 1);
        ok(T, end("4742"));
        assertEquals(0, documents("4742"), "a mailed fax's report needs only its row");
        MimeMessage sent = gatewayMails("+4930111119").get(0);
        report("Re: " + sent.getSubject() + " - delivered", "Your fax was delivered.\nPages sent: 1\n", null);
        awaitEvent("4742", "FAX_DELIVERED", 1);

        mail.stop();
        ok(T, startFax("4743", null, null, "+4930111119"));
        awaitEvent("4743", "FAX_DELAYED", 1);
        ok(T, end("4743"));
        awaitEvent("4743", "FAX_CANCELLED", 1);
        assertEquals(0, documents("4743"));
    }

    @Test
    void aSessionWhoseEveryFaxFailedForgetsItsDocument() throws Exception {
        ok(T, startFax("4744", null, null, "+4930111119"));
        awaitEvent("4744", "FAX_SENT", 1);
        report("Fax report", "Transmission result\nResult: failed\nReason: no answer\n", gatewayMails("+4930111119").get(0).getMessageID());
        awaitEvent("4744", "SESSION_FAILED", 1);
        await(() -> documents("4744") == 0, 5_000, "the session failed: the document is deleted");
    }

    private int documents(String businessId) throws Exception {
        DataSource ds = context.getRegistry().lookupByNameAndType("dataSource", DataSource.class);
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("select count(*) from uc_fax_document d"
                + " join uc_session s on s.session_id = d.session_id where s.tenant = ? and s.business_id = ?")) {
            ps.setString(1, T);
            ps.setString(2, businessId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}
