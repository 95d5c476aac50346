package org.uchub.ingress;

import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Set;
import org.apache.camel.component.file.GenericFile;
import org.apache.camel.component.file.GenericFileFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.uchub.request.ErrorCode;
import org.uchub.support.Bounded;

/**
 * Which files of the inbox's listing the file consumer takes up.
 *
 * <p>An empty file only once it has stayed empty for a while: some writers create the file
 * and write its first byte seconds later (a batch job that opens its output, then queries;
 * an FTP or SMB server creating the file at the start of the upload), and the read lock's
 * minimum age would take such a file for an empty request.
 *
 * <p>Files in the inbox whose names the hub cannot open, said once instead of passed over in
 * silence at every poll. Java decodes file names in the locale's charset: a name written in
 * another (Latin-1 bytes under a UTF-8 locale, anything but ASCII under the POSIX locale of
 * many containers) comes back with replacement characters and names no file; a backslash in
 * a name becomes a path separator in Camel. Such a file can be neither read, answered nor
 * moved by the hub: a person renames it.
 */
public class InboxListing implements GenericFileFilter<java.io.File> {
    private static final Logger LOG = LoggerFactory.getLogger(InboxListing.class);
    private static final int REMEMBERED = 1000;
    private final Set<String> told = Bounded.set(REMEMBERED);

    private final long minAgeMs;
    private final long emptyMinAgeMs;
    private final java.util.regex.Pattern exclude;
    private final java.util.concurrent.atomic.AtomicInteger toldCount = new java.util.concurrent.atomic.AtomicInteger();

    private final InboxFiles files;

    /**
     * @param exclude the consumer's own exclude pattern: Camel asks this filter first, and an excluded file is none of its business
     * @param files   answers and keeps what the consumer could not hand over
     */
    public InboxListing(long minAgeMs, long emptyMinAgeMs, String exclude, InboxFiles files) {
        this.minAgeMs = minAgeMs;
        this.emptyMinAgeMs = emptyMinAgeMs;
        this.files = files;
        this.exclude = exclude == null || exclude.isBlank() ? null : java.util.regex.Pattern.compile(exclude);
        String jnu = System.getProperty("sun.jnu.encoding", Charset.defaultCharset().name());
        if (!Charset.forName(jnu).newEncoder().canEncode("\u00fc\u20ac")) {
            LOG.warn("File names are read in {} (the locale's charset): a dropped file whose name has any character"
                    + " outside it cannot be opened and stays in the inbox. Start the hub in a UTF-8 locale (LANG=C.UTF-8).", jnu);
        }
    }

    @Override
    public boolean accept(GenericFile<java.io.File> file) {
        if (file.isDirectory() && file.getFile() != null && Files.isSymbolicLink(file.getFile().toPath())) {
            // Camel would go into it: every file it leads to (another tenant's folder, .done/)
            // would be read as this folder's tenant's request, and moved away.
            tell(file.getFile().getPath(), "The inbox holds a folder that is a link ({}): it is not looked into. Make it a folder.");
            return false;
        }
        if (file.isDirectory() && Path.of(file.getRelativeFilePath()).getNameCount() > 1) {
            // Requests are read from the inbox and the tenants' folders only; the consumer lists
            // one level deeper just so that a folder there is said instead of passed over.
            tell(file.getFile() == null ? file.getAbsoluteFilePath() : file.getFile().getPath(), "The inbox holds a folder inside a tenant's"
                    + " folder ({}): it is not looked into, and requests in it are neither read nor answered. Put them into the tenant's folder.");
            return false;
        }
        if (file.isDirectory() || (exclude != null && exclude.matcher(file.getFileNameOnly()).matches())) {
            return true; // Camel passes over an excluded file itself, right after this
        }
        Path link = linkOnTheWay(file);
        if (link != null) {
            // Not taken at all: nothing applied, and the file still there once a person has made it a folder again.
            tell(link.toString(), "{} is a link, not a folder: requests and replies that would be moved or written through it"
                    + " wait in the inbox until it is replaced with a folder owned by the hub.");
            return false;
        }
        if (opens(file) && file.getFile() != null) {
            Path path = file.getFile().toPath();
            int nameBytes = file.getFileNameOnly().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            if (nameBytes > InboxFiles.MAX_NAME_BYTES) {
                // Camel's read lock could not make its marker file beside it, and the reply's and
                // note's names would pass the file system's limit: applied, it would never be answered.
                // Only once it has stopped changing, as any file: refused half-uploaded, its rest would come as a second file.
                if (settled(path)) {
                    refuse(path, ErrorCode.FILE_NAME_TOO_LONG, "has a name of " + nameBytes + " bytes (UTF-8); names of up to "
                            + InboxFiles.MAX_NAME_BYTES + " are read. It is kept in .error/ as " + InboxFiles.fit(file.getFileNameOnly())
                            + ", its reply named after that.");
                }
                return false;
            }
            if (Files.isSymbolicLink(path) && !Files.exists(path)) {
                // Camel's read lock passes over a link to nothing at every poll, without a word:
                // answered and kept here, as any other link is (see InboxFiles.accept).
                if (settled(path)) {
                    refuse(path, ErrorCode.MALFORMED_REQUEST, "is a link to nothing: only plain files are read.");
                }
                return false;
            }
        }
        if (opens(file)) {
            return file.getFileLength() > 0 || file.getLastModified() < System.currentTimeMillis() - emptyMinAgeMs;
        }
        String name = file.getFile() == null ? file.getAbsoluteFilePath() : file.getFile().getPath();
        tell(name, "The inbox holds a file whose name the hub cannot open ({}): its name is not valid in "
                + System.getProperty("sun.jnu.encoding") + " or holds a backslash. It is not read, answered or moved; rename it.");
        return false;
    }

    private Path linkOnTheWay(GenericFile<java.io.File> file) {
        try {
            return files.linkOnTheWay(file.getRelativeFilePath());
        } catch (InvalidPathException e) {
            return null; // a name the hub cannot open: said below
        }
    }

    /** Unchanged (the entry itself, not what a link points at) for the read lock's minimum age. */
    private boolean settled(Path path) {
        try {
            return Files.getLastModifiedTime(path, LinkOption.NOFOLLOW_LINKS).toMillis() < System.currentTimeMillis() - minAgeMs;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private void refuse(Path path, ErrorCode code, String why) {
        if (!files.refuseListed(path, code, why)) {
            tell(path.toString(), "The inbox holds a file that could not be read, answered or moved ({}): " + why);
        }
    }

    private void tell(String name, String message) {
        synchronized (told) {
            if (told.add(name)) {
                toldCount.incrementAndGet();
                LOG.error(message, name.replace('\uFFFD', '?'));
            }
        }
    }

    /**
     * Only names that show the marks of a failed decoding (a replacement character, or the '?'
     * of an ASCII locale) or hold a backslash are looked at: any other file that is gone was
     * simply taken away meanwhile, which Camel handles.
     */
    /** How many ERROR lines were logged about names (once per name). */
    public int toldCount() {
        return toldCount.get();
    }

    /** The names said so far (the most recent thousand), as the log gave them. */
    public java.util.List<String> unopenable() {
        synchronized (told) {
            return told.stream().map(n -> n.replace('\uFFFD', '?')).toList();
        }
    }

    private static boolean opens(GenericFile<java.io.File> file) {
        String path = file.getAbsoluteFilePath();
        String listed = file.getFile() == null ? "" : file.getFile().getName();
        if (path == null) {
            return false;
        }
        if (path.indexOf('\uFFFD') < 0 && path.indexOf('?') < 0 && listed.indexOf('\\') < 0) {
            return true;
        }
        try {
            return Files.exists(Path.of(path), LinkOption.NOFOLLOW_LINKS);
        } catch (InvalidPathException e) {
            return false;
        }
    }
}
