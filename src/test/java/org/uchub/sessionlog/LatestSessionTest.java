package org.uchub.sessionlog;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;

/**
 * A ModifySession or EndSession without a sessionId is about the business ID's latest
 * session: the one started last, also when the clock stepped back in between (NTP, a VM
 * resumed) or another instance's clock is behind.
 */
class LatestSessionTest extends HubTestSupport {

    @Override
    protected Properties hubProperties() {
        return unreachablePbx(super.hubProperties());
    }

    @Test
    void theSessionStartedLastIsTheLatestThoughTheClockSteppedBackInBetween() throws Exception {
        javax.sql.DataSource ds = context.getRegistry().lookupByNameAndType("dataSource", javax.sql.DataSource.class);
        Instant noon = Instant.parse("2026-12-01T12:00:00Z");
        SessionLog atNoon = new SessionLog(ds, new NumberPool("9000-9009"), Clock.fixed(noon, ZoneOffset.UTC));
        SessionLog anHourBehind = new SessionLog(ds, new NumberPool("9000-9009"),
                Clock.fixed(noon.minus(Duration.ofHours(1)), ZoneOffset.UTC));
        String first = atNoon.start(readAndEnriched("default", startConference("latest-1", null, "+4930111111"))).getSessionId();
        atNoon.end(readAndEnriched("default", end("latest-1")));
        String second = anHourBehind.start(readAndEnriched("default", startConference("latest-1", null, "+4930111111"))).getSessionId();
        assertEquals(second, atNoon.find("default", "latest-1", null).orElseThrow().sessionId(), "the first session, " + first);
    }
}
