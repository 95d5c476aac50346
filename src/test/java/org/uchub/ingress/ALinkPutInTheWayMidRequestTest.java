package org.uchub.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.camel.Exchange;
import org.apache.camel.builder.AdviceWith;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;
import org.uchub.contract.ReplyStatus;
import org.uchub.contract.SessionReply;

/**
 * A tenant's outbox folder swapped for a link while its request is being served (after the
 * listing checked it, before the reply is written): the reply is not written through the link,
 * the file stays in the inbox, other tenants are served meanwhile, and once the folder is real
 * again the file is answered from the ledger, not applied twice.
 */
class ALinkPutInTheWayMidRequestTest extends HubTestSupport {

    @Test
    void theFileWaitsInTheInboxWithoutHoldingUpOtherTenantsAndIsAnsweredOnceItIsAFolderAgain() throws Exception {
        Path elsewhere = Files.createTempDirectory("uc-elsewhere");
        Path erpOutbox = outbox().resolve("erp");
        AtomicBoolean linked = new AtomicBoolean();
        AdviceWith.adviceWith(context, "inbox-consume", a -> a.weaveByToUri("bean:inboxFiles?method=ensureRealFolders").before()
                .process(e -> {
                    if (e.getIn().getHeader(Exchange.FILE_NAME, String.class).endsWith("raced.reply.xml")
                            && linked.compareAndSet(false, true)) {
                        Files.deleteIfExists(erpOutbox);
                        Files.createSymbolicLink(erpOutbox, elsewhere);
                    }
                }));

        drop("erp/raced.xml", startConference("raced-1", null, "+4930111111"));
        await(linked::get, 10_000, "the request was not served");
        drop("crm/other.xml", startConference("other-1", null, "+4930111111"));
        assertEquals(ReplyStatus.ACCEPTED, sessionReply(awaitReply("crm/other.reply.xml")).getStatus());

        assertTrue(Files.exists(inbox().resolve("erp/raced.xml")), "the file left the inbox");
        try (var written = Files.list(elsewhere)) {
            assertEquals(0, written.count(), "written through the link");
        }
        assertEquals(1, ok("erp", query("raced-1")).getSessions().getSession().size());

        Files.delete(erpOutbox);
        Files.createDirectory(erpOutbox);
        SessionReply reply = sessionReply(awaitReply("erp/raced.reply.xml"));
        assertEquals(Boolean.TRUE, reply.isReplayed());
        await(() -> Files.exists(inbox().resolve(".done/erp/raced.xml")), 5_000, "the file was not kept");
        assertFalse(Files.exists(inbox().resolve("erp/raced.xml")));
        assertEquals(1, ok("erp", query("raced-1")).getSessions().getSession().size(), "applied again");
    }
}
