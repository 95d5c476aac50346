package org.uchub.ingress;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;

/** The running hub's route inbox-purge deletes what the file ingress kept once it is past its retention. */
class FileRetentionHubTest extends HubTestSupport {
    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        // About 4 s, looked at every 200 ms.
        p.setProperty("hub.inbox.error-retention-days", "0.00005");
        p.setProperty("hub.outbox.retention-days", "0.00005");
        p.setProperty("hub.inbox.purge-interval-ms", "200");
        p.setProperty("hub.inbox.purge-delay-ms", "0");
        return p;
    }

    @Test
    void aRefusedRequestItsNoteAndItsReplyAreKeptForTheRetentionThenDeleted() throws Exception {
        drop("erp/late.xml", query("case-never-started"));
        assertTrue(awaitReply("erp/late.reply.xml").contains("NOT_FOUND"));
        Path request = inbox().resolve(".error/erp/late.xml");
        Path note = inbox().resolve(".error/erp/late.xml.error.txt");
        Path reply = outbox().resolve("erp/late.reply.xml");
        await(() -> Files.exists(request) && Files.exists(note), 5_000, "the refused request and its note in .error/");
        Thread.sleep(1_000);
        assertTrue(Files.exists(request) && Files.exists(note) && Files.exists(reply), "kept while younger than the retention");

        await(() -> !Files.exists(request) && !Files.exists(note) && !Files.exists(reply), 15_000,
                "the route deletes them once past the retention");
    }
}
