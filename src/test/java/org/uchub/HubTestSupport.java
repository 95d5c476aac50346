package org.uchub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.fail;

import jakarta.xml.bind.JAXBContext;
import jakarta.xml.bind.JAXBElement;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.test.junit5.CamelTestSupport;
import org.junit.jupiter.api.io.TempDir;
import org.uchub.boot.HubBootstrap;
import org.uchub.contract.ErrorReply;
import org.uchub.contract.ObjectFactory;
import org.uchub.contract.SessionReply;
import org.uchub.request.ContractCodec;

/**
 * Runs the real hub (config/application.properties, the beans of {@link HubBootstrap} and
 * every route file in routes/) with its state in a fresh temporary directory per test.
 */
public abstract class HubTestSupport extends CamelTestSupport {
    protected static final String NS = "xmlns=\"urn:uc-hub:session:v1\"";

    @TempDir
    protected Path dataDir;

    /** Each test's embedded broker listens on a port of its own. */
    protected final int brokerPort = freePort();
    /** And its SOAP service a port of its own. */
    protected final int soapPort = freePort();
    /** And its AMI simulator a port of its own. */
    protected final int pbxPort = freePort();
    /** And its health endpoint a port of its own. */
    protected final int healthPort = freePort();

    private static final java.util.Set<Integer> ISSUED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * A port nobody listens on, chosen below Linux's ephemeral range (32768-60999): a port the
     * OS handed out for listening can be taken by any client connection (an AMI reconnect,
     * a JMS client) before the test binds it again.
     */
    public static int freePort() {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        // Surefire runs test JVMs side by side (uc.test.fork is the fork's number, from 1): each
        // takes its own quarter of the range (up to four forks), since the check below cannot
        // see a port another JVM has chosen and not bound yet.
        int fork = Integer.getInteger("uc.test.fork", 0);
        if (fork > 4) {
            throw new IllegalStateException("freePort() keeps at most four test JVMs apart; this is fork " + fork);
        }
        int first = fork == 0 ? 20_000 : 20_000 + (fork - 1) * 3_000;
        int size = fork == 0 ? 12_000 : 3_000;
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = first + random.nextInt(size);
            // Never the same port twice in one JVM: a test picks several before it binds any
            // (the SOAP port and GreenMail's SMTP port were once the same).
            if (!ISSUED.add(port)) {
                continue;
            }
            try (java.net.ServerSocket s = new java.net.ServerSocket()) {
                s.bind(new java.net.InetSocketAddress("127.0.0.1", port));
                return port;
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IllegalStateException("no free port between 20000 and 32000");
    }

    /**
     * Where this test's hub keeps its state: {@link #dataDir}, which JUnit makes afresh for each
     * test method (and deletes after it). A class that shares one hub between its tests
     * ({@code PER_CLASS}) returns a directory of the class's own.
     */
    protected Path stateDir() {
        return dataDir;
    }

    protected String soapAddress() {
        return "http://127.0.0.1:" + soapPort + "/uc/sessions";
    }

    protected Path inbox() {
        return stateDir().resolve("inbox");
    }

    protected Path outbox() {
        return stateDir().resolve("outbox");
    }

    /** Overrides of config/application.properties for this test class. */
    protected Properties hubProperties() {
        Properties p = new Properties();
        p.setProperty("hub.data.dir", stateDir().toString());
        p.setProperty("hub.db.url", "jdbc:h2:file:" + stateDir().resolve("sessionlog") + ";DB_CLOSE_ON_EXIT=FALSE;MAX_COMPACT_TIME=0");
        p.setProperty("hub.directory.file", "src/test/resources/directory.csv");
        p.setProperty("hub.inbox.poll-delay-ms", "100");
        p.setProperty("hub.inbox.min-age-ms", "300");
        p.setProperty("hub.inbox.lock-check-ms", "100");
        p.setProperty("hub.inbox.empty-min-age-ms", "1000");
        p.setProperty("hub.routes.reload", "false");
        p.setProperty("broker.embedded.port", String.valueOf(brokerPort));
        p.setProperty("broker.embedded.dir", stateDir().resolve("broker").toString());
        p.setProperty("broker.journal.file-size-kib", "1024");

        p.setProperty("soap.address", soapAddress());
        p.setProperty("hub.health.port", String.valueOf(healthPort));
        p.setProperty("pbx.port", String.valueOf(pbxPort));
        p.setProperty("pbx.simulator.ring-ms", "100");
        p.setProperty("pbx.ping-interval-ms", "1000");
        p.setProperty("pbx.retry.interval-ms", "500");
        // Every test stops a hub: its JMS consumers need not take a second to notice, and the
        // PBX's login events still queued when a short test ends are not worth the stop's whole
        // timeout (the reconciliation after the next login covers what they said).
        p.setProperty("jms.receive-timeout-ms", "100");
        p.setProperty("pbx.events.endpoint", "seda:pbx-events?queue=#pbxEventQueue&concurrentConsumers=1&pollTimeout=100&purgeWhenStopping=true");
        return p;
    }

    /**
     * Points the hub at a PBX that is not there (nothing listens on the port), for tests of
     * other parts that want the calls and conferences they start to wait, deterministically,
     * as PENDING instead of racing the simulator's events.
     */
    protected static Properties unreachablePbx(Properties p) {
        p.setProperty("pbx.mode", "asterisk");
        p.setProperty("pbx.port", String.valueOf(freePort()));
        return p;
    }

    /**
     * Runs this test's hub on a copy of routes/ with reloading on, so a test can add or
     * change route files; returns the copy.
     */
    protected Path reloadableRoutes(Properties p) {
        // Inside the test's own folder, which JUnit deletes afterwards.
        Path routes = stateDir().resolve("routes-copy");
        try {
            Files.createDirectories(routes);
            try (java.util.stream.Stream<Path> s = Files.list(Path.of("routes"))) {
                for (Path f : s.toList()) {
                    Files.copy(f, routes.resolve(f.getFileName()));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        p.setProperty("hub.routes.dir", routes.toString());
        p.setProperty("hub.routes.reload", "true");
        return routes;
    }

    /**
     * PBX events queued while a short test ran (the reconciliation after login) are not worth
     * the graceful stop's wait for them; the hub's own shutdown keeps camel.main.shutdown-timeout.
     */
    @Override
    public void configureContext(org.apache.camel.test.junit5.CamelContextConfiguration configuration) {
        super.configureContext(configuration);
        configuration.withShutdownTimeout(1);
    }

    @Override
    protected CamelContext createCamelContext() throws Exception {
        CamelContext context = super.createCamelContext();
        context.getPropertiesComponent().setLocation("file:config/application.properties");
        context.getPropertiesComponent().setOverrideProperties(hubProperties());
        new HubBootstrap().configure(context);
        return context;
    }

    // ------------------------------------------------------------ the shared entry

    /** Sends a request to the entry every ingress uses, as the given tenant; returns the rendered reply. */
    protected String call(String tenant, String request) {
        Exchange ex = template.send("direct:hub-request", e -> {
            e.setProperty("ucTenant", tenant);
            e.setProperty("ucIngress", "test");
            e.getMessage().setBody(request.getBytes(StandardCharsets.UTF_8));
        });
        if (ex.getException() != null) {
            throw new AssertionError("exchange failed", ex.getException());
        }
        ContractCodec codec = context.getRegistry().lookupByNameAndType("contractCodec", ContractCodec.class);
        return codec.render(ex.getMessage().getBody(JAXBElement.class), ex.getProperty("ucFormat", String.class));
    }

    /**
     * A request's first delivery played step by step up to its open session, with the hub's own
     * beans, as if the hub stopped right after: what a test of crash recovery starts from.
     */
    protected org.uchub.request.HubRequest firstDeliveryUpToTheSessionLog(String tenant, String request) throws Exception {
        return context.getRegistry().lookupByNameAndType("sessionLog", org.uchub.sessionlog.SessionLog.class)
                .start(readAndEnriched(tenant, request));
    }

    /** A request as the dispatcher hands it to the session log: read, checked and enriched with the hub's own beans. */
    protected org.uchub.request.HubRequest readAndEnriched(String tenant, String request) throws Exception {
        ContractCodec codec = context.getRegistry().lookupByNameAndType("contractCodec", ContractCodec.class);
        org.uchub.request.HubRequest r = codec.read(new java.io.ByteArrayInputStream(request.getBytes(StandardCharsets.UTF_8)), tenant,
                "test", null, new org.apache.camel.support.DefaultExchange(context));
        context.getRegistry().lookupByNameAndType("requestRules", org.uchub.request.RequestRules.class).check(r);
        context.getRegistry().lookupByNameAndType("enricher", org.uchub.enrich.Enricher.class).enrich(r);
        return r;
    }

    protected SessionReply ok(String tenant, String request) {
        Object reply = parse(call(tenant, request));
        if (reply instanceof ErrorReply e) {
            fail("expected a session reply, got error " + e.getError().getCode() + ": " + e.getError().getMessage());
        }
        SessionReply r = (SessionReply) reply;
        if (r.getError() != null) {
            fail("expected success, got " + r.getError().getCode() + ": " + r.getError().getMessage());
        }
        return r;
    }

    /**
     * GetRecording as a client must ask it: Asterisk reports the stop before it has closed the
     * file, and the hub answers NO_RECORDING "still being written or finished" until then.
     */
    protected SessionReply recordingOnceFinished(String businessId) throws InterruptedException {
        String request = "<GetRecording " + NS + "><businessId>" + businessId + "</businessId></GetRecording>";
        long deadline = System.currentTimeMillis() + 10_000;
        while (true) {
            Object reply = parse(call(logTenant(), request));
            if (reply instanceof SessionReply r && r.getError() == null) {
                return r;
            }
            String message = reply instanceof SessionReply r ? r.getError().getMessage() : ((ErrorReply) reply).getError().getMessage();
            if (!message.contains("still being written or finished") || System.currentTimeMillis() > deadline) {
                fail("no recording of " + businessId + ": " + message);
            }
            Thread.sleep(100);
        }
    }

    /** Asserts the request is refused with the code, and returns the error code's message. */
    protected String rejected(String tenant, String request, String code) {
        String rendered = call(tenant, request);
        String actual;
        String message;
        if (rendered.trim().startsWith("{")) {
            com.fasterxml.jackson.databind.JsonNode root = readJson(rendered);
            com.fasterxml.jackson.databind.JsonNode error = root.elements().next().get("error");
            if (error == null) {
                fail("expected " + code + " but got " + rendered);
            }
            assertEquals(code, error.get("code").asText(), rendered);
            return error.get("message").asText();
        }
        Object reply = parse(rendered);
        if (reply instanceof ErrorReply e) {
            actual = e.getError().getCode();
            message = e.getError().getMessage();
        } else {
            SessionReply r = assertInstanceOf(SessionReply.class, reply);
            if (r.getError() == null) {
                fail("expected " + code + " but the request succeeded with status " + r.getStatus());
            }
            actual = r.getError().getCode();
            message = r.getError().getMessage();
        }
        assertEquals(code, actual, message);
        return message;
    }

    // ------------------------------------------------------------ the file drop

    /** Drops a request file the way a careful writer does: written aside, then moved in. */
    protected void drop(String relativeName, String content) throws IOException {
        Path target = inbox().resolve(relativeName);
        Files.createDirectories(target.getParent());
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Waits for the reply file of a dropped request and returns its text. */
    protected String awaitReply(String replyName) throws Exception {
        Path reply = outbox().resolve(replyName);
        long deadline = System.currentTimeMillis() + 20_000;
        while (System.currentTimeMillis() < deadline) {
            if (Files.exists(reply)) {
                return Files.readString(reply);
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no reply " + reply + " within 20 s");
    }

    /** A condition a test waits for. */
    public interface Check {
        boolean ok() throws Exception;
    }

    /** Waits until the check holds, failing with the message after the time is up. */
    public static void await(Check check, long millis, String message) throws Exception {
        long deadline = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < deadline) {
            if (check.ok()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(message);
    }

    protected static Object parse(String reply) {
        if (reply.trim().startsWith("{")) {
            throw new IllegalArgumentException("parse() reads XML replies");
        }
        try {
            Object o = JAXBContext.newInstance(ObjectFactory.class).createUnmarshaller().unmarshal(new StringReader(reply));
            return ((JAXBElement<?>) o).getValue();
        } catch (Exception e) {
            throw new AssertionError("unreadable reply: " + reply, e);
        }
    }

    protected static com.fasterxml.jackson.databind.JsonNode readJson(String json) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
        } catch (IOException e) {
            throw new AssertionError("unreadable JSON reply: " + json, e);
        }
    }

    protected static SessionReply sessionReply(String xml) {
        return assertInstanceOf(SessionReply.class, parse(xml));
    }

    // ------------------------------------------------------------ requests

    protected static String startConference(String businessId, String requestId, String... numbers) {
        StringBuilder ps = new StringBuilder();
        for (String n : numbers) {
            ps.append("<participant><number>").append(n).append("</number></participant>");
        }
        return "<StartSession " + NS + ">" + (requestId == null ? "" : "<requestId>" + requestId + "</requestId>")
                + "<businessId>" + businessId + "</businessId><channel>conference</channel><participants>" + ps
                + "</participants><options><record>true</record></options></StartSession>";
    }

    /** The tenant whose session logs {@link #logOf} reads. */
    protected String logTenant() {
        return "default";
    }

    /** The session log of a business ID of {@link #logTenant()}. */
    protected SessionReply logOf(String businessId) {
        return ok(logTenant(), query(businessId));
    }

    protected static java.util.List<org.uchub.contract.Event> events(SessionReply r, String type) {
        return r.getEvents().getEvent().stream().filter(e -> e.getType().equals(type)).toList();
    }

    /** The events of a log as TYPE[detail], for failure messages. */
    protected static java.util.List<String> described(SessionReply r) {
        return r.getEvents().getEvent().stream().map(x -> x.getType() + "[" + x.getDetail() + "]").toList();
    }

    /** Waits until the log of the business ID has at least n events of the type. */
    protected void awaitEvent(String businessId, String type, int n) throws Exception {
        try {
            await(() -> events(logOf(businessId), type).size() >= n, 15_000, "");
        } catch (AssertionError e) {
            // The log as it is when the wait gave up, not as it was when it began.
            throw new AssertionError(n + " x " + type + " in the log of " + businessId + ": "
                    + described(logOf(businessId)));
        }
    }

    protected static String query(String businessId) {
        return "<QuerySessionLog " + NS + "><businessId>" + businessId + "</businessId></QuerySessionLog>";
    }

    protected static String end(String businessId) {
        return "<EndSession " + NS + "><businessId>" + businessId + "</businessId></EndSession>";
    }
}
