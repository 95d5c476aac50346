package org.uchub.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;
import org.uchub.contract.ReplyStatus;

/**
 * The outbox itself may be a link (a share mounted elsewhere): the operator chose it. Only
 * links below it are refused, so the listed tenants' folders are made in it at start.
 */
class LinkedOutboxRootTest extends HubTestSupport {

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        p.setProperty("hub.inbox.tenants", "erp");
        try {
            Path share = Files.createDirectories(dataDir.resolveSibling(dataDir.getFileName() + "-share"));
            Files.createDirectories(dataDir);
            p.setProperty("hub.outbox.dir", Files.createSymbolicLink(dataDir.resolve("linked-outbox"), share).toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    @Test
    void aListedTenantsOutboxFolderIsMadeInALinkedOutboxAndItsRepliesLandThere() throws Exception {
        Path share = dataDir.resolveSibling(dataDir.getFileName() + "-share");
        assertTrue(Files.isDirectory(share.resolve("erp"), LinkOption.NOFOLLOW_LINKS), "outbox/erp not made at start");
        drop("erp/q.xml", startConference("linked-root", null, "+4930111111"));
        Path reply = share.resolve("erp/q.reply.xml");
        await(() -> Files.exists(reply), 20_000, "no reply in the linked outbox");
        assertEquals(ReplyStatus.ACCEPTED, sessionReply(Files.readString(reply)).getStatus());
    }
}
