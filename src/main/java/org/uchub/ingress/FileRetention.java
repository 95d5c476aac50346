package org.uchub.ingress;

import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes what the file ingress keeps once it is old enough: served requests in
 * {@code .done/}, refused ones and their notes in {@code .error/}, and replies in the outbox
 * that nobody collected. Without it a busy file drop fills its disk in the end.
 *
 * <p>Age counts from a file's last status change (ctime), which a move sets: a request is as
 * old as its move into {@code .done/} or {@code .error/}, whatever modification time its
 * writer gave it (copies keep the original's, and a rename keeps it too), and a note or reply
 * as old as its writing. Nobody but the file system sets it.
 *
 * <p>Business systems can rename entries in the folders they drop into, {@code .done} and
 * {@code .error} among them, so every folder is opened relative to the one above it without
 * following a link, and every file is deleted by name inside the folder that was listed: a
 * folder swapped for a link in the meantime is never looked into. A link to a folder is not
 * followed or deleted (an operator may have put a tenant's folder elsewhere); a refused
 * request kept as a link is deleted itself, never what it points to. In the outbox only the
 * tenants' folders (those the inbox has too) and only replies are the hub's.
 */
public class FileRetention {
    private static final Logger LOG = LoggerFactory.getLogger(FileRetention.class);

    /**
     * A folder (in {@code parent}, named {@code name}; {@code parent} itself when null) and how
     * long its files are kept, in ms (0: for ever); {@code files} picks the files and
     * {@code folders} the subfolders that are the hub's.
     */
    public record Kept(String label, Path parent, String name, long retentionMs, Predicate<String> files, Predicate<String> folders) {
    }

    private final List<Kept> kept;
    private final Clock clock;

    public FileRetention(List<Kept> kept, Clock clock) {
        this.kept = List.copyOf(kept);
        this.clock = clock;
    }

    /** The file ingress's folders: {@code .done/} and {@code .error/} of the inbox, and the outbox's replies only. */
    public static FileRetention of(Path inbox, Path outbox, long doneMs, long errorMs, long repliesMs, Clock clock) {
        Predicate<String> any = n -> true;
        Predicate<String> notHidden = n -> !n.startsWith(".");
        return new FileRetention(List.of(new Kept(".done", inbox, ".done", doneMs, any, notHidden),
                new Kept(".error", inbox, ".error", errorMs, any, notHidden),
                // The outbox may share a folder with something else: only replies in the tenants' folders are the hub's.
                new Kept("outbox", outbox, null, repliesMs, n -> n.endsWith(".reply.xml") || n.endsWith(".reply.json"),
                        // Following links here: it only names the tenants; their folders are still opened without.
                        n -> !n.startsWith(".") && Files.isDirectory(inbox.resolve(n)))), clock);
    }

    /** Deletes every kept file older than its folder's retention; returns how many. */
    public int purge() {
        int deleted = 0;
        long before = clock.millis();
        for (Kept k : kept) {
            if (k.retentionMs() > 0) {
                deleted += purge(k, before - k.retentionMs());
            }
        }
        return deleted;
    }

    private int purge(Kept k, long before) {
        Counts c = new Counts();
        Path dir = k.name() == null ? k.parent() : k.parent().resolve(k.name());
        try (DirectoryStream<Path> top = Files.newDirectoryStream(k.parent())) {
            if (!(top instanceof SecureDirectoryStream<Path> parent)) {
                LOG.warn("{}: this file system cannot list a folder without following links; nothing is deleted from it", dir);
                return 0;
            }
            if (k.name() == null) {
                sweep(k, parent, dir, before, true, c);
            } else {
                try (SecureDirectoryStream<Path> folder = parent.newDirectoryStream(Path.of(k.name()), LinkOption.NOFOLLOW_LINKS)) {
                    sweep(k, folder, dir, before, true, c);
                }
            }
        } catch (NoSuchFileException nothingYet) {
            return 0;
        } catch (IOException | DirectoryIteratorException e) {
            LOG.warn("{} is not looked into for its retention (a link, or out of reach): {}", dir, e.toString());
            return 0;
        }
        if (c.deleted > 0) {
            LOG.info("Deleted {} file(s) from {} kept longer than its retention", c.deleted, k.label());
        }
        if (c.failed > 0) {
            LOG.warn("Could not delete {} file(s) from {} kept longer than its retention (first: {})", c.failed, k.label(),
                    c.firstFailure);
        }
        return c.deleted;
    }

    private static final class Counts {
        int deleted;
        int failed;
        String firstFailure;

        void failed(String why) {
            failed++;
            if (firstFailure == null) {
                firstFailure = why;
            }
        }
    }

    private static void sweep(Kept k, SecureDirectoryStream<Path> folder, Path dir, long before, boolean top, Counts c) {
        try {
            for (Path entry : folder) {
                Path name = entry.getFileName();
                try {
                    BasicFileAttributes a = folder.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                            .readAttributes();
                    if (a.isDirectory()) {
                        if (top && k.folders().test(name.toString())) {
                            try (SecureDirectoryStream<Path> sub = folder.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
                                sweep(k, sub, dir.resolve(name), before, false, c);
                            }
                        }
                    } else if (a.isSymbolicLink() && pointsToFolder(folder, name)) {
                        LOG.warn("{} is a link to a folder: not looked into for {}'s retention", dir.resolve(name), k.label());
                    } else if ((a.isRegularFile() || a.isSymbolicLink()) && k.files().test(name.toString())
                            && filedAt(dir.resolve(name), a) < before) {
                        folder.deleteFile(name);
                        c.deleted++;
                    }
                } catch (NoSuchFileException gone) {
                    // taken away meanwhile
                } catch (IOException e) {
                    c.failed(dir.resolve(name) + ": " + e);
                }
            }
        } catch (DirectoryIteratorException e) {
            c.failed("cannot list " + dir + ": " + e.getCause());
        }
    }

    private static boolean pointsToFolder(SecureDirectoryStream<Path> folder, Path name) {
        try {
            return folder.getFileAttributeView(name, BasicFileAttributeView.class).readAttributes().isDirectory();
        } catch (IOException e) {
            return false; // dangling, or its target out of reach: a link, deleted as a file
        }
    }

    /**
     * When the file was filed: its ctime, read by path (the folder stream has no ctime) and
     * taken only if the path still names the entry that was listed; else as if just filed.
     */
    private static long filedAt(Path path, BasicFileAttributes listed) throws IOException {
        try {
            // One lookup for the identity and the time, so both are of the same file.
            java.util.Map<String, Object> a = Files.readAttributes(path, "unix:dev,ino,ctime", LinkOption.NOFOLLOW_LINKS);
            String key = "(dev=" + Long.toHexString((Long) a.get("dev")) + ",ino=" + a.get("ino") + ")";
            if (listed.fileKey() == null || !key.equals(listed.fileKey().toString())) {
                return Long.MAX_VALUE;
            }
            return ((FileTime) a.get("ctime")).toMillis();
        } catch (UnsupportedOperationException | IllegalArgumentException notUnix) {
            BasicFileAttributes now = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (listed.fileKey() == null || !Objects.equals(listed.fileKey(), now.fileKey())) {
                return Long.MAX_VALUE;
            }
            return Math.max(now.lastModifiedTime().toMillis(), now.creationTime().toMillis());
        }
    }
}
