package org.uchub.ingress;

import java.io.File;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.component.file.GenericFile;
import org.apache.camel.component.file.GenericFileEndpoint;
import org.apache.camel.component.file.GenericFileOperations;
import org.apache.camel.component.file.GenericFileProcessStrategy;
import org.apache.camel.component.file.strategy.FileProcessStrategyFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inbox consumer's process strategy: Camel's own (read lock, move), except that the file
 * moved to .done/ or .error/ is the file that was read. Camel moves whatever has the name by
 * then: a file dropped under the same name while the first one waited (an outage of the
 * session log keeps it for as long as it lasts) was moved unread, never answered. When the
 * name now holds another file, the bytes that were read are kept in the first one's place
 * and the newcomer stays in the inbox for the next poll.
 */
public class SameFileCommit implements GenericFileProcessStrategy<File> {
    /**
     * What identified the file when it was read: its size and modification time. Not its inode:
     * a CIFS share mounted with noserverino makes inode numbers up on the client and may change
     * them for a file nobody touched, which would read as a new file at every poll.
     */
    public static final String IDENTITY = "ucFileIdentity";
    /** The bytes that were read, kept should the name hold another file at the move. */
    public static final String BYTES = "ucFileBytes";
    private static final Logger LOG = LoggerFactory.getLogger(SameFileCommit.class);

    private GenericFileProcessStrategy<File> camels;

    /** What identifies the file at this path now (not following a link), or null if there is none. */
    public static String identity(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return a.size() + "/" + a.lastModifiedTime().toMillis();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public void prepareOnStartup(GenericFileOperations<File> operations, GenericFileEndpoint<File> endpoint) throws Exception {
        // Camel's strategy exactly as the endpoint's options (readLock, move ...) make it.
        Method params = GenericFileEndpoint.class.getDeclaredMethod("getParamsAsMap");
        params.setAccessible(true);
        camels = new FileProcessStrategyFactory().createGenericFileProcessStrategy(endpoint.getCamelContext(),
                (Map<String, Object>) params.invoke(endpoint));
        camels.prepareOnStartup(operations, endpoint);
    }

    @Override
    public boolean begin(GenericFileOperations<File> operations, GenericFileEndpoint<File> endpoint, Exchange exchange,
            GenericFile<File> file) throws Exception {
        return camels.begin(operations, endpoint, exchange, file);
    }

    @Override
    public void abort(GenericFileOperations<File> operations, GenericFileEndpoint<File> endpoint, Exchange exchange,
            GenericFile<File> file) throws Exception {
        camels.abort(operations, endpoint, exchange, file);
    }

    @Override
    public void commit(GenericFileOperations<File> operations, GenericFileEndpoint<File> endpoint, Exchange exchange,
            GenericFile<File> file) throws Exception {
        String read = exchange.getProperty(IDENTITY, String.class);
        byte[] bytes = exchange.getProperty(BYTES, byte[].class);
        String target = exchange.getProperty(InboxFiles.MOVE_TO, String.class);
        Path path = Path.of(file.getAbsoluteFilePath());
        if (read == null || bytes == null || target == null || read.equals(identity(path))) {
            camels.commit(operations, endpoint, exchange, file);
            return;
        }
        Path kept = Path.of(target);
        try {
            Files.createDirectories(kept.getParent());
            Files.write(kept, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            LOG.warn("{} holds another file than the one served: the one served is kept as {}, the other one stays in the inbox"
                    + " and is read at the next poll.", path, kept);
        } catch (NoSuchFileException | java.nio.file.FileAlreadyExistsException e) {
            LOG.error("{} holds another file than the one served, which could not be kept as {} ({}); the other one stays in the inbox.",
                    path, kept, e.toString());
        }
        // Camel's rollback only lets go of the read lock here (no moveFailed): the newcomer stays.
        camels.rollback(operations, endpoint, exchange, file);
    }

    @Override
    public void rollback(GenericFileOperations<File> operations, GenericFileEndpoint<File> endpoint, Exchange exchange,
            GenericFile<File> file) throws Exception {
        camels.rollback(operations, endpoint, exchange, file);
    }
}
