package org.uchub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged hub ({@code java -jar target/uc-hub.jar}) as a real process: killed in the
 * middle of a batch it finishes every file exactly once after a restart, and SIGTERM stops it
 * without leaving anything half done. Its state directory is set through an environment
 * variable, which also proves the documented override mapping.
 */
class HubProcessIT {
    private static final String NS = "xmlns=\"urn:uc-hub:session:v1\"";

    @TempDir
    Path dataDir;

    private Process hub;

    @AfterEach
    void stop() throws Exception {
        if (hub != null && hub.isAlive()) {
            hub.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
        }
    }

    private int brokerPort;
    private int healthPort;

    private Process startHub(String logName) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                "target/uc-hub.jar");
        Map<String, String> env = pb.environment();
        env.put("HUB_DATA_DIR", dataDir.toString());
        env.put("HUB_INBOX_POLL_DELAY_MS", "100");
        env.put("HUB_INBOX_MIN_AGE_MS", "200");
        env.put("HUB_ROUTES_RELOAD", "false");
        brokerPort = HubTestSupport.freePort();
        env.put("BROKER_EMBEDDED_PORT", String.valueOf(brokerPort));
        // Not 8080: the other integration tests run beside this one, and the machine may serve 8080 already.
        env.put("SOAP_ADDRESS", "http://127.0.0.1:" + HubTestSupport.freePort() + "/uc/sessions");
        healthPort = HubTestSupport.freePort();
        env.put("HUB_HEALTH_PORT", String.valueOf(healthPort));
        // These tests are about the ingresses surviving a kill, with thousands of calls queued:
        // no PBX answers (nothing listens on the port), so the calls wait as PENDING and the
        // PBX's event traffic for thousands of calls does not decide how long the test takes.
        env.put("PBX_MODE", "asterisk");
        env.put("PBX_PORT", String.valueOf(HubTestSupport.freePort()));
        env.put("PBX_RETRY_INTERVAL_MS", "60000");
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolveSibling(dataDir.getFileName() + "-" + logName).toFile()));
        hub = pb.start();
        return hub;
    }

    private Path inbox() {
        return dataDir.resolve("inbox");
    }

    private Path outbox() {
        return dataDir.resolve("outbox");
    }

    private void awaitReady() throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!Files.isDirectory(inbox()) && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        String name = "ready-" + System.nanoTime();
        Files.writeString(inbox().resolve(name + ".xml"), "<QuerySessionLog " + NS + "><businessId>ping</businessId></QuerySessionLog>");
        await(() -> Files.exists(outbox().resolve(name + ".reply.xml")), 60_000, "hub did not answer");
        // The packaged hub answers a liveness probe over HTTP once its start is complete (routes
        // already serve while the last ones start).
        await(() -> health("/health/live").statusCode() == 200, 60_000, "the packaged hub's /health/live never said 200");
        String all = health("/health").body();
        assertTrue(all.contains("\"id\" : \"pbx\"") && all.contains("\"id\" : \"route:hub-accept\""), all);
    }

    private java.net.http.HttpResponse<String> health(String path) throws Exception {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + healthPort + path)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    private static String start(int i) {
        return "<StartSession " + NS + "><requestId>req-" + i + "</requestId><businessId>biz-" + i + "</businessId>"
                + "<channel>conference</channel><participants><participant><number>+4930111111</number></participant>"
                + "</participants></StartSession>";
    }

    private void dropBatch(int n) throws IOException {
        Path staging = dataDir.resolve("staging");
        Files.createDirectories(staging);
        for (int i = 0; i < n; i++) {
            Files.writeString(staging.resolve("biz-" + i + ".xml"), start(i));
        }
        for (int i = 0; i < n; i++) {
            Files.move(staging.resolve("biz-" + i + ".xml"), inbox().resolve("biz-" + i + ".xml"));
        }
    }

    private long count(Path dir, String suffix) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("biz-") && p.getFileName().toString().endsWith(suffix)).count();
        }
    }

    private Map<String, Integer> sessionsPerBusinessId() throws Exception {
        Map<String, Integer> out = new HashMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + dataDir.resolve("sessionlog"), "uchub", "uchub");
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("select business_id, count(*) from uc_session where business_id like 'biz-%' group by business_id")) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getInt(2));
            }
        }
        return out;
    }

    @Test
    void aHubKilledMidBatchAppliesEveryFileExactlyOnceAfterRestart() throws Exception {
        startHub("run1.log");
        awaitReady();
        // Camel Main's summary of the settings masks only keys named like a secret: the URLs,
        // which may carry a keystore or database password, were printed whole at every start.
        String started = Files.readString(dataDir.resolveSibling(dataDir.getFileName() + "-run1.log"));
        assertFalse(started.contains("sessionlog;WRITE_DELAY"), "hub.db.url is in the log");
        dropBatch(100);
        await(() -> count(outbox(), ".reply.xml") >= 15, 60_000, "no progress before the kill");
        hub.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
        long doneAtKill = count(inbox().resolve(".done"), ".xml");
        assertTrue(doneAtKill < 100, "the kill came too late to interrupt anything: " + doneAtKill);

        startHub("run2.log");
        await(() -> count(inbox().resolve(".done"), ".xml") == 100, 120_000, "not every file was done after the restart");
        hub.destroy();
        assertTrue(hub.waitFor(60, TimeUnit.SECONDS), "hub did not stop on SIGTERM");

        assertEquals(100, count(outbox(), ".reply.xml"));
        assertEquals(0, count(inbox(), ".xml"));
        Map<String, Integer> sessions = sessionsPerBusinessId();
        assertEquals(100, sessions.size());
        sessions.forEach((id, n) -> assertEquals(1, n, id + " applied " + n + " times"));
    }

    @Test
    void sigtermLetsInFlightRequestsFinishAndLeavesTheRestUntouched() throws Exception {
        startHub("run.log");
        awaitReady();
        dropBatch(60);
        await(() -> count(outbox(), ".reply.xml") >= 5, 60_000, "no progress before SIGTERM");
        hub.destroy();
        assertTrue(hub.waitFor(60, TimeUnit.SECONDS), "hub did not stop on SIGTERM");
        // 143 is how a JVM reports a SIGTERM it shut down for after running its shutdown hooks.
        assertTrue(hub.exitValue() == 0 || hub.exitValue() == 143, "exit code " + hub.exitValue());
        assertTrue(Files.readString(dataDir.resolveSibling(dataDir.getFileName() + "-run.log")).contains("shutdown"),
                "Camel did not report its shutdown");

        Map<String, Integer> sessions = sessionsPerBusinessId();
        for (int i = 0; i < 60; i++) {
            String id = "biz-" + i;
            boolean done = Files.exists(inbox().resolve(".done/" + id + ".xml"));
            boolean waiting = Files.exists(inbox().resolve(id + ".xml"));
            assertTrue(done ^ waiting, id + " is neither done nor waiting (or both)");
            if (done) {
                assertTrue(Files.exists(outbox().resolve(id + ".reply.xml")), id + " done without a reply");
                assertEquals(1, sessions.get(id), id);
            } else {
                assertFalse(sessions.containsKey(id), id + " was applied but its file was not finished");
            }
        }
    }

    private jakarta.jms.Connection jms(String user, String password) throws Exception {
        jakarta.jms.Connection c = new org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory(
                "tcp://127.0.0.1:" + brokerPort, user, password).createConnection();
        c.start();
        return c;
    }

    private int depth(String queue) throws Exception {
        try (jakarta.jms.Connection c = jms("uchub", "uchub-dev-password")) {
            jakarta.jms.Session s = c.createSession(false, jakarta.jms.Session.AUTO_ACKNOWLEDGE);
            var e = s.createBrowser(s.createQueue(queue)).getEnumeration();
            int n = 0;
            while (e.hasMoreElements()) {
                e.nextElement();
                n++;
            }
            return n;
        }
    }

    @Test
    void aHubKilledWithThousandsOfJmsRequestsQueuedAppliesEachExactlyOnce() throws Exception {
        int valid = 1900;
        int invalid = 100;
        startHub("jms1.log");
        awaitReady();
        try (jakarta.jms.Connection c = jms("erp", "erp-dev-password")) {
            jakarta.jms.Session s = c.createSession(true, jakarta.jms.Session.SESSION_TRANSACTED);
            jakarta.jms.MessageProducer p = s.createProducer(s.createQueue("uc.requests"));
            jakarta.jms.Queue replies = s.createQueue("uc.replies.erp");
            for (int i = 0; i < valid + invalid; i++) {
                // Calls: they bind no reserved number, so thousands fit.
                String call = start(i).replace("<channel>conference</channel>", "<channel>call</channel>")
                        .replace("</participants>", "<participant><number>+4930222222</number></participant></participants>");
                jakarta.jms.TextMessage m = s.createTextMessage(i < valid ? call : call.replace("biz-" + i, "bad id " + i));
                m.setJMSReplyTo(replies);
                p.send(m);
                if (i % 100 == 99) {
                    s.commit();
                }
            }
            s.commit();
        }
        await(() -> depth("uc.replies.erp") >= 300, 120_000, "no progress before the kill");
        // The broker is inside the hub: progress is counted just before the kill.
        int answeredAtKill = depth("uc.replies.erp");
        hub.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
        assertTrue(answeredAtKill < valid + invalid, "the kill came too late: everything was answered");

        startHub("jms2.log");
        awaitReady();
        // Every request answers once at least (a redelivered one may answer twice), and the
        // queue browser does not see messages the hub already holds, so wait for both.
        await(() -> depth("uc.replies.erp") >= valid + invalid && depth("uc.requests") == 0, 300_000,
                "the queued requests were not all answered after the restart");
        int dead = depth("DLQ.uc.requests");
        hub.destroy();
        assertTrue(hub.waitFor(60, TimeUnit.SECONDS), "hub did not stop on SIGTERM");

        Map<String, Integer> sessions = sessionsPerBusinessId();
        assertEquals(valid, sessions.size(), "every valid request applied");
        sessions.forEach((id, n) -> assertEquals(1, n, id + " applied " + n + " times"));
        assertEquals(invalid, dead, "every invalid request kept in the DLQ, nothing else");
        System.out.println("answered before the kill: " + answeredAtKill + " of " + (valid + invalid));
    }

    /** Like {@link HubTestSupport#await}, but stops at once if the hub process died. */
    private void await(HubTestSupport.Check check, long millis, String message) throws Exception {
        HubTestSupport.await(() -> {
            if (hub != null && !hub.isAlive()) {
                throw new AssertionError(message + ": the hub exited with " + hub.exitValue());
            }
            return check.ok();
        }, millis, message);
    }
}
