package org.uchub.ingress;

import java.nio.file.Path;
import org.apache.camel.Exchange;
import org.uchub.contract.ErrorDetail;
import org.uchub.request.ContractCodec;
import org.uchub.request.ErrorCode;
import org.uchub.request.Rejections;

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

    private final Path inbox;
    private final Path outbox;
    private final String defaultTenant;

    public InboxFiles(Path inbox, Path outbox, String defaultTenant) {
        this.inbox = inbox.toAbsolutePath().normalize();
        this.outbox = outbox.toAbsolutePath().normalize();
        this.defaultTenant = defaultTenant;
    }

    /** Sets tenant, ingress and the done location on a freshly picked-up file. */
    public void accept(Exchange exchange) {
        String relative = relative(exchange);
        Path rel = Path.of(relative);
        String tenant = rel.getParent() == null ? defaultTenant : rel.getParent().getFileName().toString();
        exchange.setProperty(TENANT, tenant);
        exchange.setProperty(INGRESS, "file");
        exchange.setProperty(DEDUPE_KEY, dedupeKey(relative, exchange));
        exchange.setProperty(MOVE_TO, inbox.resolve(".done").resolve(relative).toString());
    }

    /**
     * The same file met again (the hub stopped after applying it, before moving it away) has
     * the same name, size and modification time; a new drop under the same name does not.
     */
    static String dedupeKey(String relative, Exchange exchange) {
        Object modified = exchange.getMessage().getHeader(Exchange.FILE_LAST_MODIFIED);
        Object length = exchange.getMessage().getHeader(Exchange.FILE_LENGTH);
        return DedupeKeys.of("file", relative + "\n" + modified + "\n" + length);
    }

    /** Sends a file that could not be handled to {@code .error/} and returns the text of its note. */
    public String failed(Exchange exchange) {
        Exception cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        ErrorDetail e = new ErrorDetail();
        e.setCode(ErrorCode.INTERNAL_ERROR.name());
        e.setMessage("The hub could not handle the file: " + (cause == null ? "unknown failure" : cause.getMessage()));
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
        exchange.setProperty(MOVE_TO, inbox.resolve(".error").resolve(relative).toString());
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

    /** The error note's path relative to {@code .error/}. */
    public String errorNoteName(Exchange exchange) {
        return relative(exchange) + ".error.txt";
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
