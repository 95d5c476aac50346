package org.uchub.ingress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HexFormat;
import org.apache.camel.Exchange;
import org.uchub.request.ContractCodec;
import org.uchub.request.ErrorCode;
import org.uchub.request.RequestRejectedException;
import org.uchub.support.PlainFiles;

/**
 * One request per file from a folder an added integration reads (bean {@code folderRequests}):
 * what the core file drop does for one file, for a route that is not the core file drop. The
 * file is read once, without following links and no further than the request limit, and it
 * gets a dedupe key, so that a file read again after a crash (the hub stopped after applying
 * it, before moving it away) is answered from the ledger instead of being applied twice.
 */
public class FolderRequests {
    private final int maxRequestBytes;

    public FolderRequests(int maxRequestBytes) {
        this.maxRequestBytes = maxRequestBytes;
    }

    /** Makes the body the file's bytes and sets the dedupe key; the route sets tenant and ingress. */
    public void accept(Exchange exchange) {
        Path file = Path.of(exchange.getMessage().getHeader(Exchange.FILE_PATH, String.class)).toAbsolutePath();
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            exchange.setProperty(ContractCodec.INGRESS_ERROR, new RequestRejectedException(ErrorCode.MALFORMED_REQUEST,
                    "The file " + file.getFileName() + " is a link or not a plain file: only plain files are read."));
            exchange.getMessage().setBody(new byte[0]);
            return;
        }
        byte[] bytes;
        try {
            bytes = PlainFiles.read(file, maxRequestBytes + 1);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("Cannot read the request file " + file, e);
        }
        String digest = HexFormat.of().formatHex(DedupeKeys.sha256().digest(bytes));
        exchange.setProperty(InboxFiles.DEDUPE_KEY, InboxFiles.dedupeKey(file.toString(), exchange, digest));
        exchange.getMessage().setBody(bytes);
    }
}
