package org.uchub.health;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.camel.CamelContext;
import org.apache.camel.Service;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckHelper;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.ConnectionLimit;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;

/**
 * Camel's health checks over plain HTTP, for load balancers, orchestrators and monitoring
 * that cannot speak JMX: {@code /health/live} (is the hub running), {@code /health/ready}
 * (is every peer it works with reachable) and {@code /health} (both), each answering 200
 * when every check in it is up and 503 when one is down, with a JSON body naming each check
 * and its state (and, with {@code hub.health.details=true}, why). Read-only: GET and HEAD
 * only, no request body is read. No authentication: by default it listens on loopback only.
 *
 * <p>Served by Jetty (already on the class path for the SOAP service), not the JDK's
 * HttpServer: Jetty reads requests without holding a thread, closes a connection idle for
 * {@link #IDLE_TIMEOUT_MS}, and takes at most {@link #MAX_CONNECTIONS} at once, so slow or
 * idle clients can neither keep a probe from its answer nor use up the process's files.
 */
public final class HealthEndpoint implements Service {
    /** A connection that sends nothing (a request's rest, or the next request) for this long is closed. */
    static final long IDLE_TIMEOUT_MS = 5_000;
    /** Connections open at once; more wait in the system's listen backlog (no file of this process) until one closes. */
    static final int MAX_CONNECTIONS = 32;
    /** When {@link #MAX_CONNECTIONS} is reached, the connections open then are closed after this long idle instead. */
    static final long IDLE_TIMEOUT_AT_LIMIT_MS = 1_000;
    /** One acceptor, one selector, the rest for answers (a check answers in microseconds). */
    private static final int MAX_THREADS = 8;
    /** The Host values a browser sends for a page of this machine's, with or without a port. */
    private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "127.0.0.1", "[::1]");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Camel's own bookkeeping (invocation counts and times) says nothing about the peer. */
    private static final List<String> BOOKKEEPING = List.of("invocation.", "failure.", "success.", "check.");

    private final CamelContext context;
    private final String host;
    private final int port;
    private final boolean details;
    private Server server;
    private ServerConnector connector;
    private ConnectionLimit limit;
    /** Host values answered when bound to loopback; null when bound elsewhere (no Host check). */
    private Set<String> allowedHosts;

    /**
     * @param details whether to add each check's message, details and error message (they
     *     name peers' addresses, accounts, versions and file paths; see hub.health.details)
     */
    public HealthEndpoint(CamelContext context, String host, int port, boolean details) {
        this.context = context;
        this.host = host;
        this.port = port;
        this.details = details;
    }

    @Override
    public void start() {
        if (server != null) {
            return;
        }
        QueuedThreadPool threads = new QueuedThreadPool(MAX_THREADS, 2);
        threads.setName("health-http");
        threads.setDaemon(true);
        threads.setReservedThreads(0);
        Server s = new Server(threads, new ScheduledExecutorScheduler("health-http-scheduler", true), null);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        // An acceptor thread of its own: at the limit it stops accepting, so that further
        // connections wait in the backlog; with none, the selector accepts and closes them.
        ServerConnector c = new ServerConnector(s, 1, 1, new HttpConnectionFactory(http));
        c.setHost(host);
        c.setPort(port);
        c.setIdleTimeout(IDLE_TIMEOUT_MS);
        s.addConnector(c);
        limit = new ConnectionLimit(MAX_CONNECTIONS, c);
        limit.setIdleTimeout(IDLE_TIMEOUT_AT_LIMIT_MS);
        s.addBean(limit);
        ErrorHandler errors = new ErrorHandler();
        errors.setShowStacks(false);
        errors.setShowCauses(false);
        s.setErrorHandler(errors);
        s.setHandler(new Answer());
        try {
            allowedHosts = loopbackHosts(host);
            s.start();
        } catch (Exception e) {
            try {
                s.stop();
            } catch (Exception ignored) {
                // it did not start; nothing more to free
            }
            // Jetty's "Failed to bind to /127.0.0.1:8081" says where, its cause why ("Address already in use").
            String why = e.getMessage() + (e.getCause() != null ? ": " + e.getCause().getMessage() : "");
            throw new IllegalStateException("Cannot serve the health endpoint on " + host + ":" + port + " (hub.health.host,"
                    + " hub.health.port): " + why, e);
        }
        server = s;
        connector = c;
    }

    @Override
    public void stop() {
        if (server != null) {
            try {
                server.stop();
            } catch (Exception e) {
                throw new IllegalStateException("Cannot stop the health endpoint: " + e.getMessage(), e);
            } finally {
                server = null;
                connector = null;
                limit = null;
            }
        }
    }

    /** The port it listens on (the configured one, or the one the system gave for 0). */
    public int port() {
        return connector == null ? port : connector.getLocalPort();
    }

    /** Connections open now (for tests: never more than {@link #MAX_CONNECTIONS}). */
    int connections() {
        return limit == null ? 0 : limit.getConnections();
    }

    /**
     * When the endpoint listens on a loopback address, the Host values it answers: a page on
     * another site whose name an attacker points at 127.0.0.1 (DNS rebinding) could otherwise
     * read it from a browser on this machine. Elsewhere (0.0.0.0, an interface's address) any
     * Host is answered: those are reached under names this class cannot know.
     */
    private static Set<String> loopbackHosts(String host) throws UnknownHostException {
        if (host == null || host.isBlank() || !InetAddress.getByName(host).isLoopbackAddress()) {
            return null;
        }
        String configured = host.toLowerCase(Locale.ROOT);
        if (configured.contains(":") && !configured.startsWith("[")) {
            configured = "[" + configured + "]";
        }
        // The configured address itself too (127.0.0.2, say): a literal address is no rebinding.
        Set<String> allowed = new java.util.HashSet<>(LOOPBACK_NAMES);
        allowed.add(configured);
        return Set.copyOf(allowed);
    }

    /** Whether a Host header value (name or address, with or without a port) is allowed. */
    static boolean hostAllowed(Set<String> allowed, String hostHeader) {
        if (allowed == null || hostHeader == null) {
            // No Host at all: HTTP/1.0 from a local script; a browser always sends one.
            return true;
        }
        String h = hostHeader.trim().toLowerCase(Locale.ROOT);
        int colon = h.lastIndexOf(':');
        if (colon > h.lastIndexOf(']')) {
            String p = h.substring(colon + 1);
            if (p.isEmpty() || !p.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
                return false;
            }
            h = h.substring(0, colon);
        }
        return allowed.contains(h);
    }

    private final class Answer extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            String method = request.getMethod();
            if (!hostAllowed(allowedHosts, request.getHeaders().get(HttpHeader.HOST))) {
                // 421 Misdirected Request: this server does not answer for that name.
                send(response, callback, 421, Map.of("error", "This endpoint answers requests for localhost, 127.0.0.1 or [::1] only."));
                return true;
            }
            if (!method.equals("GET") && !method.equals("HEAD")) {
                response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
                send(response, callback, 405, Map.of("error", "Only GET and HEAD are served here."));
                return true;
            }
            java.util.Collection<HealthCheck.Result> results;
            switch (request.getHttpURI().getPath()) {
                case "/health", "/health/" -> results = invoke(HealthCheck.Kind.ALL, c -> false);
                case "/health/live" -> results = invoke(HealthCheck.Kind.LIVENESS, c -> !c.isLiveness());
                case "/health/ready" -> results = invoke(HealthCheck.Kind.READINESS, c -> !c.isReadiness());
                default -> {
                    send(response, callback, 404, Map.of("error", "Try /health, /health/live or /health/ready."));
                    return true;
                }
            }
            boolean up = context.getStatus().isStarted() && results.stream().allMatch(r -> r.getState() != HealthCheck.State.DOWN);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", up ? "UP" : "DOWN");
            List<Map<String, Object>> checks = new ArrayList<>();
            for (HealthCheck.Result r : results) {
                checks.add(describe(r));
            }
            body.put("checks", checks);
            send(response, callback, up ? 200 : 503, body);
            return true;
        }
    }

    /**
     * The checks of one kind, each told that kind: a check that is both a liveness and a
     * readiness check reads it from the options (Camel's polling consumers count "not yet
     * polled" as down for readiness only), and without it takes ALL.
     */
    private Collection<HealthCheck.Result> invoke(HealthCheck.Kind kind, Predicate<HealthCheck> leaveOut) {
        Map<String, Object> options = Map.of(HealthCheck.CHECK_KIND, kind);
        // "full": every check with its state; Camel's default exposure shows one when all are up.
        return HealthCheckHelper.invoke(context, c -> options, leaveOut, "full");
    }

    private Map<String, Object> describe(HealthCheck.Result r) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("id", r.getCheck().getId());
        c.put("status", r.getState().name());
        if (!details) {
            return c;
        }
        r.getMessage().ifPresent(m -> c.put("message", m));
        // The error's message only: a stack trace would show the hub's code to whoever asks.
        r.getError().ifPresent(e -> c.put("error", e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()));
        Map<String, Object> d = new LinkedHashMap<>();
        r.getDetails().forEach((k, v) -> {
            if (BOOKKEEPING.stream().noneMatch(k::startsWith)) {
                d.put(k, String.valueOf(v));
            }
        });
        if (!d.isEmpty()) {
            c.put("details", d);
        }
        return c;
    }

    private static void send(Response response, Callback callback, int status, Object body) throws Exception {
        byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(body);
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        // The length a GET would have, also for HEAD (Jetty sends no body for a HEAD).
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        response.write(true, ByteBuffer.wrap(bytes), callback);
    }
}
