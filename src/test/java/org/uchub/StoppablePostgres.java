package org.uchub;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Properties;

/**
 * A real PostgreSQL as the hub's session log that a test stops and starts again on the same
 * port and data, as an outage of the database server would look to the hub.
 */
public final class StoppablePostgres implements AutoCloseable {
    /**
     * Below the ephemeral range: PostgreSQL binds this port again after the outage, and a
     * client connection of any test JVM could have taken an ephemeral one meanwhile.
     */
    public final int port = HubTestSupport.freePort();
    private final Path data;
    private EmbeddedPostgres server;

    /** Its data beside the hub's state directory, so the test's cleanup takes both. */
    public StoppablePostgres(Path hubDataDir) {
        this.data = hubDataDir.resolveSibling(hubDataDir.getFileName() + "-pg");
    }

    /** Starts it and points the hub's session log at it. */
    public Properties asSessionLogOf(Properties p) {
        start();
        p.setProperty("hub.db.url", "jdbc:postgresql://localhost:" + port + "/postgres");
        p.setProperty("hub.db.user", "postgres");
        p.setProperty("hub.db.password", "postgres");
        return p;
    }

    public void start() {
        try {
            server = EmbeddedPostgres.builder().setPort(port).setDataDirectory(data).setCleanDataDirectory(false).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void stop() throws IOException {
        server.close();
        server = null;
    }

    @Override
    public void close() throws IOException {
        if (server != null) {
            stop();
        }
    }
}
