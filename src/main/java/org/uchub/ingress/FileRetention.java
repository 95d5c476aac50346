package org.uchub.ingress;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes what the file ingress keeps once it is old enough: served requests in
 * {@code .done/}, refused ones and their notes in {@code .error/}, and replies in the outbox
 * that nobody collected. Without it a busy file drop fills its disk in the end.
 *
 * <p>Age is counted from a file's last change, as the file system has it: a request moves to
 * {@code .done/} or {@code .error/} keeping the time it was written, a reply has the time the
 * hub wrote it. Only the folder itself and its tenant subfolders are looked into, and a link
 * to a folder is neither followed nor deleted (an operator may have put a tenant's folder on
 * another volume); a link kept in {@code .error/} as a refused request is deleted itself,
 * never what it points to.
 */
public class FileRetention {
    private static final Logger LOG = LoggerFactory.getLogger(FileRetention.class);

    /** One folder and how long its files are kept, in ms (0: for ever); {@code which} picks the files that are the hub's to delete. */
    public record Kept(String name, Path dir, long retentionMs, Predicate<String> which) {
        public Kept(String name, Path dir, long retentionMs) {
            this(name, dir, retentionMs, fileName -> true);
        }
    }

    private final List<Kept> kept;

    public FileRetention(List<Kept> kept) {
        this.kept = List.copyOf(kept);
    }

    /** The file ingress's folders: {@code .done/} and {@code .error/} of the inbox, and the outbox's replies only. */
    public static FileRetention of(Path inbox, Path outbox, long doneMs, long errorMs, long repliesMs) {
        return new FileRetention(List.of(new Kept(".done", inbox.resolve(".done"), doneMs),
                new Kept(".error", inbox.resolve(".error"), errorMs),
                // The outbox may share a folder with something else: only what the hub wrote there is its to delete.
                new Kept("outbox", outbox, repliesMs, n -> n.endsWith(".reply.xml") || n.endsWith(".reply.json"))));
    }

    /** Deletes every kept file older than its folder's retention; returns how many. */
    public int purge() {
        int deleted = 0;
        long now = System.currentTimeMillis();
        for (Kept k : kept) {
            if (k.retentionMs() <= 0 || !Files.isDirectory(k.dir(), LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            Counts c = new Counts();
            sweep(k, k.dir(), now - k.retentionMs(), true, c);
            deleted += c.deleted;
            if (c.deleted > 0) {
                LOG.info("Deleted {} file(s) from {} kept longer than its retention", c.deleted, k.name());
            }
            if (c.failed > 0) {
                LOG.warn("Could not delete {} file(s) from {} kept longer than its retention (first: {})", c.failed, k.name(),
                        c.firstFailure);
            }
        }
        return deleted;
    }

    private static final class Counts {
        int deleted;
        int failed;
        String firstFailure;
    }

    private static void sweep(Kept k, Path dir, long before, boolean top, Counts c) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                BasicFileAttributes a;
                try {
                    a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                } catch (NoSuchFileException gone) {
                    continue;
                }
                if (a.isDirectory()) {
                    if (top) {
                        sweep(k, p, before, false, c);
                    }
                } else if ((a.isRegularFile() || (a.isSymbolicLink() && !Files.isDirectory(p)))
                        && a.lastModifiedTime().toMillis() < before && k.which().test(p.getFileName().toString())) {
                    try {
                        if (Files.deleteIfExists(p)) {
                            c.deleted++;
                        }
                    } catch (IOException e) {
                        c.failed++;
                        if (c.firstFailure == null) {
                            c.firstFailure = e.getClass().getSimpleName() + ": " + e.getMessage();
                        }
                    }
                }
            }
        } catch (IOException e) {
            c.failed++;
            if (c.firstFailure == null) {
                c.firstFailure = "cannot list a folder: " + e.getClass().getSimpleName();
            }
        }
    }
}
