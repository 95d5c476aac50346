package org.uchub.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the file ingress keeps (served and refused requests, uncollected replies) is deleted
 * once older than its folder's retention, and nothing else is: not younger files, not what a
 * link points to, not a file in the outbox the hub did not write.
 */
public class FileRetentionTest {
    private static final long DAY = Duration.ofDays(1).toMillis();

    @TempDir
    Path tmp;

    @Test
    void filesOlderThanTheirFolderRetentionAreDeletedAndYoungerOnesKept() throws Exception {
        Path inbox = tmp.resolve("inbox");
        Path outbox = tmp.resolve("outbox");
        Path oldDone = file(inbox.resolve(".done/erp/a.xml"), 31);
        Path oldTopDone = file(inbox.resolve(".done/b.json"), 31);
        Path youngDone = file(inbox.resolve(".done/erp/c.xml"), 29);
        Path oldError = file(inbox.resolve(".error/erp/d.xml"), 15);
        Path oldNote = file(inbox.resolve(".error/erp/d.xml.error.txt"), 15);
        Path youngError = file(inbox.resolve(".error/e.xml"), 13);
        Path oldReply = file(outbox.resolve("erp/a.reply.xml"), 31);
        Path oldJsonReply = file(outbox.resolve("b.reply.json"), 31);
        Path notAReply = file(outbox.resolve("erp/someone-elses.xml"), 400);
        Path tooDeep = file(inbox.resolve(".done/erp/sub/f.xml"), 400);

        int deleted = FileRetention.of(inbox, outbox, 30 * DAY, 14 * DAY, 30 * DAY).purge();

        assertEquals(6, deleted);
        for (Path gone : new Path[] {oldDone, oldTopDone, oldError, oldNote, oldReply, oldJsonReply}) {
            assertFalse(Files.exists(gone, LinkOption.NOFOLLOW_LINKS), gone + " is past its retention");
        }
        for (Path kept : new Path[] {youngDone, youngError, notAReply, tooDeep}) {
            assertTrue(Files.exists(kept), kept + " must be kept");
        }
        assertTrue(Files.isDirectory(inbox.resolve(".done/erp")), "a tenant's folder stays, even empty");
    }

    @Test
    void aKeptLinkIsDeletedItselfAndALinkToAFolderIsNeitherFollowedNorDeleted() throws Exception {
        Path inbox = tmp.resolve("inbox");
        Path elsewhere = file(tmp.resolve("elsewhere/precious.xml"), 400);
        Path refusedLink = inbox.resolve(".error/link.xml");
        Files.createDirectories(refusedLink.getParent());
        Files.createSymbolicLink(refusedLink, elsewhere);
        age(refusedLink, 400);
        Path folderLink = inbox.resolve(".done/crm");
        Files.createDirectories(folderLink.getParent());
        Files.createSymbolicLink(folderLink, elsewhere.getParent());
        age(folderLink, 400);

        FileRetention.of(inbox, tmp.resolve("outbox"), DAY, DAY, DAY).purge();

        assertFalse(Files.exists(refusedLink, LinkOption.NOFOLLOW_LINKS), "the refused link kept in .error/ is past its retention");
        assertTrue(Files.isSymbolicLink(folderLink), "a link to a folder is not the hub's to delete");
        assertTrue(Files.exists(elsewhere), "what a link points to is never touched");
    }

    @Test
    void aRetentionOfZeroKeepsFilesForEver() throws Exception {
        Path inbox = tmp.resolve("inbox");
        Path old = file(inbox.resolve(".done/a.xml"), 4000);
        Path reply = file(tmp.resolve("outbox/a.reply.xml"), 4000);

        assertEquals(0, FileRetention.of(inbox, tmp.resolve("outbox"), 0, 0, 0).purge());

        assertTrue(Files.exists(old));
        assertTrue(Files.exists(reply));
    }

    static Path file(Path p, int daysOld) throws Exception {
        Files.createDirectories(p.getParent());
        Files.writeString(p, "<x/>");
        age(p, daysOld);
        return p;
    }

    public static void age(Path p, int daysOld) throws Exception {
        FileTime t = FileTime.from(Instant.now().minus(Duration.ofDays(daysOld)));
        Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setTimes(t, null, null);
    }
}
