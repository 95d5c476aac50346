package org.uchub.bench;

import jakarta.jms.Connection;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Queue;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.uchub.boot.HubBootstrap;

/**
 * Durable StartSession requests per second through uc.requests into the committed session
 * log, with p50/p99 latency, beside the floor measured in the same run: a plain JMS consumer
 * on the same broker that commits one database insert per message and replies, without
 * Camel and without the hub's steps. Both runs keep the same number of requests in flight.
 *
 * <p>Run: see the README ("Benchmark"). Arguments: [requests (20000)] [in flight (64)]
 * [h2|postgres (h2)]; system properties named like configuration keys (-Djms.consumers=8)
 * override them.
 */
public final class JmsThroughputBenchmark {
    private JmsThroughputBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int window = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        Path dir = Files.createTempDirectory("uc-bench");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Properties p = new Properties();
        p.setProperty("hub.data.dir", dir.toString());
        String db = args.length > 2 ? args[2] : "h2";
        io.zonky.test.db.postgres.embedded.EmbeddedPostgres postgres = null;
        if (db.equals("postgres")) {
            postgres = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder().setDataDirectory(dir.resolve("pg"))
                    .setCleanDataDirectory(true).start();
            p.setProperty("hub.db.url", postgres.getJdbcUrl("postgres", "postgres"));
            p.setProperty("hub.db.user", "postgres");
            p.setProperty("hub.db.password", "postgres");
        }
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("hub.") || k.startsWith("broker.")
                || k.startsWith("jms.") || k.startsWith("pbx.")).forEach(k -> p.setProperty(k, System.getProperty(k)));
        if (!p.containsKey("hub.db.pool-size") && p.containsKey("jms.consumers")) {
            // The floor's consumers each hold a connection for the whole run.
            p.setProperty("hub.db.pool-size", String.valueOf(Integer.parseInt(p.getProperty("jms.consumers")) + 6));
        }
        PbxIdle.callsAsInService(p);
        p.setProperty("hub.routes.reload", "false");
        // No health endpoint: the shipped 127.0.0.1:8081 may be taken (a running hub), and a benchmark needs none.
        p.setProperty("hub.health.enabled", "false");
        p.setProperty("broker.embedded.port", String.valueOf(port));
        p.setProperty("broker.embedded.dir", dir.resolve("broker").toString());
        CamelContext context = new DefaultCamelContext();
        context.getPropertiesComponent().setLocation("file:config/application.properties");
        context.getPropertiesComponent().setOverrideProperties(p);
        new HubBootstrap().configure(context);
        context.start();
        String url = "tcp://127.0.0.1:" + port;
        System.out.printf("UC Hub JMS benchmark: %d StartSession requests, %d in flight, %d consumers, session log %s,"
                + " Artemis journal NIO synced per commit (buffer timeout %s us), persistent messages%n", n, window,
                Integer.parseInt(context.resolvePropertyPlaceholders("{{jms.consumers}}")),
                db.equals("postgres") ? "PostgreSQL (embedded, default settings)" : context.resolvePropertyPlaceholders("{{hub.db.url}}"),
                context.resolvePropertyPlaceholders("{{broker.journal.buffer-timeout-us}}"));

        int warm = Math.max(500, Math.min(2000, n / 10));
        CpuShare.warmUp("hub", (name, count, prefix) -> run(name, url, count, window, prefix), warm, 40, "warm");
        org.uchub.sessionlog.GroupCommit commits = context.getRegistry().lookupByNameAndType("dataSource",
                org.uchub.sessionlog.SessionLogDataSource.class).groupCommit();
        long works0 = commits == null ? 0 : commits.works();
        long commits0 = commits == null ? 0 : commits.commits();
        long writes0 = commits == null ? 0 : commits.writes();
        CpuShare hubCpu = CpuShare.begin();
        Figures hub = run("hub", url, n, window, "hub-");
        hubCpu.print("the hub's run", 8);
        if (commits != null) {
            System.out.printf("  session log during the hub's run: %.2f write transactions, %.2f commits and %.2f file writes"
                    + " (embedded H2 with a write delay) per request%n", (commits.works() - works0) / (double) n,
                    (commits.commits() - commits0) / (double) n, (commits.writes() - writes0) / (double) n);
        }
        context.getRouteController().stopRoute("jms-consume");
        PbxIdle.await(context);

        javax.sql.DataSource ds = context.getRegistry().lookupByNameAndType("dataSource", javax.sql.DataSource.class);
        int consumers = Integer.parseInt(context.resolvePropertyPlaceholders("{{jms.consumers}}"));
        AtomicBoolean stop = new AtomicBoolean();
        if (!db.equals("postgres")) {
            // A plain consumer makes each commit durable the plain way, H2 writing its file in
            // every commit; the hub writes it once for many commits on a thread of its own.
            try (var c = ds.getConnection()) {
                c.createStatement().execute("SET WRITE_DELAY 0");
            }
            System.out.println("  floor: H2 WRITE_DELAY 0 (the file written in each commit)");
        }
        for (int i = 0; i < consumers; i++) {
            startFloorConsumer(url, ds, stop);
        }
        CpuShare.warmUp("floor", (name, count, prefix) -> run(name, url, count, window, prefix), warm, 15, "fwarm");
        CpuShare floorCpu = CpuShare.begin();
        Figures base = run("floor", url, n, window, "floor-");
        floorCpu.print("the floor's run", 6);
        stop.set(true);

        Figures.print("hub", hub, "floor", base, 0.70, 2000);
        context.stop();
        System.exit(0);
    }

    private static String request(String prefix, int i) {
        return "<StartSession xmlns=\"urn:uc-hub:session:v1\"><businessId>" + prefix + i + "</businessId><channel>call</channel>"
                + "<participants><participant><number>+4930111111</number></participant><participant><number>+4930222222"
                + "</number></participant></participants><options><subject>Benchmark request " + i + " padded to about one"
                + " kilobyte like a typical business request with a subject and some participant names</subject></options>"
                + "</StartSession>";
    }

    private static Figures run(String name, String url, int n, int window, String prefix) throws Exception {
        ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory(url, "erp", "erp-dev-password");
        // Sends stay durable (the broker journals each before it is delivered) but do not wait
        // for the journal one by one, as a busy legacy sender with many threads would not.
        cf.setBlockOnDurableSend(false);
        long[] sentAt = new long[n];
        long[] latency = new long[n];
        Semaphore inFlight = new Semaphore(window);
        AtomicInteger done = new AtomicInteger();
        ConcurrentHashMap<String, Integer> index = new ConcurrentHashMap<>();
        try (Connection c = cf.createConnection()) {
            c.start();
            Session replies = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Queue replyQueue = replies.createQueue("uc.replies.erp");
            MessageConsumer consumer = replies.createConsumer(replyQueue);
            Object finished = new Object();
            consumer.setMessageListener(m -> {
                try {
                    Integer i = index.remove(m.getJMSCorrelationID());
                    if (i != null) {
                        latency[i] = System.nanoTime() - sentAt[i];
                        inFlight.release();
                        if (done.incrementAndGet() == n) {
                            synchronized (finished) {
                                finished.notifyAll();
                            }
                        }
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Session send = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageProducer producer = send.createProducer(send.createQueue("uc.requests"));
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                inFlight.acquire();
                TextMessage m = send.createTextMessage(request(prefix, i));
                String id = prefix + i;
                m.setJMSCorrelationID(id);
                m.setJMSReplyTo(replyQueue);
                index.put(id, i);
                sentAt[i] = System.nanoTime();
                producer.send(m);
            }
            synchronized (finished) {
                int seen = -1;
                long since = System.nanoTime();
                while (done.get() < n) {
                    finished.wait(1000);
                    if (done.get() != seen) {
                        seen = done.get();
                        since = System.nanoTime();
                    } else if (System.nanoTime() - since > 60_000_000_000L) {
                        throw new IllegalStateException(name + ": no reply for 60 s after " + seen + " of " + n);
                    }
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Figures r = Figures.of(n, seconds, latency);
            System.out.printf("  %s: %d in %.1f s%n", name, n, seconds);
            return r;
        }
    }

    /**
     * The floor: receive, write the rows a StartSession of a call adds to the session log
     * (business ID, session, two participants, one event, the request's dedupe key) in one
     * database transaction, reply, commit the JMS transaction. Plain JDBC and JMS, no Camel,
     * no parsing, validation or channel step.
     */
    private static Thread startFloorConsumer(String url, javax.sql.DataSource ds, AtomicBoolean stop) {
        Thread t = new Thread(() -> {
            ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory(url, "uchub", "uchub-dev-password");
            try (Connection c = cf.createConnection(); var db = ds.getConnection()) {
                c.start();
                db.setAutoCommit(false);
                Session s = c.createSession(true, Session.SESSION_TRANSACTED);
                MessageConsumer consumer = s.createConsumer(s.createQueue("uc.requests"));
                MessageProducer replies = s.createProducer(null);
                PreparedStatement kase = db.prepareStatement("insert into uc_case (tenant, business_id, last_seq, created_at)"
                        + " values ('floor', ?, 1, ?)");
                // Channel 'bench', not 'call': the hub, still running, would otherwise dial these
                // rows as calls waiting for the PBX and bill its work to the floor.
                PreparedStatement session = db.prepareStatement("insert into uc_session (session_id, tenant, business_id, channel,"
                        + " state, subject, record_requested, video, started_at, updated_at) values (?, 'floor', ?, 'bench',"
                        + " 'REQUESTED', ?, false, false, ?, ?)");
                PreparedStatement participant = db.prepareStatement("insert into uc_participant (session_id, address_type,"
                        + " address, role, state, muted, updated_at) values (?, 'number', ?, 'participant', 'REQUESTED', false, ?)");
                PreparedStatement event = db.prepareStatement("insert into uc_event (tenant, business_id, seq, session_id,"
                        + " event_time, event_type, source, detail) values ('floor', ?, 1, ?, ?, 'REQUEST_RECEIVED',"
                        + " 'ingress:jms', 'StartSession call with 2 participant(s), validated')");
                PreparedStatement request = db.prepareStatement("insert into uc_request (tenant, request_id, action, business_id,"
                        + " session_id, created_at) values ('floor', ?, 'start', ?, ?, ?)");
                while (!stop.get()) {
                    Message m = consumer.receive(200);
                    if (m == null) {
                        continue;
                    }
                    String body = ((TextMessage) m).getText();
                    String businessId = m.getJMSCorrelationID();
                    String sessionId = java.util.UUID.randomUUID().toString();
                    java.time.OffsetDateTime now = java.time.OffsetDateTime.now();
                    kase.setString(1, businessId);
                    kase.setObject(2, now);
                    kase.executeUpdate();
                    session.setString(1, sessionId);
                    session.setString(2, businessId);
                    session.setString(3, body.substring(0, Math.min(body.length(), 1000)));
                    session.setObject(4, now);
                    session.setObject(5, now);
                    session.executeUpdate();
                    for (String number : new String[] {"+4930111111", "+4930222222"}) {
                        participant.setString(1, sessionId);
                        participant.setString(2, number);
                        participant.setObject(3, now);
                        participant.executeUpdate();
                    }
                    event.setString(1, businessId);
                    event.setString(2, sessionId);
                    event.setObject(3, now);
                    event.executeUpdate();
                    request.setString(1, m.getJMSMessageID());
                    request.setString(2, businessId);
                    request.setString(3, sessionId);
                    request.setObject(4, now);
                    request.executeUpdate();
                    db.commit();
                    TextMessage reply = s.createTextMessage("<ok/>");
                    reply.setJMSCorrelationID(businessId);
                    replies.send(m.getJMSReplyTo(), reply);
                    s.commit();
                }
            } catch (Exception e) {
                if (!stop.get()) {
                    e.printStackTrace();
                }
            }
        }, "floor-consumer");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
