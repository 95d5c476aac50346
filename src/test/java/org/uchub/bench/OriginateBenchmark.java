package org.uchub.bench;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.impl.DefaultCamelContext;
import org.asteriskjava.manager.ManagerConnection;
import org.asteriskjava.manager.ManagerConnectionFactory;
import org.asteriskjava.manager.action.OriginateAction;
import org.uchub.boot.HubBootstrap;
import org.uchub.pbx.PbxConnection;
import org.uchub.pbx.sim.AmiSimulator;

/**
 * Originates per second the hub drives end to end (a StartSession call request in at the
 * shared entry, validated, logged, the participant claimed, the Originate on the wire to the
 * AMI simulator) beside a plain Asterisk-Java loop sending the same Originates to the same
 * simulator in the same run. The originate pacing is lifted for the run; in service it stays
 * at {@code pbx.originates-per-second}.
 *
 * <p>Run: see the README ("PBX benchmark"). Arguments: [originates (5000)] [concurrent requests (16)].
 */
public final class OriginateBenchmark {
    private OriginateBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        int clients = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        Path dir = Files.createTempDirectory("uc-pbx-bench");
        Properties p = new Properties();
        p.setProperty("hub.data.dir", dir.toString());
        p.setProperty("hub.routes.reload", "false");
        // No health endpoint: the shipped 127.0.0.1:8081 may be taken (a running hub), and a benchmark needs none.
        p.setProperty("hub.health.enabled", "false");
        p.setProperty("broker.embedded.port", String.valueOf(freePort()));
        p.setProperty("broker.embedded.dir", dir.resolve("broker").toString());
        p.setProperty("soap.address", "http://127.0.0.1:" + freePort() + "/uc/sessions");
        p.setProperty("pbx.port", String.valueOf(freePort()));
        p.setProperty("pbx.originates-per-second", "1000000");
        // Every far end is busy: each originate makes its channel events and ends, for the hub and the loop alike.
        p.setProperty("pbx.simulator.script", "*=busy");
        p.setProperty("pbx.simulator.ring-ms", "50");
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("hub.") || k.startsWith("pbx."))
                .forEach(k -> p.setProperty(k, System.getProperty(k)));
        CamelContext context = new DefaultCamelContext();
        context.getPropertiesComponent().setLocation("file:config/application.properties");
        context.getPropertiesComponent().setOverrideProperties(p);
        new HubBootstrap().configure(context);
        context.start();
        if (Boolean.getBoolean("bench.query-stats")) {
            javax.sql.DataSource ds = context.getRegistry().lookupByNameAndType("dataSource", javax.sql.DataSource.class);
            try (java.sql.Connection c = ds.getConnection(); java.sql.Statement st = c.createStatement()) {
                st.execute("SET QUERY_STATISTICS_MAX_ENTRIES 500");
                st.execute("SET QUERY_STATISTICS TRUE");
            }
        }
        AmiSimulator sim = context.getRegistry().lookupByNameAndType("amiSimulator", AmiSimulator.class);
        PbxConnection pbx = context.getRegistry().lookupByNameAndType("pbxConnection", PbxConnection.class);
        while (!pbx.isConnected()) {
            Thread.sleep(50);
        }
        System.out.printf("UC Hub PBX benchmark: %d originates, %d concurrent StartSession requests, AMI simulator on TCP,"
                + " session log %s%n", n, clients, context.resolvePropertyPlaceholders("{{hub.db.url}}"));
        int warm = Math.max(500, Math.min(1000, n / 5));
        CpuShare.warmUp("hub", (name, count, prefix) -> System.out.printf("  %s: %.0f/s%n", name,
                hub(context, sim, count, clients, prefix).rate()), warm, 60, "warm");
        // Runs of a few seconds each, so each side is measured several times and its median run
        // counts: single runs of the plain loop varied from 1,300 to 3,300/s.
        int runs = Integer.getInteger("bench.runs", 3);
        java.util.List<Figures> hubRuns = new java.util.ArrayList<>();
        for (int r = 1; r <= runs; r++) {
            if (r > 1) {
                // Stopped by the wait for the last run's calls; the hub runs with its sweep.
                context.getRouteController().startRoute("pbx-retry");
            }
            CpuShare hubCpu = CpuShare.begin();
            hubRuns.add(hub(context, sim, n, clients, "hub" + r + "-"));
            hubCpu.print("the hub's run " + r + " (" + Math.round(hubRuns.get(r - 1).rate()) + "/s)", 8);
            PbxIdle.await(context);
        }
        CpuShare.warmUp("plain", (name, count, prefix) -> System.out.printf("  %s: %.0f/s%n", name,
                plain(sim, context, count, prefix).rate()), warm, 20, "pwarm");
        java.util.List<Figures> plainRuns = new java.util.ArrayList<>();
        for (int r = 1; r <= runs; r++) {
            CpuShare plainCpu = CpuShare.begin();
            plainRuns.add(plain(sim, context, n, "plain" + r + "-"));
            plainCpu.print("the plain loop's run " + r + " (" + Math.round(plainRuns.get(r - 1).rate()) + "/s)", 6);
        }
        System.out.printf("  median of %d runs each%n", runs);
        Figures.print("hub", Figures.median(hubRuns), "plain", Figures.median(plainRuns), 0.5, 500);
        if (Boolean.getBoolean("bench.query-stats")) {
            printQueryStatistics(context);
        }
        context.stop();
        System.exit(0);
    }

    /** StartSession call requests at the shared entry; done when the simulator has received every Originate. */
    private static Figures hub(CamelContext context, AmiSimulator sim, int n, int clients, String prefix) throws Exception {
        ProducerTemplate template = context.createProducerTemplate();
        long before = sim.actionCount("originate");
        long[] latency = new long[n];
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long t0 = System.nanoTime();
        Future<?>[] fs = new Future<?>[clients];
        for (int c = 0; c < clients; c++) {
            fs[c] = pool.submit(() -> {
                int i;
                while ((i = next.getAndIncrement()) < n) {
                    String body = "<StartSession xmlns=\"urn:uc-hub:session:v1\"><businessId>" + prefix + i + "</businessId>"
                            + "<channel>call</channel><participants><participant><number>+4931" + String.format("%06d", i)
                            + "</number></participant><participant><number>+4932" + String.format("%06d", i)
                            + "</number></participant></participants></StartSession>";
                    long s = System.nanoTime();
                    Exchange ex = template.send("direct:hub-request", e -> {
                        e.setProperty("ucTenant", "bench");
                        e.setProperty("ucIngress", "bench");
                        e.getMessage().setBody(body.getBytes(StandardCharsets.UTF_8));
                    });
                    if (ex.getException() != null) {
                        throw new IllegalStateException(ex.getException());
                    }
                    latency[i] = System.nanoTime() - s;
                }
                return null;
            });
        }
        for (Future<?> f : fs) {
            f.get();
        }
        while (sim.actionCount("originate") - before < n) {
            Thread.sleep(1);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        pool.shutdown();
        return Figures.of(n, seconds, latency);
    }

    /** The same Originates from one Asterisk-Java connection, each waiting for its response, as a plain client loop does. */
    private static Figures plain(AmiSimulator sim, CamelContext context, int n, String prefix) throws Exception {
        ManagerConnection conn = new ManagerConnectionFactory("127.0.0.1", sim.port(),
                context.resolvePropertyPlaceholders("{{pbx.username}}"), context.resolvePropertyPlaceholders("{{pbx.password}}"))
                .createManagerConnection();
        conn.login();
        long[] latency = new long[n];
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            OriginateAction a = new OriginateAction();
            a.setChannel("PJSIP/+4933" + String.format("%06d", i) + "@trunk");
            a.setContext("uc-call");
            a.setExten("+4934" + String.format("%06d", i));
            a.setPriority(1);
            a.setCallerId("\"UC Hub\" <8000>");
            a.setTimeout(30_000L);
            a.setAsync(true);
            a.setChannelId("bench-" + prefix + i);
            a.setVariables(Map.of("UC_BUSINESS_ID", prefix + i, "UC_SESSION_ID", prefix + i, "UC_DIAL_TO", "PJSIP/+4934@trunk"));
            long s = System.nanoTime();
            conn.sendAction(a, 10_000);
            latency[i] = System.nanoTime() - s;
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        conn.logoff();
        return Figures.of(n, seconds, latency);
    }

    /**
     * With {@code -Dbench.query-stats=true} and H2: the statements that took the session log's
     * time over the whole run (warm-up included), from H2's own query statistics.
     */
    private static void printQueryStatistics(CamelContext context) throws Exception {
        javax.sql.DataSource ds = context.getRegistry().lookupByNameAndType("dataSource", javax.sql.DataSource.class);
        try (java.sql.Connection c = ds.getConnection(); java.sql.Statement st = c.createStatement();
                java.sql.ResultSet rs = st.executeQuery("select execution_count, cumulative_execution_time, sql_statement"
                        + " from information_schema.query_statistics order by cumulative_execution_time desc limit 25")) {
            System.out.println("  session-log statements by time (count, ms, statement):");
            while (rs.next()) {
                String sql = rs.getString(3).replaceAll("\\s+", " ");
                System.out.printf("  %9d %9.0f  %s%n", rs.getLong(1), rs.getDouble(2), sql.length() > 150 ? sql.substring(0, 150) : sql);
            }
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
