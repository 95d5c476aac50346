package org.uchub.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;

/** The health checks over HTTP, as a load balancer or an orchestrator's probe reads them. */
class HealthEndpointTest extends HubTestSupport {
    private final HttpClient http = HttpClient.newHttpClient();

    HttpResponse<String> get(String method, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + healthPort + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode check(JsonNode body, String id) {
        for (JsonNode c : body.get("checks")) {
            if (c.get("id").asText().equals(id)) {
                return c;
            }
        }
        throw new AssertionError("no check " + id + " in " + body);
    }

    @Test
    void aRunningHubIsLiveAndWithItsPbxLoggedInReady() throws Exception {
        HttpResponse<String> live = get("GET", "/health/live");
        assertEquals(200, live.statusCode(), live.body());
        assertEquals("UP", readJson(live.body()).get("status").asText());
        assertEquals("application/json", live.headers().firstValue("Content-Type").orElse(""));
        await(() -> get("GET", "/health/ready").statusCode() == 200, 10_000, "ready once the PBX is logged in");
        JsonNode ready = readJson(get("GET", "/health/ready").body());
        assertEquals("UP", check(ready, "pbx").get("status").asText(), ready.toString());
        assertEquals(200, get("GET", "/health").statusCode());
        JsonNode all = readJson(get("GET", "/health").body());
        assertEquals("UP", check(all, "route-files").get("status").asText(), "every check is listed, up or down: " + all);
        assertEquals("UP", check(all, "pbx").get("status").asText(), all.toString());
    }

    @Test
    void onlyReadsAreServedAndUnknownPathsAreNotFound() throws Exception {
        assertEquals(405, get("POST", "/health").statusCode());
        assertEquals("GET, HEAD", get("DELETE", "/health/live").headers().firstValue("Allow").orElse(""));
        assertEquals(404, get("GET", "/health/anything").statusCode());
        assertEquals(404, get("GET", "/").statusCode());
        HttpResponse<String> head = get("HEAD", "/health/live");
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
    }
}
