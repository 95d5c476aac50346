package org.uchub.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How the endpoint serves, on a bare Camel context (no hub, so each test takes a second or
 * two): slow and idle clients, the Host check, what the body tells, the kind each path asks
 * Camel's checks for, and a port already taken.
 */
class HealthEndpointServingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DefaultCamelContext context = new DefaultCamelContext();
    private final List<Socket> sockets = new ArrayList<>();
    private HealthEndpoint endpoint;

    @AfterEach
    void stop() throws Exception {
        for (Socket s : sockets) {
            s.close();
        }
        if (endpoint != null) {
            endpoint.stop();
        }
        context.close();
    }

    /** A check that is down and says why in the words the hub's own checks use: a peer's address, account, version. */
    private static final class TellingCheck extends AbstractHealthCheck {
        TellingCheck() {
            super("pbx");
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            builder.down().message("PBX unreachable at pbx.internal.example:5038 as user hub-ami")
                    .detail("pbx.host", "pbx.internal.example").detail("pbx.version", "Asterisk 20.5.0")
                    .error(new ConnectException("Connection refused to pbx.internal.example"));
        }
    }

    private void start(boolean details) throws Exception {
        context.start();
        endpoint = new HealthEndpoint(context, "127.0.0.1", 0, details);
        endpoint.start();
    }

    /** One request on a connection of its own, written as given; the whole answer as text. */
    private String raw(String request) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", endpoint.port()), 1_000);
            s.setSoTimeout(2_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            s.getInputStream().transferTo(answer);
            return answer.toString(StandardCharsets.UTF_8);
        }
    }

    private String get(String path, String host) throws IOException {
        return raw("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
    }

    private String get(String path) throws IOException {
        return get(path, "127.0.0.1:" + endpoint.port());
    }

    private static int status(String answer) {
        return Integer.parseInt(answer.substring(9, 12));
    }

    private static JsonNode body(String answer) throws IOException {
        return JSON.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4));
    }

    @Test
    void clientsThatSendPartOfARequestAndStallDoNotKeepAProbeFromItsAnswer() throws Exception {
        start(false);
        // More stalled clients than the JDK server this replaced had threads (two): each has
        // sent a request line's first bytes, or nothing at all, and waits.
        for (int i = 0; i < 6; i++) {
            Socket s = new Socket("127.0.0.1", endpoint.port());
            sockets.add(s);
            if (i % 2 == 0) {
                OutputStream out = s.getOutputStream();
                out.write("GET /health/li".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        }
        Thread.sleep(200);
        long began = System.nanoTime();
        String live = get("/health/live");
        long tookMs = (System.nanoTime() - began) / 1_000_000;
        assertEquals(200, status(live), live);
        assertTrue(tookMs < 1_000, "the probe took " + tookMs + " ms beside stalled clients");
    }

    @Test
    void idleConnectionsBeyondTheLimitWaitOutsideTheProcess() throws Exception {
        start(false);
        for (int i = 0; i < HealthEndpoint.MAX_CONNECTIONS + 8; i++) {
            Socket s = new Socket();
            // Those beyond the limit wait in the listen backlog: connected, not yet accepted.
            s.connect(new InetSocketAddress("127.0.0.1", endpoint.port()), 1_000);
            sockets.add(s);
        }
        Thread.sleep(300);
        assertTrue(endpoint.connections() > 0 && endpoint.connections() <= HealthEndpoint.MAX_CONNECTIONS,
                endpoint.connections() + " connections open");
        // (They are closed once idle for IDLE_TIMEOUT_MS, and those waiting are taken then.)
    }

    @Test
    void onLoopbackOnlyRequestsForLocalhostAreAnswered() throws Exception {
        start(false);
        int port = endpoint.port();
        assertEquals(200, status(get("/health/live", "127.0.0.1:" + port)));
        assertEquals(200, status(get("/health/live", "127.0.0.1")));
        assertEquals(200, status(get("/health/live", "localhost:" + port)));
        assertEquals(200, status(get("/health/live", "LOCALHOST")));
        assertEquals(200, status(get("/health/live", "[::1]:" + port)));
        // A page of the attacker's whose name now resolves to 127.0.0.1 (DNS rebinding).
        String rebound = get("/health", "attacker.example:" + port);
        assertEquals(421, status(rebound), rebound);
        assertFalse(body(rebound).has("checks"), rebound);
        assertEquals(421, status(get("/health/live", "127.0.0.1.attacker.example")));
        assertEquals(421, status(get("/health/live", "localhost.attacker.example:" + port)));
        // Not a port at all: Jetty refuses it before the endpoint sees it.
        assertEquals(400, status(get("/health/live", "localhost:http")));
        // HTTP/1.0 without Host (a local script; a browser always sends one).
        assertEquals(200, status(raw("GET /health/live HTTP/1.0\r\n\r\n")));
    }

    @Test
    void aHeadIsAnsweredWithTheLengthOfAGetAndNoBody() throws Exception {
        start(false);
        String get = get("/health/live");
        String head = raw("HEAD /health/live HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        assertEquals(200, status(head), head);
        String length = "Content-Length: " + (get.length() - get.indexOf("\r\n\r\n") - 4);
        assertTrue(get.contains(length) && head.contains(length), head);
        assertTrue(head.endsWith("\r\n\r\n"), "a body after a HEAD's headers: " + head);
    }

    @Test
    void theHostCheckAppliesOnlyToLoopback() {
        Set<String> loopback = Set.of("localhost", "127.0.0.1", "[::1]");
        assertTrue(HealthEndpoint.hostAllowed(loopback, "[::1]"));
        assertFalse(HealthEndpoint.hostAllowed(loopback, "[::2]:80"));
        assertFalse(HealthEndpoint.hostAllowed(loopback, "::1"));
        assertFalse(HealthEndpoint.hostAllowed(loopback, "localhost:"));
        // Bound to 0.0.0.0 or an interface: reached under names the endpoint cannot know.
        assertTrue(HealthEndpoint.hostAllowed(null, "hub-1.example"));
    }

    @Test
    void byDefaultTheBodyTellsEachChecksStateAndNothingAboutThePeers() throws Exception {
        context.getCamelContextExtension().getContextPlugin(HealthCheckRegistry.class).register(new TellingCheck());
        start(false);
        String answer = get("/health/ready");
        assertEquals(503, status(answer), answer);
        JsonNode pbx = HealthEndpointTest.check(body(answer), "pbx");
        assertEquals("DOWN", pbx.get("status").asText());
        assertEquals(Set.of("id", "status"), fieldNames(pbx), pbx.toString());
        assertFalse(answer.contains("pbx.internal.example") || answer.contains("Asterisk") || answer.contains("hub-ami"), answer);
    }

    @Test
    void withDetailsTheBodySaysWhyButShowsNoStackTrace() throws Exception {
        context.getCamelContextExtension().getContextPlugin(HealthCheckRegistry.class).register(new TellingCheck());
        start(true);
        String answer = get("/health/ready");
        assertEquals(503, status(answer), answer);
        JsonNode pbx = HealthEndpointTest.check(body(answer), "pbx");
        assertEquals("PBX unreachable at pbx.internal.example:5038 as user hub-ami", pbx.get("message").asText());
        assertEquals("Connection refused to pbx.internal.example", pbx.get("error").asText());
        assertEquals("Asterisk 20.5.0", pbx.get("details").get("pbx.version").asText());
        assertFalse(pbx.get("details").has("invocation.count"), "Camel's bookkeeping is left out: " + pbx);
        assertFalse(answer.contains("ConnectException") || answer.contains("\tat ") || answer.contains("at org."), answer);
    }

    /** A check of both kinds, as Camel's context check is: it tells the kind it was asked for. */
    private static final class BothKindsCheck extends AbstractHealthCheck {
        BothKindsCheck() {
            super("both");
        }

        @Override
        public boolean isLiveness() {
            return true;
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            builder.up().detail("asked", String.valueOf(options.get(HealthCheck.CHECK_KIND)));
        }
    }

    @Test
    void eachPathAsksCamelsChecksForItsKind() throws Exception {
        // Without the kind in the options, a check of both kinds takes ALL on every path.
        context.getCamelContextExtension().getContextPlugin(HealthCheckRegistry.class).register(new BothKindsCheck());
        start(true);
        assertEquals("READINESS", HealthEndpointTest.check(body(get("/health/ready")), "both").get("details").get("asked").asText());
        assertEquals("LIVENESS", HealthEndpointTest.check(body(get("/health/live")), "both").get("details").get("asked").asText());
        assertEquals("ALL", HealthEndpointTest.check(body(get("/health")), "both").get("details").get("asked").asText());
    }

    @Test
    void aPortAlreadyTakenIsRefusedNamingTheKeys() throws Exception {
        context.start();
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            HealthEndpoint second = new HealthEndpoint(context, "127.0.0.1", taken.getLocalPort(), false);
            IllegalStateException e = assertThrows(IllegalStateException.class, second::start);
            assertTrue(e.getMessage().contains("127.0.0.1:" + taken.getLocalPort()) && e.getMessage().contains("hub.health.host")
                    && e.getMessage().contains("hub.health.port"), e.getMessage());
            assertTrue(e.getMessage().contains("in use"), e.getMessage());
        }
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new java.util.TreeSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
