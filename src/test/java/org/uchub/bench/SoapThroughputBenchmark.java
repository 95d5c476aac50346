package org.uchub.bench;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import javax.xml.parsers.DocumentBuilderFactory;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.cxf.common.CxfPayload;
import org.apache.camel.impl.DefaultCamelContext;
import org.uchub.boot.HubBootstrap;
import org.uchub.broker.BrokerUsers;
import org.uchub.soap.SoapEndpoint;
import org.w3c.dom.Element;

/**
 * StartSession calls per second over SOAP (HTTP Basic on, keep-alive, about 1 KiB each) into
 * the committed session log, with p50/p99 latency, beside the bare endpoint measured in the
 * same run: the same CXF stack, the same authentication and XML limits, answering a fixed
 * reply without the pipeline.
 *
 * <p>Run: see the README ("SOAP benchmark"). Arguments: [calls (20000)] [concurrent clients (20)];
 * system properties named like configuration keys override them.
 */
public final class SoapThroughputBenchmark {
    private SoapThroughputBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int clients = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        Path dir = Files.createTempDirectory("uc-soap-bench");
        int hubPort = freePort();
        int barePort = freePort();
        Properties p = new Properties();
        p.setProperty("hub.data.dir", dir.toString());
        p.setProperty("hub.routes.reload", "false");
        // No health endpoint: the shipped 127.0.0.1:8081 may be taken (a running hub), and a benchmark needs none.
        p.setProperty("hub.health.enabled", "false");
        p.setProperty("broker.embedded.port", String.valueOf(freePort()));
        p.setProperty("broker.embedded.dir", dir.resolve("broker").toString());
        p.setProperty("soap.address", "http://127.0.0.1:" + hubPort + "/uc/sessions");
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("hub.") || k.startsWith("soap.")
                || k.startsWith("pbx.")).forEach(k -> p.setProperty(k, System.getProperty(k)));
        PbxIdle.callsAsInService(p);
        CamelContext context = new DefaultCamelContext();
        context.getPropertiesComponent().setLocation("file:config/application.properties");
        context.getPropertiesComponent().setOverrideProperties(p);
        new HubBootstrap().configure(context);
        String bareAddress = "http://127.0.0.1:" + barePort + "/uc/sessions";
        SoapEndpoint.Settings bareSettings = new SoapEndpoint.Settings(bareAddress,
                BrokerUsers.load(Path.of(context.resolvePropertyPlaceholders("{{soap.users.file}}"))), "bench",
                16_777_216, 32, 1000, 20_000, 32, 16_000_000, null, null, "PKCS12", null);
        context.getRegistry().bind("bareSessions", SoapEndpoint.create(context, SoapEndpoint.bus(bareSettings), bareSettings, false));
        Element fixed = DocumentBuilderFactory.newDefaultNSInstance().newDocumentBuilder().parse(new java.io.ByteArrayInputStream(
                ("<StartSessionResponse xmlns=\"urn:uc-hub:session:v1\"><status>ACCEPTED</status><businessId>b</businessId>"
                        + "<sessionId>s</sessionId></StartSessionResponse>").getBytes(StandardCharsets.UTF_8))).getDocumentElement();
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("cxf:bean:bareSessions").routeId("bench-bare")
                        .process(e -> e.getMessage().setBody(new CxfPayload<Object>(null, List.of(fixed))));
            }
        });
        context.start();
        System.out.printf("UC Hub SOAP benchmark: %d StartSession calls, %d concurrent clients, HTTP/1.1 keep-alive, HTTP Basic,"
                + " session log %s%n", n, clients, context.resolvePropertyPlaceholders("{{hub.db.url}}"));
        String hubAddress = "http://127.0.0.1:" + hubPort + "/uc/sessions";
        int warm = Math.max(500, Math.min(2000, n / 10));
        CpuShare.warmUp("hub", (name, count, prefix) -> run(name, hubAddress, count, clients, prefix), warm, 40, "warm");
        CpuShare hubCpu = CpuShare.begin();
        Figures hub = run("hub", hubAddress, n, clients, "hub-");
        hubCpu.print("the hub's run", 8);
        PbxIdle.await(context);
        CpuShare.warmUp("bare", (name, count, prefix) -> run(name, bareAddress, count, clients, prefix), warm, 15, "bwarm");
        CpuShare bareCpu = CpuShare.begin();
        Figures bare = run("bare", bareAddress, n, clients, "bare-");
        bareCpu.print("the bare run", 6);
        Figures.print("hub", hub, "bare", bare, 0.60, 2000);
        context.stop();
        System.exit(0);
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static String envelope(String prefix, int i) {
        return "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body>"
                + "<StartSession xmlns=\"urn:uc-hub:session:v1\"><requestId>" + prefix + "r" + i + "</requestId><businessId>" + prefix + i
                + "</businessId><channel>call</channel><participants><participant><number>+4930111111</number><displayName>"
                + "Alice Example</displayName></participant><participant><number>+4930222222</number><displayName>Bob Example"
                + "</displayName></participant></participants><options><subject>Benchmark call " + i + " padded to about one kilobyte"
                + " like a typical business request with a subject, a request id and participant names, as an ERP would send"
                + " it when a claim handler asks for a call</subject><text>Please call back about the claim; this text makes the"
                + " request the size of an ordinary one.</text></options></StartSession></soapenv:Body></soapenv:Envelope>";
    }

    private static Figures run(String name, String address, int n, int clients, String prefix) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String auth = "Basic " + Base64.getEncoder().encodeToString("erp:erp-dev-password".getBytes(StandardCharsets.UTF_8));
        long[] latency = new long[n];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long start = System.nanoTime();
        List<Future<?>> all = new java.util.ArrayList<>();
        for (int c = 0; c < clients; c++) {
            all.add(pool.submit(() -> {
                for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                    HttpRequest r = HttpRequest.newBuilder(URI.create(address)).header("Content-Type", "text/xml; charset=UTF-8")
                            .header("SOAPAction", "\"\"").header("Authorization", auth)
                            .POST(HttpRequest.BodyPublishers.ofString(envelope(prefix, i))).build();
                    long t0 = System.nanoTime();
                    HttpResponse<String> resp = http.send(r, HttpResponse.BodyHandlers.ofString());
                    latency[i] = System.nanoTime() - t0;
                    if (resp.statusCode() != 200 && failures.incrementAndGet() <= 3) {
                        System.out.println("  failed: " + resp.statusCode() + " " + resp.body());
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : all) {
            f.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        System.out.printf("  %s: %d in %.1f s, %d failed%n", name, n, seconds, failures.get());
        return Figures.of(n, seconds, latency);
    }
}
