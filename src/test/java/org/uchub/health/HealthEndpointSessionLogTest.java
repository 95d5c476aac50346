package org.uchub.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;
import org.uchub.StoppablePostgres;

/** A PostgreSQL session log that goes away and comes back, as the readiness probe reads it. */
class HealthEndpointSessionLogTest extends HubTestSupport {
    private final HttpClient http = HttpClient.newHttpClient();
    private StoppablePostgres postgres;

    @Override
    protected Properties hubProperties() {
        postgres = new StoppablePostgres(dataDir);
        Properties p = postgres.asSessionLogOf(super.hubProperties());
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

        postgres.stop();
        await(() -> ready().statusCode() == 503, 20_000, "not ready while the session log is unreachable");
        HttpResponse<String> down = ready();
        assertEquals(503, down.statusCode(), down.body());
        JsonNode check = HealthEndpointTest.check(readJson(down.body()), "session-log");
        assertEquals("DOWN", check.get("status").asText(), down.body());
        String why = check.toString();
        assertFalse(why.contains(String.valueOf(postgres.port)) || why.contains("localhost") || why.contains("postgres")
                || why.contains("jdbc"), "the reason names no address or account: " + why);

        postgres.start();
        await(() -> ready().statusCode() == 200, 30_000, "ready again once the database is back");
        assertEquals("UP", sessionLogStatus());
    }
}
