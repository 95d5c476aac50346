package org.uchub.ingress;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.regex.Pattern;
import org.apache.camel.Exchange;
import org.apache.camel.support.SynchronizationAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.uchub.contract.Document;
import org.uchub.contract.ErrorDetail;
import org.uchub.contract.StartSessionRequest;
import org.uchub.request.ContractCodec;
import org.uchub.request.ErrorCode;
import org.uchub.request.HubRequest;
import org.uchub.request.Rejections;
import org.uchub.request.RequestRejectedException;

/**
 * The file-drop ingress's bookkeeping: which tenant dropped a file (its subfolder of the
 * inbox, or the default tenant at the top level) and where the file, its reply and its
 * error note go. All paths are built from the inbox-relative name Camel hands over, never
 * from the request's content.
 */
public class InboxFiles {
    public static final String TENANT = "ucTenant";
    public static final String INGRESS = "ucIngress";
    public static final String MOVE_TO = "ucMoveTo";
    public static final String DEDUPE_KEY = "ucDedupeKey";
    /** The inbox folder of a dropped request: where a document it names must be. */
    public static final String FOLDER = "ucInboxFolder";
    /** Set on a file whose folder is no tenant of the file drop: it gets no reply. */
    public static final String NO_REPLY = "ucNoReply";
    private static final String DOCUMENT = "ucInboxDocument";
    /** Where in .error/ a rejected file goes: its own name, or a free one beside an earlier file's. */
    private static final String ERROR_NAME = "ucErrorName";
    private static final Logger LOG = LoggerFactory.getLogger(InboxFiles.class);
    private static final String NOTE_SUFFIX = ".error.txt";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);
    /**
     * Longest name (in UTF-8 bytes) of a dropped file that is read. File systems allow 255 bytes
     * per name, and what the hub writes for a file adds to it: a time stamp in .done/ and
     * .error/, ".error.txt", the reply's ".reply.json" and temporary prefix.
     */
    public static final int MAX_NAME_BYTES = 200;
    private static final Pattern DOCUMENT_NAME = Pattern.compile("(?i)[A-Za-z0-9][A-Za-z0-9._-]{0,94}\\.(pdf|tif|tiff)");

    private final Path inbox;
    private final Path outbox;
    private final String defaultTenant;
    /** The inbox folders that are tenants ({@code hub.inbox.tenants}); null: any folder. */
    private final java.util.Set<String> tenants;
    private final long maxDocumentBytes;
    private final long maxRequestBytes;

    private final ContractCodec codec;

    /** @param tenants comma-separated tenant ids whose inbox folders are read; {@code *}: any folder */
    public InboxFiles(Path inbox, Path outbox, String defaultTenant, String tenants, long maxDocumentBytes, long maxRequestBytes,
            ContractCodec codec) {
        this.codec = codec;
        this.tenants = tenants.trim().equals("*") ? null : java.util.Arrays.stream(tenants.split(",")).map(String::trim)
                .filter(t -> !t.isEmpty()).collect(java.util.stream.Collectors.toUnmodifiableSet());
        this.inbox = inbox.toAbsolutePath().normalize();
        this.outbox = outbox.toAbsolutePath().normalize();
        this.defaultTenant = defaultTenant;
        this.maxDocumentBytes = maxDocumentBytes;
        this.maxRequestBytes = maxRequestBytes;
    }

    /** Sets tenant, ingress and the done location on a freshly picked-up file. */
    public void accept(Exchange exchange) {
        String relative = relative(exchange);
        Path rel = Path.of(relative);
        String tenant = rel.getParent() == null ? defaultTenant : rel.getParent().getFileName().toString();
        exchange.setProperty(TENANT, tenant);
        exchange.setProperty(INGRESS, "file");
        Path file = inbox.resolve(relative);
        String content = "unread";
        try {
            if (!isTenantFolder(rel.getParent())) {
                // Whoever may write the inbox's top (the default tenant) can make any folder: only
                // the listed ones are tenants. No reply either: it would make outbox/<folder> for
                // whatever name was chosen, and that name's reader (if any) never asked.
                exchange.setProperty(NO_REPLY, true);
                refuse(exchange, ErrorCode.UNKNOWN_TENANT, "The inbox folder " + rel.getParent() + " is not a tenant of the file drop"
                        + " (hub.inbox.tenants): the file is kept in .error/ unread and unanswered.");
            } else if (!insideItsOwnFolder(rel) || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                // A link, or a folder that is a link, would be read through whatever it points at
                // (another tenant's folder, .done/, the hub's own files): only plain files that
                // really are in the inbox are requests.
                refuse(exchange, ErrorCode.MALFORMED_REQUEST, "The dropped file " + relative + " is a link, lies in a linked folder or is not a plain file: only"
                        + " plain files are read.");
            } else {
                // Read here, once, without following links: what is parsed is what was checked,
                // even if the file is swapped for a link a moment later.
                // Past the request size limit it is refused anyway.
                String identity = SameFileCommit.identity(file);
                byte[] bytes = org.uchub.support.PlainFiles.read(file, maxRequestBytes + 1);
                exchange.setProperty(SameFileCommit.IDENTITY, identity);
                exchange.setProperty(SameFileCommit.BYTES, bytes);
                content = HexFormat.of().formatHex(DedupeKeys.sha256().digest(bytes));
                exchange.getMessage().setBody(bytes);
            }
        } catch (java.nio.file.AccessDeniedException e) {
            refuse(exchange, ErrorCode.MALFORMED_REQUEST, "The dropped file " + relative + " could not be read: the hub may not read it (its permissions).");
        } catch (IOException e) {
            // The hub's side (the disk, the share, open files): retried, then INTERNAL_ERROR.
            throw new java.io.UncheckedIOException("Cannot read the dropped file " + relative, e);
        }
        exchange.setProperty(DEDUPE_KEY, dedupeKey(relative, exchange, content));
        exchange.setProperty(MOVE_TO, freeName(inbox.resolve(".done").resolve(relative), "").toString());
        Path folder = inbox.resolve(relative).getParent();
        exchange.setProperty(FOLDER, folder == null ? inbox : folder);
    }

    /**
     * Reads the document a dropped request names ({@code document.inboxFile}) from the
     * request's own inbox folder, before the rules check it. Only the plain name of a PDF or
     * TIFF file in that folder is accepted, never a path or a link; its size is checked before
     * it is read. The document follows its request to .done/ or .error/, after the request has
     * moved: a stop in between leaves the document in the inbox, never the request without it.
     */
    public void attachDocument(HubRequest r, Exchange exchange) {
        if (!(r.getPayload() instanceof StartSessionRequest start) || start.getOptions() == null
                || start.getOptions().getDocument() == null || start.getOptions().getDocument().getInboxFile() == null) {
            return;
        }
        Path folder = exchange.getProperty(FOLDER, Path.class);
        if (folder == null) {
            return; // not a dropped file: the rules refuse the reference
        }
        Document d = start.getOptions().getDocument();
        String name = d.getInboxFile();
        if (!DOCUMENT_NAME.matcher(name).matches()) {
            throw new RequestRejectedException(ErrorCode.INVALID_TEXT, "document.inboxFile must be the plain name of a .pdf, .tif"
                    + " or .tiff file beside the request: 1 to 100 characters of A-Z, a-z, 0-9, '.', '_' or '-', not starting with '.'.");
        }
        Path file = folder.resolve(name);
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new RequestRejectedException(ErrorCode.DOCUMENT_MISSING, "There is no file " + name + " beside the request in"
                    + " the inbox: put the document there first, then the request.");
        }
        // Whether or not the document is accepted: a refused one goes to .error/ with its request.
        follow(exchange, file);
        try (SeekableByteChannel ch = Files.newByteChannel(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long size = ch.size();
            if (size > maxDocumentBytes) {
                throw new RequestRejectedException(ErrorCode.DOCUMENT_TOO_LARGE, "The document " + name + " has " + size
                        + " bytes; the limit is " + maxDocumentBytes + ".");
            }
            ByteBuffer content = ByteBuffer.allocate((int) size);
            while (content.hasRemaining() && ch.read(content) >= 0) {
                // read it whole
            }
            d.setContent(content.array());
        } catch (IOException e) {
            throw new RequestRejectedException(ErrorCode.DOCUMENT_MISSING, "The document " + name + " could not be read: "
                    + e.getMessage());
        }
        d.setInboxFile(null);
        if (d.getFileName() == null) {
            d.setFileName(name);
        }
    }

    /**
     * A document named beside a dropped request goes where the request goes, whatever becomes
     * of it: refused for its identifiers, answered from the ledger (applied before, so the
     * document is not read again), or served. Run before anything can refuse the request.
     */
    public void followDocument(HubRequest r, Exchange exchange) {
        Path folder = exchange.getProperty(FOLDER, Path.class);
        if (folder == null || !(r.getPayload() instanceof StartSessionRequest start) || start.getOptions() == null
                || start.getOptions().getDocument() == null || start.getOptions().getDocument().getInboxFile() == null) {
            return;
        }
        String name = start.getOptions().getDocument().getInboxFile();
        if (DOCUMENT_NAME.matcher(name).matches() && Files.isRegularFile(folder.resolve(name), LinkOption.NOFOLLOW_LINKS)) {
            follow(exchange, folder.resolve(name));
        }
    }

    /** Once per request: a retry after an outage of the session log comes here again. */
    private static void follow(Exchange exchange, Path document) {
        if (exchange.getProperty(DOCUMENT) == null) {
            exchange.setProperty(DOCUMENT, document);
            exchange.getExchangeExtension().addOnCompletion(new DocumentFollowsRequest(document));
        }
    }

    /**
     * Answers and keeps a file the file consumer cannot hand over, seen in its listing: a link
     * to nothing (Camel's read lock passes over it at every poll, without a word) or a name too
     * long for the names the hub and Camel's read lock derive from it (see {@link #MAX_NAME_BYTES}).
     * Its reply and kept copy are named {@link #fit fitted}. False if that could not be done
     * (it is then left where it is).
     */
    public boolean refuseListed(Path link, ErrorCode code, String why) {
        Path rel;
        try {
            rel = inbox.relativize(link.toAbsolutePath().normalize());
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (rel.startsWith("..") || rel.getNameCount() > 2 || rel.getFileName().toString().startsWith(".")) {
            return false;
        }
        String relative = rel.toString();
        ErrorDetail e = new ErrorDetail();
        e.setCode(code.name());
        e.setMessage("The dropped file " + relative + " " + why);
        org.uchub.contract.ErrorReply reply = new org.uchub.contract.ErrorReply();
        reply.setStatus(org.uchub.contract.ReplyStatus.REJECTED);
        reply.setError(e);
        String format = rel.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".json") ? ContractCodec.JSON : "xml";
        Path fittedRel = fitted(rel);
        String name = fittedRel.getFileName().toString();
        int dot = name.lastIndexOf('.');
        Path replyFile = outbox.resolve(fittedRel).resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".reply."
                + (ContractCodec.JSON.equals(format) ? "json" : "xml"));
        Path kept = freeName(inbox.resolve(".error").resolve(fittedRel), NOTE_SUFFIX);
        try {
            // Moved first: the move claims it (once, whoever else looks), and a file that cannot be
            // moved is not answered again and again at every poll.
            Files.createDirectories(kept.getParent());
            Files.move(link, kept);
        } catch (java.nio.file.NoSuchFileException gone) {
            return true; // taken away meanwhile
        } catch (IOException ex) {
            LOG.warn("Could not move the refused file {} to .error/ ({})", link, ex.toString());
            return false;
        }
        try {
            Path note = kept.resolveSibling(kept.getFileName() + NOTE_SUFFIX);
            Path noteTmp = note.resolveSibling(".tmp-" + note.getFileName());
            Files.writeString(noteTmp, "file: " + relative + "\ncode: " + e.getCode() + "\nmessage: " + e.getMessage() + "\n");
            Files.move(noteTmp, note, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            if (!isTenantFolder(rel.getParent())) {
                LOG.info("Dropped file {} rejected, unanswered (its folder is no tenant of the file drop): {} {}", relative, e.getCode(), e.getMessage());
                return true;
            }
            Files.createDirectories(replyFile.getParent());
            Path tmp = replyFile.resolveSibling(".tmp-" + HexFormat.of().formatHex(DedupeKeys.sha256().digest(
                    (relative + System.nanoTime()).getBytes(java.nio.charset.StandardCharsets.UTF_8)), 0, 4) + "-" + replyFile.getFileName());
            Files.writeString(tmp, codec.write(reply, null, format));
            Files.move(tmp, replyFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException ex) {
            // Kept, but unanswered: said in the log, as nothing else can say it.
            LOG.error("The refused file {} is kept in .error/ but its reply could not be written ({}): {} {}", relative, ex.toString(),
                    e.getCode(), e.getMessage());
            return true;
        }
        LOG.info("Dropped file {} rejected: {} {}", relative, e.getCode(), e.getMessage());
        return true;
    }

    /** Answers the file with the reason instead of reading it (its body is never opened). */
    private static void refuse(Exchange exchange, ErrorCode code, String why) {
        exchange.setProperty(org.uchub.request.ContractCodec.INGRESS_ERROR, new RequestRejectedException(code, why));
        exchange.getMessage().setBody(new byte[0]);
    }

    /** Moves a request's document beside it, once the file consumer has moved the request (it runs after it). */
    private static final class DocumentFollowsRequest extends SynchronizationAdapter {
        private final Path file;

        DocumentFollowsRequest(Path file) {
            this.file = file;
        }

        @Override
        public void onDone(Exchange exchange) {
            String requestTarget = exchange.getProperty(MOVE_TO, String.class);
            if (requestTarget == null || exchange.getException() != null) {
                return; // the request stays in the inbox for another try, and its document with it
            }
            try {
                // A request kept under a stamped name (its name was used before) keeps its document
                // under the same stamp, so the two are still found together.
                Path moved = Path.of(requestTarget);
                String requestName = Path.of(relative(exchange)).getFileName().toString();
                String movedName = moved.getFileName().toString();
                String prefix = !movedName.equals(requestName) && movedName.endsWith("-" + requestName)
                        ? movedName.substring(0, movedName.length() - requestName.length()) : "";
                Path target = freeName(moved.resolveSibling(prefix + file.getFileName()), "");
                Files.createDirectories(target.getParent());
                Files.move(file, target);
            } catch (IOException e) {
                LOG.warn("The document {} stays in the inbox: it could not be moved beside its request ({})", file, e.toString());
            }
        }

        @Override
        public int getOrder() {
            return LOWEST; // after the file consumer's own completion, which moves the request
        }
    }

    /**
     * The same file met again (the hub stopped after applying it, before moving it away) has
     * the same name, size, modification time and content; a new drop under the same name
     * differs in one of them. The content counts because clocks of one or two seconds (FAT,
     * SMB, archives, copies that keep the time) give two different requests of one length
     * the same time, and the second would be answered with the first one's reply.
     */
    static String dedupeKey(String relative, Exchange exchange, String contentDigest) {
        Object modified = exchange.getMessage().getHeader(Exchange.FILE_LAST_MODIFIED);
        Object length = exchange.getMessage().getHeader(Exchange.FILE_LENGTH);
        return DedupeKeys.of("file", relative + "\n" + modified + "\n" + length + "\n" + contentDigest);
    }


    /** Whether files in this inbox folder (null: the inbox's top, the default tenant's) belong to a tenant. */
    public boolean isTenantFolder(Path folder) {
        return folder == null || tenants == null || tenants.contains(folder.toString());
    }

    /**
     * The first link on the way to any folder the dropped file or its reply may go into
     * ({@code .done/[<tenant>/]}, {@code .error/[<tenant>/]}, {@code outbox/[<tenant>/]}), or null.
     */
    public Path linkOnTheWay(String relative) {
        Path parent = Path.of(relative).getParent();
        for (String kept : new String[] {".done", ".error"}) {
            Path link = RealFolders.firstLink(inbox, parent == null ? Path.of(kept) : Path.of(kept).resolve(parent));
            if (link != null) {
                return link;
            }
        }
        return parent == null || !isTenantFolder(parent) ? null : RealFolders.firstLink(outbox, parent);
    }

    /**
     * Checked again just before the reply is written and the file moved: with a link put there
     * after the file was listed, the file stays in the inbox and is tried again at each poll, the
     * request (applied by then) answered from the ledger once it is a folder again.
     */
    public void ensureRealFolders(Exchange exchange) {
        Path link = linkOnTheWay(relative(exchange));
        if (link != null) {
            throw new LinkedFolderException(link + " is a link, not a folder: the request " + relative(exchange)
                    + " waits in the inbox until it is a folder again.");
        }
    }

    /** Whether the file's tenant folder (the only folder level below the inbox) is a folder, not a link to one. */
    private boolean insideItsOwnFolder(Path rel) {
        return rel.getParent() == null || !Files.isSymbolicLink(inbox.resolve(rel.getParent()));
    }

    /**
     * {@code target} if neither it nor {@code target + noteSuffix} exists, else the same name
     * after the time and a free number: a name used again (batch jobs often write
     * {@code request.xml} every run) never replaces an earlier file in .done/ or .error/, nor
     * its note.
     */
    static Path freeName(Path target, String noteSuffix) {
        Path candidate = target;
        String name = target.getFileName().toString();
        String stamp = STAMP.format(Instant.now());
        for (int n = 1; taken(candidate, noteSuffix); n++) {
            candidate = target.resolveSibling(stamp + (n == 1 ? "" : "-" + n) + "-" + name);
        }
        return candidate;
    }

    private static boolean taken(Path p, String noteSuffix) {
        return Files.exists(p, LinkOption.NOFOLLOW_LINKS)
                || (!noteSuffix.isEmpty() && Files.exists(p.resolveSibling(p.getFileName() + noteSuffix), LinkOption.NOFOLLOW_LINKS));
    }

    /** The inbox-relative path with its name {@link #fit fitted}. */
    private static Path fitted(Path rel) {
        String name = fit(rel.getFileName().toString());
        return rel.getParent() == null ? Path.of(name) : rel.getParent().resolve(name);
    }

    /**
     * The name itself when it is short enough to be read, else its start, '~', eight hex digits
     * of its hash (two long names with the same start stay apart) and its extension: the name
     * its reply and kept copy get.
     */
    public static String fit(String name) {
        if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= MAX_NAME_BYTES) {
            return name;
        }
        int dot = name.lastIndexOf('.');
        String ext = dot > 0 && name.length() - dot <= 10 ? name.substring(dot) : "";
        String tag = "~" + HexFormat.of().formatHex(DedupeKeys.sha256().digest(name.getBytes(java.nio.charset.StandardCharsets.UTF_8)), 0, 4);
        int budget = MAX_NAME_BYTES - tag.length() - ext.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        StringBuilder start = new StringBuilder();
        int used = 0;
        for (int i = 0; i < name.length(); ) {
            int cp = name.codePointAt(i);
            int bytes = new String(Character.toChars(cp)).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            if (used + bytes > budget) {
                break;
            }
            start.appendCodePoint(cp);
            used += bytes;
            i += Character.charCount(cp);
        }
        return start + tag + ext;
    }

    /** Sends a file that could not be handled to {@code .error/} and returns the text of its note. */
    /** Set by the route while it writes the reply: a failure then comes after the request was applied. */
    static final String WRITING_REPLY = "ucWritingReply";

    public String failed(Exchange exchange) {
        Exception cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        ErrorDetail e = new ErrorDetail();
        e.setCode(ErrorCode.INTERNAL_ERROR.name());
        String why = cause == null ? "unknown failure" : cause.getMessage();
        if (Boolean.TRUE.equals(exchange.getProperty(WRITING_REPLY, Boolean.class))) {
            // Not retried for ever: the outbox is the tenant's own to break (a folder where its
            // reply goes, a full quota), and every tenant's files wait while one is retried.
            e.setMessage("The request was applied, but its reply could not be written to the outbox (" + why + "). The reply is"
                    + " kept: once the outbox takes files again, move this file back into the inbox under its name, unchanged"
                    + " (mv keeps its time), or send it again with the same requestId, and the kept reply is written.");
        } else {
            e.setMessage("The hub could not handle the file: " + why);
        }
        exchange.setProperty(Rejections.ERROR, e);
        return reject(exchange);
    }

    /** The reply file's path relative to the outbox: same subfolder, {@code <name>.reply.xml|json}. */
    public String replyName(Exchange exchange) {
        Path rel = Path.of(relative(exchange));
        String name = rel.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String base = dot > 0 ? name.substring(0, dot) : name;
        String ext = ContractCodec.JSON.equals(exchange.getProperty(ContractCodec.FORMAT_PROPERTY)) ? "json" : "xml";
        Path out = rel.getParent() == null ? Path.of(base + ".reply." + ext) : rel.getParent().resolve(base + ".reply." + ext);
        return out.toString();
    }

    /** Sends the file to {@code .error/} and returns the text of its {@code <name>.error.txt}. */
    public String reject(Exchange exchange) {
        String relative = relative(exchange);
        Path errors = inbox.resolve(".error");
        Path target = freeName(errors.resolve(relative), NOTE_SUFFIX);
        exchange.setProperty(MOVE_TO, target.toString());
        exchange.setProperty(ERROR_NAME, errors.relativize(target).toString());
        ErrorDetail e = exchange.getProperty(Rejections.ERROR, ErrorDetail.class);
        StringBuilder sb = new StringBuilder();
        sb.append("file: ").append(relative).append('\n');
        sb.append("code: ").append(e.getCode()).append('\n');
        sb.append("message: ").append(e.getMessage()).append('\n');
        if (e.getLine() != null) {
            sb.append("line: ").append(e.getLine()).append('\n');
        }
        if (e.getColumn() != null) {
            sb.append("column: ").append(e.getColumn()).append('\n');
        }
        return sb.toString();
    }

    /** The error note's path relative to {@code .error/}: beside the file, named after it. */
    public String errorNoteName(Exchange exchange) {
        String moved = exchange.getProperty(ERROR_NAME, String.class);
        return (moved != null ? moved : relative(exchange)) + NOTE_SUFFIX;
    }

    public Path getOutbox() {
        return outbox;
    }

    private static String relative(Exchange exchange) {
        return exchange.getMessage().getHeader(Exchange.FILE_NAME_CONSUMED, String.class) != null
                ? exchange.getMessage().getHeader(Exchange.FILE_NAME_CONSUMED, String.class)
                : exchange.getMessage().getHeader(Exchange.FILE_NAME, String.class);
    }
}
