package org.uchub.ingress;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Files;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;

/**
 * A hub stopped (SIGTERM, a rolling restart) while requests wait for the session log leaves
 * them where they came from, to be served after the restart: it does not file them away as
 * failed because their next try was cut short. (Camel 4.14 ends such an exchange with the
 * session log's own exception, which the inbox route's retry-for-ever clause leaves unhandled;
 * this guards that a later change to the route, a moveFailed say, does not file it away.)
 */
class StopWhileWaitingTest extends HubTestSupport {

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        p.setProperty("hub.inbox.retry-delay-ms", "300");
        p.setProperty("hub.inbox.retry-max-delay-ms", "300");
        return p;
    }

    @Test
    void aDroppedFileWaitingForTheSessionLogStaysInTheInboxWhenTheHubStops() throws Exception {
        // The session log out of reach from now on.
        context.getRegistry().lookupByNameAndType("dataSource", HikariDataSource.class).close();
        drop("waiting.xml", startConference("stop-1", null, "+4930111111"));
        Thread.sleep(2_500); // taken (1 s unchanged), then tried and retried
        context.stop();
        assertTrue(Files.exists(inbox().resolve("waiting.xml")), "still in the inbox");
        assertFalse(Files.exists(inbox().resolve(".error").resolve("waiting.xml")), "not filed away as failed");
    }
}
