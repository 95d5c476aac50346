package org.uchub.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;

/**
 * A PBX that cannot be reached makes the hub not ready (503, the check saying why) but never
 * not live: an orchestrator must not restart a hub that is waiting for its PBX.
 */
class HealthEndpointPbxDownTest extends HubTestSupport {
    @Override
    protected Properties hubProperties() {
        return unreachablePbx(super.hubProperties());
    }

    @Test
    void anUnreachablePbxMakesTheHubNotReadyButStillLive() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + healthPort + "/health/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(503, ready.statusCode(), ready.body());
        JsonNode body = readJson(ready.body());
        assertEquals("DOWN", body.get("status").asText());
        JsonNode pbx = HealthEndpointTest.check(body, "pbx");
        assertEquals("DOWN", pbx.get("status").asText());
        assertTrue(pbx.has("message"), pbx.toString());
        HttpResponse<String> live = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + healthPort + "/health/live")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, live.statusCode(), live.body());
    }
}
