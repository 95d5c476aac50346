package org.uchub.directory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The people the hub can reach by person id, from a CSV file (format in {@link DirectoryFile}).
 * The file is read again when it changes, so editing it needs no restart; but a request never
 * loses a person to an edit in progress: a changed file is read only once it has been left alone
 * for a while, and one that cannot be taken leaves the previous directory in place.
 */
public class Directory {
    private static final Logger LOG = LoggerFactory.getLogger(Directory.class);
    /** How long a changed file must stay unchanged before it is read: an editor or a copy has finished by then. */
    static final long SETTLE_MS = 2000;

    public record Person(String personId, String name, String number, String jid, String email, String fax) {
    }

    /** What identifies one state of the file; ABSENT when there is none to read. */
    private record Version(long size, FileTime modified) {
        static final Version ABSENT = new Version(-1, FileTime.fromMillis(0));
    }

    private final Path file;
    private final long settleMs;
    // Only one request thread reads a changed file; the others go on with the current directory.
    private final ReentrantLock reading = new ReentrantLock();
    private volatile Map<String, Person> people = Map.of();
    /** The version last read, taken or refused: a refused file is not read (and logged) again until it changes. */
    private volatile Version tried;
    private Version pending;
    private long pendingSince;

    public Directory(Path file) {
        this(file, SETTLE_MS);
    }

    Directory(Path file, long settleMs) {
        this.file = file;
        this.settleMs = settleMs;
        // At start there is nothing to protect, and waiting would only delay the hub.
        read(true);
    }

    public Optional<Person> find(String personId) {
        if (!version().equals(tried) && reading.tryLock()) {
            try {
                read(false);
            } finally {
                reading.unlock();
            }
        }
        return Optional.ofNullable(people.get(personId));
    }

    private void read(boolean atStart) {
        Version v = version();
        if (v.equals(tried)) {
            return;
        }
        if (v == Version.ABSENT) {
            // Some editors delete the file before they write it again: keep what we have.
            LOG.warn("Directory {} does not exist or cannot be read: {}", file,
                    atStart ? "person ids will not resolve" : "keeping the previous directory (" + people.size() + " people)");
            tried = v;
            return;
        }
        if (!atStart && !settled(v)) {
            return;
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            refuse(v, "it cannot be read: " + e);
            return;
        }
        if (bytes.length != v.size() || !version().equals(v)) {
            return; // written to while we read it: a later request reads it once it has settled
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            refuse(v, "it is not UTF-8 (in Excel, save it as \"CSV UTF-8\")");
            return;
        }
        DirectoryFile.Parsed parsed;
        try {
            parsed = DirectoryFile.parse(text);
        } catch (DirectoryFile.RefusedException e) {
            refuse(v, e.getMessage());
            return;
        }
        for (String skipped : parsed.skipped()) {
            LOG.warn("Directory {}: row left out at {}", file, skipped);
        }
        for (String value : parsed.leftOutValues()) {
            LOG.warn("Directory {}: value left out at {}", file, value);
        }
        // A file emptied by a bad save is no reason to lose every person: only a header with
        // no rows at all empties the directory on purpose.
        if (parsed.people().isEmpty() && parsed.rows() > 0) {
            refuse(v, "none of its " + parsed.rows() + " rows could be taken (see the warnings above)");
            return;
        }
        if (parsed.people().isEmpty() && !people.isEmpty()) {
            LOG.warn("Directory {} has its header and no rows: the directory is now empty", file);
        }
        people = parsed.people();
        tried = v;
        LOG.info("Directory {} loaded: {} people, separator '{}'{}", file, people.size(), parsed.separator(),
                parsed.skipped().isEmpty() ? "" : ", " + parsed.skipped().size() + " rows left out");
    }

    private void refuse(Version v, String why) {
        tried = v;
        LOG.error("Directory {} refused, keeping the previous directory ({} people): {}", file, people.size(), why);
    }

    /**
     * Whether the file has stayed unchanged for {@link #settleMs}: by its own modification time,
     * or, for a clock running behind the file server's, by how long this version has been seen.
     */
    private boolean settled(Version v) {
        long now = System.currentTimeMillis();
        if (now - v.modified().toMillis() >= settleMs) {
            return true;
        }
        if (!v.equals(pending)) {
            pending = v;
            pendingSince = now;
            return false;
        }
        return now - pendingSince >= settleMs;
    }

    private Version version() {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return new Version(a.size(), a.lastModifiedTime());
        } catch (IOException e) {
            return Version.ABSENT;
        }
    }
}
