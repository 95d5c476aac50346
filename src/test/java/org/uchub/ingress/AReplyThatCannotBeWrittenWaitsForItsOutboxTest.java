package org.uchub.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.camel.Exchange;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;
import org.uchub.contract.ReplyStatus;

/**
 * A request applied whose reply cannot be written (outbox/<tenant> blocked, the outbox full)
 * is answered once the outbox takes the reply: it was sent to .error/ as INTERNAL_ERROR after a
 * few tries, and its reply, stored in the ledger, never came.
 */
class AReplyThatCannotBeWrittenWaitsForItsOutboxTest extends HubTestSupport {

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        p.setProperty("hub.inbox.max-retries", "0");
        p.setProperty("hub.inbox.retry-delay-ms", "100");
        p.setProperty("hub.inbox.retry-max-delay-ms", "500");
        return p;
    }

    private boolean started(String businessId) {
        return parse(call("erp", query(businessId))) instanceof org.uchub.contract.SessionReply r && r.getError() == null;
    }

    @Test
    void theReplyReachesTheOutboxOnceItsFolderCanBeMade() throws Exception {
        context.getInflightRepository().setInflightBrowseEnabled(true);
        Path blocker = outbox().resolve("erp");
        Files.writeString(blocker, "not a folder");
        drop("erp/s.xml", startConference("blocked-1", null, "+4930111111"));
        Path refused = inbox().resolve(".error/erp/s.xml");
        await(() -> started("blocked-1") && (Files.exists(refused) || context.getInflightRepository().browse().stream().anyMatch(f ->
                        f.getExchange().getMessage().getHeader(Exchange.REDELIVERY_COUNTER, 0, Integer.class) > 0)),
                20_000, "the request was not applied, or its reply's failed write not retried");

        Files.delete(blocker);
        assertEquals(ReplyStatus.ACCEPTED, sessionReply(awaitReply("erp/s.reply.xml")).getStatus());
        await(() -> Files.exists(inbox().resolve(".done/erp/s.xml")), 10_000, "served and kept in .done/");
        assertFalse(Files.exists(refused));
        assertTrue(Files.isDirectory(outbox().resolve("erp")));
        assertEquals(1, ok("erp", query("blocked-1")).getSessions().getSession().size());
    }
}
