package org.uchub.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;

/** A PostgreSQL session log that goes away and comes back, as the readiness probe reads it. */
class HealthEndpointSessionLogTest extends HubTestSupport {
    private final HttpClient http = HttpClient.newHttpClient();
    private EmbeddedPostgres postgres;
    private Path pgData;
    private int port;

    private EmbeddedPostgres startPostgres() throws IOException {
        return EmbeddedPostgres.builder().setPort(port).setDataDirectory(pgData).setCleanDataDirectory(false).start();
    }

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        port = freePort();
        pgData = dataDir.resolveSibling(dataDir.getFileName() + "-pg");
        try {
            postgres = startPostgres();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        p.setProperty("hub.db.url", "jdbc:postgresql://localhost:" + port + "/postgres");
        p.setProperty("hub.db.user", "postgres");
        p.setProperty("hub.db.password", "postgres");
        // To see the reason as well, and that it names no address or account.
        p.setProperty("hub.health.details", "true");
        return p;
    }

    @AfterEach
    void stopPostgres() throws IOException {
        if (postgres != null) {
            postgres.close();
        }
    }

    private HttpResponse<String> ready() throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + healthPort + "/health/ready")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String sessionLogStatus() throws Exception {
        return HealthEndpointTest.check(readJson(ready().body()), "session-log").get("status").asText();
    }

    @Test
    void theHubIsNotReadyWhileTheSessionLogIsUnreachableAndReadyAgainOnceItIsBack() throws Exception {
        await(() -> ready().statusCode() == 200, 20_000, "ready with the database up");

        postgres.close();
        postgres = null;
        await(() -> ready().statusCode() == 503, 20_000, "not ready while the session log is unreachable");
        HttpResponse<String> down = ready();
        assertEquals(503, down.statusCode(), down.body());
        JsonNode check = HealthEndpointTest.check(readJson(down.body()), "session-log");
        assertEquals("DOWN", check.get("status").asText(), down.body());
        String why = check.toString();
        assertFalse(why.contains(String.valueOf(port)) || why.contains("localhost") || why.contains("postgres")
                || why.contains("jdbc"), "the reason names no address or account: " + why);

        postgres = startPostgres();
        await(() -> ready().statusCode() == 200, 30_000, "ready again once the database is back");
        assertEquals("UP", sessionLogStatus());
    }
}
