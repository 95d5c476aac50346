package org.uchub.health;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.camel.CamelContext;
import org.apache.camel.Service;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckHelper;

/**
 * Camel's health checks over plain HTTP, for load balancers, orchestrators and monitoring
 * that cannot speak JMX: {@code /health/live} (is the hub running), {@code /health/ready}
 * (is every peer it works with reachable) and {@code /health} (both), each answering 200
 * when every check in it is up and 503 when one is down, with a JSON body naming each check,
 * its state and why. Read-only: GET and HEAD only, no request body is read.
 */
public final class HealthEndpoint implements Service {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CamelContext context;
    private final String host;
    private final int port;
    private HttpServer server;
    private ExecutorService threads;

    public HealthEndpoint(CamelContext context, String host, int port) {
        this.context = context;
        this.host = host;
        this.port = port;
    }

    @Override
    public void start() {
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 16);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot serve the health endpoint on " + host + ":" + port + " (hub.health.host,"
                    + " hub.health.port): " + e.getMessage(), e);
        }
        // Two threads: one slow or stuck client must not keep a probe from its answer.
        threads = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "health-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(threads);
        server.createContext("/health", this::answer);
        server.start();
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
            threads.shutdownNow();
            server = null;
        }
    }

    /** The port it listens on (the configured one, or the one the system gave for 0). */
    public int port() {
        return server == null ? port : server.getAddress().getPort();
    }

    private void answer(HttpExchange x) throws IOException {
        try (x) {
            String method = x.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                x.getResponseHeaders().set("Allow", "GET, HEAD");
                send(x, 405, Map.of("error", "Only GET and HEAD are served here."), method);
                return;
            }
            Collection<HealthCheck.Result> results;
            switch (x.getRequestURI().getPath()) {
                // "full": every check with its state; Camel's default exposure shows one when all are up.
                case "/health", "/health/" -> results = HealthCheckHelper.invoke(context, c -> Map.of(), c -> false, "full");
                case "/health/live" -> results = HealthCheckHelper.invoke(context, c -> Map.of(), c -> !c.isLiveness(), "full");
                case "/health/ready" -> results = HealthCheckHelper.invoke(context, c -> Map.of(), c -> !c.isReadiness(), "full");
                default -> {
                    send(x, 404, Map.of("error", "Try /health, /health/live or /health/ready."), method);
                    return;
                }
            }
            boolean up = context.getStatus().isStarted() && results.stream().allMatch(r -> r.getState() != HealthCheck.State.DOWN);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", up ? "UP" : "DOWN");
            List<Map<String, Object>> checks = new ArrayList<>();
            for (HealthCheck.Result r : results) {
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("id", r.getCheck().getId());
                c.put("status", r.getState().name());
                r.getMessage().ifPresent(m -> c.put("message", m));
                Map<String, Object> details = new LinkedHashMap<>();
                // Camel's own bookkeeping (invocation counts and times) says nothing about the peer.
                r.getDetails().forEach((k, v) -> {
                    if (!k.startsWith("invocation.") && !k.startsWith("failure.") && !k.startsWith("success.") && !k.startsWith("check.")) {
                        details.put(k, String.valueOf(v));
                    }
                });
                if (!details.isEmpty()) {
                    c.put("details", details);
                }
                checks.add(c);
            }
            body.put("checks", checks);
            send(x, up ? 200 : 503, body, method);
        }
    }

    private static void send(HttpExchange x, int status, Object body, String method) throws IOException {
        byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(body);
        x.getResponseHeaders().set("Content-Type", "application/json");
        x.getResponseHeaders().set("Cache-Control", "no-store");
        if (method.equals("HEAD")) {
            x.sendResponseHeaders(status, -1);
            return;
        }
        x.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(bytes);
        }
    }
}
