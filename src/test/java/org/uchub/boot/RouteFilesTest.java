package org.uchub.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;
import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uchub.health.ReadinessCheck;

/**
 * The route files as an operator edits them: what runs, what is refused and why, and what the
 * next start runs, on a context of its own so that a restart is a real one.
 */
class RouteFilesTest {
    @TempDir
    Path tmp;
    private CamelContext context;
    private RouteFiles files;

    @AfterEach
    void stop() {
        if (context != null) {
            context.stop();
        }
    }

    private Path routes() throws Exception {
        return Files.createDirectories(tmp.resolve("routes"));
    }

    private static String route(String id, String from, String answer) {
        return "<routes xmlns=\"http://camel.apache.org/schema/xml-io\"><route id=\"" + id + "\"><from uri=\"" + from + "\"/>"
                + "<setBody><constant>" + answer + "</constant></setBody></route></routes>";
    }

    private void start() throws Exception {
        context = new DefaultCamelContext();
        files = new RouteFiles(context, routes(), tmp.resolve("data/routes-last-good"), 100, true);
        files.loadAtStart();
        context.addService(files);
        files.followOnceStarted();
        context.start();
    }

    private void restart() throws Exception {
        context.stop();
        start();
    }

    private String call(String uri) {
        return context.createProducerTemplate().requestBody(uri, "", String.class);
    }

    private ReadinessCheck.Reading health() {
        ReadinessCheck check = files.healthCheck();
        check.setCamelContext(context);
        var result = check.call();
        return new ReadinessCheck.Reading(result.getState() == org.apache.camel.health.HealthCheck.State.UP,
                result.getMessage().orElse(null), result.getDetails());
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (!condition.getAsBoolean() && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(condition.getAsBoolean(), what);
    }

    @Test
    void aFileRefusedWhileTheHubRanDoesNotStopTheNextStartWhichRunsTheVersionThatRanLast() throws Exception {
        Files.writeString(routes().resolve("partner.xml"), route("partner-answer", "direct:partner", "v1"));
        start();
        assertEquals("v1", call("direct:partner"));
        Files.writeString(routes().resolve("partner.xml"), route("partner-answer", "nosuchcomponent:x", "v2"));
        await(() -> files.refused().containsKey("partner.xml"), "the file that cannot start is refused");
        await(() -> context.getRouteController().getRouteStatus("partner-answer") == ServiceStatus.Started, "v1 back");
        assertEquals("v1", call("direct:partner"));
        assertTrue(!health().up() && health().message().contains("partner.xml"), String.valueOf(health()));

        restart();
        assertEquals("v1", call("direct:partner"), "the hub starts on the version that ran last");
        await(() -> files.refused().containsKey("partner.xml"), "the broken version is tried and refused again");
        assertEquals("v1", call("direct:partner"));
        assertTrue(!health().up());

        Files.writeString(routes().resolve("partner.xml"), route("partner-answer", "direct:partner", "v3"));
        await(() -> "v3".equals(call("direct:partner")), "a good version is taken");
        await(() -> health().up(), "and the hub is ready again");
    }

    @Test
    void aNewFileThatCannotLoadIsLeftOutOfTheNextStartInsteadOfStoppingIt() throws Exception {
        start();
        Files.writeString(routes().resolve("partner.xml"), "<routes xmlns=\"http://camel.apache.org/schema/xml-io\"><route id=\"p-x\">");
        await(() -> files.refused().containsKey("partner.xml"), "refused");
        restart();
        await(() -> files.refused().containsKey("partner.xml"), "refused again after the restart");
        assertTrue(context.getStatus().isStarted());
        assertNull(context.getRoute("p-x"));
    }

    @Test
    void theFirstStartStopsOnAFileThatCannotLoad() throws Exception {
        Files.writeString(routes().resolve("partner.xml"), "<routes xmlns=\"http://camel.apache.org/schema/xml-io\"><route id=\"p-x\">");
        IllegalStateException e = assertThrows(IllegalStateException.class, this::start);
        assertTrue(e.getMessage().contains("partner.xml"), e.getMessage());
    }

    @Test
    void aRouteIdAnotherFileOwnsIsRefusedAndItsOwnerKeepsServing() throws Exception {
        Files.writeString(routes().resolve("ingress-jms.xml"), route("jms-consume", "direct:requests", "core"));
        start();
        // A copy made to start a partner's integration, its route id left unchanged.
        Files.writeString(routes().resolve("ingress-jms-partner.xml"), route("jms-consume", "direct:partner", "partner"));
        await(() -> files.refused().containsKey("ingress-jms-partner.xml"), "refused");
        assertTrue(files.refused().get("ingress-jms-partner.xml").contains("already defined in ingress-jms.xml"),
                files.refused().toString());
        assertEquals("core", call("direct:requests"));
        assertEquals("direct://requests", context.getRoute("jms-consume").getEndpoint().getEndpointUri());
    }

    @Test
    void aDeletedFileTakesItsRoutesAwayAndARouteLeftOutOfAFileIsRemoved() throws Exception {
        Files.writeString(routes().resolve("partner.xml"), "<routes xmlns=\"http://camel.apache.org/schema/xml-io\">"
                + "<route id=\"partner-one\"><from uri=\"direct:one\"/><setBody><constant>1</constant></setBody></route>"
                + "<route id=\"partner-two\"><from uri=\"direct:two\"/><setBody><constant>2</constant></setBody></route></routes>");
        start();
        assertNotNull(context.getRoute("partner-two"));
        Files.writeString(routes().resolve("partner.xml"), route("partner-one", "direct:one", "1b"));
        await(() -> context.getRoute("partner-two") == null && "1b".equals(call("direct:one")),
                "the route the file no longer defines is removed, the other one replaced");
        Files.delete(routes().resolve("partner.xml"));
        await(() -> context.getRoute("partner-one") == null, "a deleted file's routes are removed");
        restart();
        assertNull(context.getRoute("partner-one"));
    }

    @Test
    void onlyRoutesWithIdsAreTakenAndHiddenFilesAreLeftAlone() throws Exception {
        Files.writeString(routes().resolve("core.xml"), route("core-answer", "direct:core", "core"));
        start();
        Files.writeString(routes().resolve("config.xml"), "<routes xmlns=\"http://camel.apache.org/schema/xml-io\">"
                + "<routeConfiguration><onException><exception>java.lang.Exception</exception><handled><constant>true</constant>"
                + "</handled></onException></routeConfiguration></routes>");
        Files.writeString(routes().resolve("noid.xml"), "<routes xmlns=\"http://camel.apache.org/schema/xml-io\">"
                + "<route><from uri=\"direct:noid\"/><log message=\"x\"/></route></routes>");
        Files.writeString(routes().resolve(".#partner.xml"), "not xml at all");
        Files.writeString(routes().resolve("._partner.xml"), "not xml at all");
        await(() -> files.refused().size() == 2, "the configuration and the route without id are refused");
        assertTrue(files.refused().get("config.xml").contains("routeConfiguration"), files.refused().toString());
        assertTrue(files.refused().get("noid.xml").contains("id"), files.refused().toString());
        assertEquals(1, context.getRoutes().size());
        Files.delete(routes().resolve("config.xml"));
        Files.delete(routes().resolve("noid.xml"));
        await(() -> health().up(), "ready once the refused files are gone");
        Files.delete(routes().resolve("core.xml"));
        await(() -> !health().up() && health().message().contains("no route files"), "no routes at all is not ready");
    }

    @Test
    void aRouteMovedToAnotherFileSavedFirstIsTakenOnceTheOldFileLetsItGo() throws Exception {
        Files.writeString(routes().resolve("a.xml"), route("moving-answer", "direct:moving", "in a"));
        start();
        Files.writeString(routes().resolve("b.xml"), route("moving-answer", "direct:moving", "in b"));
        await(() -> files.refused().containsKey("b.xml"), "refused while a.xml owns the route");
        Files.writeString(routes().resolve("a.xml"), route("other-answer", "direct:other", "a again"));
        await(() -> "in b".equals(call("direct:moving")), "b.xml is tried again and taken");
        await(() -> health().up(), "nothing left refused");
    }

    @Test
    void aRouteRenamedOnTheSameEndpointIsTaken() throws Exception {
        Files.writeString(routes().resolve("a.xml"), route("old-name", "direct:renamed", "old"));
        start();
        Files.writeString(routes().resolve("a.xml"), route("new-name", "direct:renamed", "new"));
        await(() -> context.getRoute("new-name") != null && context.getRoute("old-name") == null, "renamed");
        assertEquals("new", call("direct:renamed"));
        assertTrue(files.refused().isEmpty(), files.refused().toString());
    }

    @Test
    void aFileChangedWhileTheHubWasStoppedIsLoadedAsItIsAtTheNextStart() throws Exception {
        Files.writeString(routes().resolve("a.xml"), route("a-answer", "direct:a", "v1"));
        start();
        context.stop();
        // An upgrade: the route file comes with the code it calls.
        Files.writeString(routes().resolve("a.xml"), route("a-answer", "direct:a", "v2"));
        start();
        assertEquals("v2", call("direct:a"));
    }

    @Test
    void aFirstStartThatFailedIsAsStrictTheNextTime() throws Exception {
        Files.writeString(routes().resolve("partner.xml"), "<routes xmlns=\"http://camel.apache.org/schema/xml-io\"><route id=\"p-x\">");
        Files.writeString(routes().resolve("core.xml"), route("core-answer", "direct:core", "core"));
        assertThrows(IllegalStateException.class, this::start);
        context = null;
        assertThrows(IllegalStateException.class, this::start, "a restart after a failed first start stops again");
        context = null;
    }

    @Test
    void aHubThatRanBeforeTheStartMarkerExistedIsNotStartedAsStrictlyAsANewOne() throws Exception {
        // Kept by a hub of the version before, which wrote no marker.
        Files.createDirectories(tmp.resolve("data/routes-last-good"));
        Files.writeString(tmp.resolve("data/routes-last-good/a.xml"), route("a-answer", "direct:a", "good"));
        Files.writeString(routes().resolve("a.xml"), "<routes xmlns=\"http://camel.apache.org/schema/xml-io\"><route id=\"a-answer\">");
        start();
        assertEquals("good", call("direct:a"));
        assertTrue(files.refused().containsKey("a.xml"), files.refused().toString());
    }

    @Test
    void aRouteIdTakenByAFileEditedWhileTheHubWasStoppedStaysWithTheFileThatOwnedItAndTheHubStarts() throws Exception {
        Files.writeString(routes().resolve("a.xml"), route("a-answer", "direct:a", "a"));
        Files.writeString(routes().resolve("core.xml"), route("core-answer", "direct:core", "core"));
        start();
        context.stop();
        // a.xml loads first (names in order): without the ids claimed for their owners it took core-answer.
        Files.writeString(routes().resolve("a.xml"), route("core-answer", "direct:x", "stolen"));
        start();
        assertEquals("core", call("direct:core"));
        assertEquals("a", call("direct:a"), "a.xml starts on the version that ran last");
        assertTrue(files.refused().get("a.xml").contains("already defined in core.xml"), files.refused().toString());
        assertTrue(!health().up() && health().message().contains("a.xml"), String.valueOf(health()));
    }

    @Test
    void aRouteMovedFromOneFileToAnotherWhileTheHubWasStoppedRunsFromItsNewFile() throws Exception {
        Files.writeString(routes().resolve("a.xml"), route("a-answer", "direct:a", "a"));
        Files.writeString(routes().resolve("b.xml"), route("moving-answer", "direct:moving", "in b"));
        start();
        context.stop();
        // a.xml, loaded first, takes the route b.xml lets go of in the same upgrade.
        Files.writeString(routes().resolve("a.xml"), "<routes xmlns=\"http://camel.apache.org/schema/xml-io\">"
                + "<route id=\"a-answer\"><from uri=\"direct:a\"/><setBody><constant>a</constant></setBody></route>"
                + "<route id=\"moving-answer\"><from uri=\"direct:moving\"/><setBody><constant>in a</constant></setBody></route></routes>");
        Files.writeString(routes().resolve("b.xml"), route("b-answer", "direct:b", "b"));
        start();
        assertEquals("b", call("direct:b"));
        await(() -> "in a".equals(call("direct:moving")), "a.xml is tried again once b.xml let the route go");
        await(() -> health().up(), "nothing left refused");
    }

    @Test
    void aRenamingVersionThatFailsToStartLeavesTheOldVersionServing() throws Exception {
        Files.writeString(routes().resolve("a.xml"), route("old-name", "direct:renamed", "old"));
        start();
        // new-name starts on the endpoint, dup is then refused it: Camel leaves new-name running.
        Files.writeString(routes().resolve("a.xml"), "<routes xmlns=\"http://camel.apache.org/schema/xml-io\">"
                + "<route id=\"new-name\"><from uri=\"direct:renamed\"/><setBody><constant>new</constant></setBody></route>"
                + "<route id=\"dup\"><from uri=\"direct:renamed\"/><setBody><constant>dup</constant></setBody></route></routes>");
        await(() -> files.refused().containsKey("a.xml"), "the version that cannot start is refused");
        assertEquals("old", call("direct:renamed"));
        assertNull(context.getRoute("new-name"));
        assertNull(context.getRoute("dup"));
        assertTrue(!files.refused().get("a.xml").contains("could not be put back"), files.refused().toString());

        Files.writeString(routes().resolve("a.xml"), route("old-name", "direct:renamed", "old"));
        await(() -> health().up(), "the file put back is the version that runs");
        assertEquals("old", call("direct:renamed"));
    }

    /** A file of 3 GiB that takes no room on the disk: more than a String can hold. */
    private Path huge(String name) throws Exception {
        Path p = routes().resolve(name);
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(3L * 1024 * 1024 * 1024);
        }
        return p;
    }

    @Test
    void aRouteFileLargerThanTheLimitIsRefusedUnreadAndTheOtherFilesAreStillTaken() throws Exception {
        Files.writeString(routes().resolve("core.xml"), route("core-answer", "direct:core", "core"));
        start();
        huge("huge.xml");
        Files.writeString(routes().resolve("partner.xml"), route("partner-answer", "direct:partner", "partner"));
        await(() -> files.refused().containsKey("huge.xml"), "the large file is refused");
        assertTrue(files.refused().get("huge.xml").contains("hub.routes.max-bytes"), files.refused().toString());
        await(() -> context.getRoute("partner-answer") != null, "a file added beside it is still taken");
        assertEquals("partner", call("direct:partner"));
        assertEquals("core", call("direct:core"));
        assertTrue(!health().up() && health().message().contains("huge.xml"), String.valueOf(health()));
        assertEquals(1, files.getRefusedCount(), "refused once, not at every poll");

        restart();
        assertEquals("core", call("direct:core"), "the large file does not stop the next start");
        await(() -> files.refused().containsKey("huge.xml"), "and is refused again");

        Files.delete(routes().resolve("huge.xml"));
        await(() -> health().up(), "ready once the large file is gone");
    }

    @Test
    void aFileWhoseVersionThatRanCannotBePutBackIsNotTakenForRunningWhenPutBack() throws Exception {
        start();
        java.util.Properties endpoint = new java.util.Properties();
        endpoint.setProperty("partner.endpoint", "direct:renamed");
        context.getPropertiesComponent().setOverrideProperties(endpoint);
        String old = route("old-name", "{{partner.endpoint}}", "old");
        Files.writeString(routes().resolve("a.xml"), old);
        await(() -> context.getRoute("old-name") != null, "the first version runs");
        // The old version can no longer be loaded: putting it back after the next one fails fails too.
        context.getPropertiesComponent().setOverrideProperties(new java.util.Properties());
        Files.writeString(routes().resolve("a.xml"), "<routes xmlns=\"http://camel.apache.org/schema/xml-io\">"
                + "<route id=\"new-name\"><from uri=\"direct:renamed\"/><setBody><constant>new</constant></setBody></route>"
                + "<route id=\"dup\"><from uri=\"direct:renamed\"/><setBody><constant>dup</constant></setBody></route></routes>");
        await(() -> String.valueOf(files.refused().get("a.xml")).contains("could not be put back"), "neither version runs");
        assertNull(context.getRoute("old-name"));

        context.getPropertiesComponent().setOverrideProperties(endpoint);
        Files.writeString(routes().resolve("a.xml"), old);
        await(() -> health().up(), "the file put back is taken");
        assertEquals("old", call("direct:renamed"), "and runs, not merely read as the version that runs");
    }
}
