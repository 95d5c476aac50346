package org.uchub.ingress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the folders the hub files requests and replies into are folders, not links.
 * Camel's commit move (buildDirectory, renameFile), its file writer and
 * {@code Files.createDirectories/move} all follow a link anywhere in a path: a link put at
 * {@code .done}, {@code .error} or {@code outbox/<tenant>} by anyone who may write the folder
 * above would take every tenant's requests, documents and replies wherever it points.
 */
public final class RealFolders {
    private static final Logger LOG = LoggerFactory.getLogger(RealFolders.class);

    private RealFolders() {
    }

    /**
     * The first entry on the way from {@code root} down to {@code root/relative} that is a link,
     * looked at without following links, or null. The root itself is the operator's to choose;
     * a folder not there yet is made by the hub inside a real one, so the way ends there.
     */
    public static Path firstLink(Path root, Path relative) {
        Path at = root;
        for (Path part : relative) {
            at = at.resolve(part);
            if (Files.isSymbolicLink(at)) {
                return at;
            }
            if (!Files.isDirectory(at, LinkOption.NOFOLLOW_LINKS)) {
                return null;
            }
        }
        return null;
    }

    /**
     * Makes {@code root/relative} at start, so it is the hub's own before anyone else can put a
     * link under its name; one that is, or lies in, a link below the root is said, not used
     * (the files it would take wait). The root itself may be a link: it is the operator's.
     */
    public static void make(Path root, String relative) {
        Path rel = Path.of(relative);
        Path link = firstLink(root, rel);
        if (link != null) {
            LOG.error("{} is a link, not a folder: nothing is moved or written through it, and the requests that would go there"
                    + " stay in the inbox. Replace it with a folder owned by the hub.", link);
            return;
        }
        try {
            Files.createDirectories(root.resolve(rel));
        } catch (IOException e) {
            LOG.error("Cannot make the folder {} ({})", root.resolve(rel), e.toString());
        }
    }
}
