package org.uchub.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;
import org.uchub.contract.ReplyStatus;

/**
 * With hub.inbox.tenants listed, a folder someone made in the inbox under another name is no
 * tenant: what is dropped there is refused UNKNOWN_TENANT unread, kept, and never applied.
 */
class OnlyListedTenantFoldersAreReadTest extends HubTestSupport {

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        p.setProperty("hub.inbox.tenants", "erp");
        return p;
    }

    @Test
    void aListedTenantsFoldersAreTheHubsFromTheStart() {
        for (Path folder : new Path[] {inbox().resolve("erp"), outbox().resolve("erp"), inbox().resolve(".done/erp"),
                inbox().resolve(".error/erp")}) {
            assertTrue(Files.isDirectory(folder, java.nio.file.LinkOption.NOFOLLOW_LINKS), folder + " not made at start");
        }
    }

    @Test
    void aFileInAFolderNotListedIsRefusedUnknownTenantKeptAndNeverApplied() throws Exception {
        drop("other/s.xml", startConference("not-theirs", null, "+4930111111"));
        Path note = inbox().resolve(".error/other/s.xml.error.txt");
        Path served = inbox().resolve(".done/other/s.xml");
        await(() -> Files.exists(note) || Files.exists(served), 20_000, "the file was neither refused nor served");
        assertTrue(Files.readString(note).contains("code: UNKNOWN_TENANT"), Files.readString(note));
        assertTrue(Files.isRegularFile(inbox().resolve(".error/other/s.xml")));
        assertFalse(Files.exists(outbox().resolve("other")), "no reply: it would make outbox/<any name>");
        rejected("other", query("not-theirs"), "NOT_FOUND");

        drop("erp/s.xml", startConference("theirs", null, "+4930111111"));
        assertEquals(ReplyStatus.ACCEPTED, sessionReply(awaitReply("erp/s.reply.xml")).getStatus());
    }
}
