package org.uchub.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;

/**
 * A PBX that cannot be reached makes the hub not ready (503, the check named) but never
 * not live: an orchestrator must not restart a hub that is waiting for its PBX.
 */
class HealthEndpointPbxDownTest extends HubTestSupport {
    /** The port nothing listens on that the hub is told its PBX is at. */
    private String unreachablePort;

    @Override
    protected Properties hubProperties() {
        Properties p = unreachablePbx(super.hubProperties());
        unreachablePort = p.getProperty("pbx.port");
        return p;
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
        // Why it is down (the PBX's address, its user) is not told by default: hub.health.details.
        assertFalse(pbx.has("message") || pbx.has("details"), pbx.toString());
        assertFalse(ready.body().contains(unreachablePort) || ready.body().contains("endpoint.uri"), ready.body());
        HttpResponse<String> live = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + healthPort + "/health/live")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, live.statusCode(), live.body());
    }
}
