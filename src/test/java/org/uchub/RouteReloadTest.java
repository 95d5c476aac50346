package org.uchub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.camel.Exchange;
import org.junit.jupiter.api.Test;
import org.uchub.boot.RouteFiles;
import org.uchub.contract.ReplyStatus;

/** Route files are reloaded on change; a broken one is refused and the running routes keep working. */
class RouteReloadTest extends HubTestSupport {
    private Path routes;

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        routes = reloadableRoutes(p);
        // As shipped: what waits in the queue is not purged when the route stops.
        p.setProperty("pbx.events.endpoint", "seda:pbx-events?queue=#pbxEventQueue&concurrentConsumers=1&pollTimeout=100");
        return p;
    }

    private static String callRequest() {
        return "<StartSession " + NS + "><businessId>r-1</businessId><channel>call</channel><participants>"
                + "<participant><number>+4930111111</number></participant><participant><number>+4930222222</number></participant>"
                + "</participants></StartSession>";
    }

    @Test
    void anAddedRouteFileTakesEffectWithoutARestart() throws Exception {
        Files.writeString(routes.resolve("ping.xml"), """
                <routes xmlns="http://camel.apache.org/schema/xml-io">
                  <route id="ping-answer">
                    <from uri="direct:ping"/>
                    <setBody><constant>pong</constant></setBody>
                  </route>
                </routes>
                """);
        awaitRoute("ping-answer");
        assertEquals("pong", template.requestBody("direct:ping", "", String.class));
    }

    @Test
    void aChangedRouteFileReplacesItsRoutes() throws Exception {
        Path fax = routes.resolve("channel-fax.xml");
        Files.writeString(fax, Files.readString(fax).replace("<from uri=\"direct:channel-fax\"/>",
                "<from uri=\"direct:channel-fax\"/><setProperty name=\"reloaded\"><constant>yes</constant></setProperty>"
                        + "<stop/>"));
        long deadline = System.currentTimeMillis() + 15_000;
        while (System.currentTimeMillis() < deadline) {
            Exchange ex = template.send("direct:channel-fax", e -> e.getMessage().setBody(null));
            if ("yes".equals(ex.getProperty("reloaded"))) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("channel-fax.xml was not reloaded");
    }

    @Test
    void aBrokenRouteFileIsRefusedAndTheRunningRoutesKeepWorking() throws Exception {
        Files.writeString(routes.resolve("channel-call.xml"), "<routes xmlns=\"http://camel.apache.org/schema/xml-io\"><route id=\"call-dispatch\">"
                + "<from uri=\"direct:channel-call\"/><to uri=\"bean:notConnectedChannel?method=handle\"/>");
        // And a file that parses but cannot start: its previous version must come back.
        Files.writeString(routes.resolve("channel-fax.xml"), """
                <routes xmlns="http://camel.apache.org/schema/xml-io">
                  <route id="fax-dispatch">
                    <from uri="direct:channel-fax"/>
                    <to uri="nosuchcomponent:anything"/>
                  </route>
                </routes>
                """);
        RouteFiles reloader = context.hasService(RouteFiles.class);
        await(() -> reloader.refused().keySet().containsAll(java.util.List.of("channel-call.xml", "channel-fax.xml"))
                && context.getRoute("fax-dispatch") != null
                && context.getRouteController().getRouteStatus("fax-dispatch") == org.apache.camel.ServiceStatus.Started,
                15_000, "both broken files refused, the fax routes that ran before back");
        var health = org.apache.camel.health.HealthCheckHelper.invokeReadiness(context).stream()
                .filter(h -> h.getCheck().getId().equals("route-files")).findFirst().orElseThrow();
        assertEquals(org.apache.camel.health.HealthCheck.State.DOWN, health.getState());
        assertTrue(health.getMessage().orElse("").contains("channel-fax.xml"), health.getMessage().toString());
        assertEquals(ReplyStatus.ACCEPTED, ok("erp", callRequest()).getStatus());
        assertTrue(context.getRoute("call-dispatch") != null, "call-dispatch still there");
        assertTrue(context.getRoute("fax-dispatch") != null, "fax-dispatch restored");
        assertEquals("Started", context.getRouteController().getRouteStatus("fax-dispatch").name());
        assertTrue(context.getRoute("inbox-consume") != null);
        drop("q.xml", query("r-1"));
        assertEquals(ReplyStatus.REJECTED, sessionReply(awaitReply("q.reply.xml")).getStatus());
    }

    @Test
    void thePbxEventsWaitingInTheQueueAreReadByTheReloadedRoute() throws Exception {
        String uri = context.resolvePropertyPlaceholders("{{pbx.events.endpoint}}");
        java.util.concurrent.BlockingQueue<Exchange> queue = ((org.apache.camel.component.seda.SedaEndpoint) context.getRoute("pbx-track")
                .getEndpoint()).getQueue();
        // Held up (a slow session log, say): events wait in the queue when the file is saved.
        context.getRouteController().suspendRoute("pbx-track");
        for (int i = 0; i < 50; i++) {
            template.sendBody(uri, "noise-" + i);
        }
        // A suspended consumer may still take what its poll had in hand (seen: 44 of 50 left on a loaded machine).
        assertTrue(queue.size() >= 40, "waiting: " + queue.size());
        Path pbx = routes.resolve("pbx-events.xml");
        Files.writeString(pbx, Files.readString(pbx).replace("</routes>", "<!-- edited -->\n</routes>"));
        RouteFiles files = context.hasService(RouteFiles.class);
        await(() -> files.getReloadedCount() >= 1, 15_000, "pbx-events.xml reloaded");
        await(queue::isEmpty, 15_000, "the waiting events read by the reloaded route, not dropped with the old endpoint; "
                + queue.size() + " left");
    }

    private void awaitRoute(String id) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 15_000;
        while (context.getRoute(id) == null && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(context.getRoute(id) != null, id + " not loaded");
    }
}
