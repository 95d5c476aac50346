package org.uchub.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;
import org.uchub.contract.ReplyStatus;
import org.uchub.contract.SessionReply;

/**
 * A request applied whose reply the outbox does not take (the tenant's outbox folder blocked,
 * its quota full) holds up no other tenant: after a few tries it is kept in .error/ with a
 * note saying it was applied and how to get its reply, and moved back it is answered from the
 * ledger, not applied again.
 */
class AReplyTheOutboxRefusesTest extends HubTestSupport {

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        p.setProperty("hub.inbox.max-retries", "1");
        p.setProperty("hub.inbox.retry-delay-ms", "100");
        return p;
    }

    @Test
    void itIsKeptWithANoteSayingItWasAppliedOtherTenantsAreServedAndMovedBackItGetsItsReply() throws Exception {
        Path blocker = outbox().resolve("erp");
        Files.writeString(blocker, "not a folder");
        drop("erp/s.xml", startConference("blocked-1", null, "+4930111111"));
        drop("crm/t.xml", startConference("served-1", null, "+4930111111"));
        assertEquals(ReplyStatus.ACCEPTED, sessionReply(awaitReply("crm/t.reply.xml")).getStatus());

        Path kept = inbox().resolve(".error/erp/s.xml");
        Path note = inbox().resolve(".error/erp/s.xml.error.txt");
        await(() -> Files.exists(note), 20_000, "the file was not kept");
        assertTrue(Files.readString(note).contains("The request was applied"), Files.readString(note));
        assertEquals(1, ok("erp", query("blocked-1")).getSessions().getSession().size());

        Files.delete(blocker);
        Files.move(kept, inbox().resolve("erp/s.xml"), StandardCopyOption.ATOMIC_MOVE);
        SessionReply reply = sessionReply(awaitReply("erp/s.reply.xml"));
        assertEquals(Boolean.TRUE, reply.isReplayed());
        assertEquals(1, ok("erp", query("blocked-1")).getSessions().getSession().size(), "applied again");
    }
}
