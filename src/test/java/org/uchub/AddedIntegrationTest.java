package org.uchub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.uchub.contract.ReplyStatus;
import org.uchub.contract.SessionReply;

/**
 * Adding an integration is one XML file in routes/ and a few properties: the shipped example
 * (examples/routes/ingress-legacy-batch.xml), dropped into a running hub, serves requests
 * as its own tenant.
 */
class AddedIntegrationTest extends HubTestSupport {
    private Path routes;

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        routes = reloadableRoutes(p);
        p.setProperty("legacy.inbox.dir", dataDir.resolve("legacy/in").toString());
        p.setProperty("legacy.outbox.dir", dataDir.resolve("legacy/out").toString());
        p.setProperty("legacy.tenant", "legacy-batch");
        return p;
    }

    @Test
    void theExampleIntegrationServesRequestsOnceDroppedIntoRoutes() throws Exception {
        Files.copy(Path.of("examples/routes/ingress-legacy-batch.xml"), routes.resolve("ingress-legacy-batch.xml"));
        long deadline = System.currentTimeMillis() + 15_000;
        while (context.getRoute("legacy-consume") == null && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        assertTrue(context.getRoute("legacy-consume") != null, "the added route file was not loaded");

        Files.createDirectories(dataDir.resolve("legacy/in"));
        Files.writeString(dataDir.resolve("legacy/in/job1.xml"), startConference("L-1", null, "+4930111111"));
        Path reply = dataDir.resolve("legacy/out/job1.reply.xml");
        deadline = System.currentTimeMillis() + 15_000;
        while (!Files.exists(reply) && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        SessionReply r = sessionReply(Files.readString(reply));
        assertEquals(ReplyStatus.ACCEPTED, r.getStatus());
        // The session belongs to the integration's tenant and to no one else.
        assertEquals(ReplyStatus.OK, ok("legacy-batch", query("L-1")).getStatus());
        rejected("default", query("L-1"), "NOT_FOUND");
        await(() -> Files.exists(dataDir.resolve("legacy/in/.done/job1.xml")), 15_000, "a served request is kept in .done");

        // Names that differ only before the extension get a reply each; a rejected one is
        // answered and kept in .error.
        Files.writeString(dataDir.resolve("legacy/in/batch.1.xml"), startConference("L-2", null, "+4930111111"));
        Files.writeString(dataDir.resolve("legacy/in/batch.2.xml"), "<StartSession " + NS + "><businessId>L 3</businessId></StartSession>");
        await(() -> Files.exists(dataDir.resolve("legacy/in/.error/batch.2.xml")), 15_000, "a rejected request is kept in .error");
        assertEquals(ReplyStatus.ACCEPTED, sessionReply(Files.readString(dataDir.resolve("legacy/out/batch.1.reply.xml"))).getStatus());
        String rejection = Files.readString(dataDir.resolve("legacy/out/batch.2.reply.xml"));
        assertTrue(rejection.contains("REJECTED") && rejection.contains("SCHEMA_INVALID"), rejection);
        assertTrue(Files.exists(dataDir.resolve("legacy/in/.done/batch.1.xml")));
    }
}
