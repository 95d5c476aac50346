package org.uchub.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the file ingress keeps (served and refused requests, uncollected replies) is deleted
 * once it has been filed for longer than its folder's retention, and nothing else is: not a
 * younger file, not what a link points to, not a file or folder in the outbox the hub did
 * not write. A file's age is its time in the folder, not the time its writer gave it.
 */
class FileRetentionTest {
    private static final long DAY = Duration.ofDays(1).toMillis();

    @TempDir
    Path tmp;

    /** The retention as it will look that many days from now. */
    private FileRetention in(int days, long doneMs, long errorMs, long repliesMs) {
        return FileRetention.of(tmp.resolve("inbox"), tmp.resolve("outbox"), doneMs, errorMs, repliesMs,
                Clock.offset(Clock.systemUTC(), Duration.ofDays(days)));
    }

    @Test
    void filesAreDeletedOnceFiledLongerThanTheirFolderRetentionWhateverTimeTheirWriterGaveThem() throws Exception {
        Path inbox = tmp.resolve("inbox");
        Path outbox = tmp.resolve("outbox");
        Files.createDirectories(inbox.resolve("erp"));
        Path done = file(inbox.resolve(".done/erp/a.xml"));
        Path doneTop = file(inbox.resolve(".done/b.json"));
        Path error = file(inbox.resolve(".error/erp/d.xml"));
        Path note = file(inbox.resolve(".error/erp/d.xml.error.txt"));
        Path reply = file(outbox.resolve("erp/a.reply.xml"));
        Path replyTop = file(outbox.resolve("b.reply.json"));
        Path notAReply = file(outbox.resolve("erp/someone-elses.xml"));
        Path archived = file(outbox.resolve("processed/c.reply.xml"));
        Path tooDeep = file(inbox.resolve(".done/erp/sub/f.xml"));
        // A copy that kept its original's time (cp -p, robocopy) is as old as its filing, not 400 days.
        setModified(done, 400);

        assertEquals(0, in(0, 30 * DAY, 14 * DAY, 30 * DAY).purge(), "nothing is old yet");
        assertEquals(2, in(15, 30 * DAY, 14 * DAY, 30 * DAY).purge(), "after 15 days only .error/'s 14 are over");
        assertFalse(Files.exists(error));
        assertFalse(Files.exists(note));
        assertTrue(Files.exists(done) && Files.exists(reply));
        assertEquals(4, in(31, 30 * DAY, 14 * DAY, 30 * DAY).purge());
        for (Path gone : new Path[] {done, doneTop, reply, replyTop}) {
            assertFalse(Files.exists(gone, LinkOption.NOFOLLOW_LINKS), gone + " is past its retention");
        }
        assertTrue(Files.exists(notAReply), "not a reply: not the hub's");
        assertTrue(Files.exists(archived), "processed/ is no tenant's folder (the inbox has none of that name)");
        assertTrue(Files.exists(tooDeep), "the hub files nothing that deep");
        assertTrue(Files.isDirectory(inbox.resolve(".done/erp")), "a tenant's folder stays, even empty");
    }

    @Test
    void aKeptLinkIsDeletedItselfAndLinksToFoldersAreNeitherFollowedNorDeleted() throws Exception {
        Path inbox = tmp.resolve("inbox");
        Path elsewhere = file(tmp.resolve("elsewhere/precious.xml"));
        Path refusedLink = inbox.resolve(".error/link.xml");
        Files.createDirectories(refusedLink.getParent());
        Files.createSymbolicLink(refusedLink, elsewhere);
        Path folderLink = inbox.resolve(".done/crm");
        Files.createDirectories(folderLink.getParent());
        Files.createSymbolicLink(folderLink, elsewhere.getParent());

        in(400, DAY, DAY, DAY).purge();

        assertFalse(Files.exists(refusedLink, LinkOption.NOFOLLOW_LINKS), "the refused link kept in .error/ is past its retention");
        assertTrue(Files.isSymbolicLink(folderLink), "a link to a folder is not the hub's to delete");
        assertTrue(Files.exists(elsewhere), "what a link points to is never touched");
    }

    @Test
    void aKeptFolderSwappedForALinkIsNotLookedInto() throws Exception {
        Path inbox = tmp.resolve("inbox");
        Path elsewhere = file(tmp.resolve("elsewhere/precious.xml"));
        Files.createDirectories(inbox);
        // A business system that may rename in the inbox puts a link where .done was.
        Files.createSymbolicLink(inbox.resolve(".done"), elsewhere.getParent());

        assertEquals(0, in(400, DAY, DAY, DAY).purge());

        assertTrue(Files.exists(elsewhere), "nothing behind the link is deleted");
    }

    @Test
    void aRetentionOfZeroKeepsFilesForEver() throws Exception {
        Path old = file(tmp.resolve("inbox/.done/a.xml"));
        Path reply = file(tmp.resolve("outbox/a.reply.xml"));

        assertEquals(0, in(4000, 0, 0, 0).purge());

        assertTrue(Files.exists(old));
        assertTrue(Files.exists(reply));
    }

    private static Path file(Path p) throws Exception {
        Files.createDirectories(p.getParent());
        Files.writeString(p, "<x/>");
        return p;
    }

    private static void setModified(Path p, int daysAgo) throws Exception {
        FileTime t = FileTime.from(Instant.now().minus(Duration.ofDays(daysAgo)));
        Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setTimes(t, null, null);
    }
}
