package org.uchub.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;
import org.uchub.contract.ErrorReply;
import org.uchub.contract.ReplyStatus;

/**
 * A link a business system puts at .done, .error or outbox/<tenant> (it may write the folder
 * above) is never moved or written through: the request waits in the inbox, unapplied, and is
 * served and kept once the link is gone.
 */
class LinkedKeptFoldersAreNeverWrittenThroughTest extends HubTestSupport {

    /** Until the hub has said it will not use the link, or has used it after all. */
    private void awaitToldAbout(Path link, Path loot) throws Exception {
        InboxListing listing = context.getRegistry().lookupByNameAndType("inboxListing", InboxListing.class);
        await(() -> listing.unopenable().contains(link.toString()) || filesIn(loot) > 0, 10_000, "no ERROR about the link " + link);
        assertEquals(0, filesIn(loot), "written through the link");
    }

    private static long filesIn(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> !p.equals(dir)).count();
        }
    }

    @Test
    void aDoneFolderSwappedForALinkTakesNoRequestAndTheRequestWaitsUnapplied() throws Exception {
        Path loot = Files.createDirectories(dataDir.resolve("loot"));
        Files.deleteIfExists(inbox().resolve(".done"));
        Files.createSymbolicLink(inbox().resolve(".done"), loot);
        ok("erp", startConference("kept-1", null, "+4930111111"));
        drop("erp/q.xml", query("kept-1"));
        awaitToldAbout(inbox().resolve(".done"), loot);
        assertEquals(0, filesIn(loot));
        assertTrue(Files.exists(inbox().resolve("erp/q.xml")), "the request waits in the inbox");
        assertFalse(Files.exists(outbox().resolve("erp/q.reply.xml")));

        Files.delete(inbox().resolve(".done"));
        assertEquals(ReplyStatus.OK, sessionReply(awaitReply("erp/q.reply.xml")).getStatus());
        await(() -> Files.isRegularFile(inbox().resolve(".done/erp/q.xml")), 10_000, "kept in a real .done/erp/");
        assertFalse(Files.isSymbolicLink(inbox().resolve(".done")));
        assertEquals(0, filesIn(loot));
    }

    @Test
    void anErrorFolderSwappedForALinkTakesNoRefusedFileNorItsNote() throws Exception {
        Path loot = Files.createDirectories(dataDir.resolve("loot"));
        Files.deleteIfExists(inbox().resolve(".error"));
        Files.createSymbolicLink(inbox().resolve(".error"), loot);
        drop("erp/bad.xml", "<QuerySessionLog " + NS + "><businessId>x</businessId>");
        awaitToldAbout(inbox().resolve(".error"), loot);
        assertEquals(0, filesIn(loot));
        assertTrue(Files.exists(inbox().resolve("erp/bad.xml")), "the refused file waits in the inbox");

        Files.delete(inbox().resolve(".error"));
        assertEquals("MALFORMED_REQUEST", ((ErrorReply) parse(awaitReply("erp/bad.reply.xml"))).getError().getCode());
        await(() -> Files.isRegularFile(inbox().resolve(".error/erp/bad.xml.error.txt")), 10_000, "kept with its note in a real .error/erp/");
        assertTrue(Files.isRegularFile(inbox().resolve(".error/erp/bad.xml")));
        assertEquals(0, filesIn(loot));
    }

    @Test
    void aTenantsOutboxFolderThatIsALinkGetsNoReplyWrittenThroughIt() throws Exception {
        Path loot = Files.createDirectories(dataDir.resolve("loot2"));
        Files.createSymbolicLink(outbox().resolve("erp"), loot);
        drop("erp/q.xml", query("nothing-yet"));
        awaitToldAbout(outbox().resolve("erp"), loot);
        assertEquals(0, filesIn(loot));
        assertTrue(Files.exists(inbox().resolve("erp/q.xml")), "the request waits in the inbox");

        Files.delete(outbox().resolve("erp"));
        assertEquals("NOT_FOUND", sessionReply(awaitReply("erp/q.reply.xml")).getError().getCode());
        assertFalse(Files.isSymbolicLink(outbox().resolve("erp")));
        assertEquals(0, filesIn(loot));
    }
}
