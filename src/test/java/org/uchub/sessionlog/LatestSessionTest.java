package org.uchub.sessionlog;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;
import org.uchub.request.ContractCodec;
import org.uchub.request.HubRequest;

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

    private HubRequest read(String request) throws Exception {
        ContractCodec codec = context.getRegistry().lookupByNameAndType("contractCodec", ContractCodec.class);
        HubRequest r = codec.read(new java.io.ByteArrayInputStream(request.getBytes(StandardCharsets.UTF_8)), "default", "test", null,
                new org.apache.camel.support.DefaultExchange(context));
        context.getRegistry().lookupByNameAndType("requestRules", org.uchub.request.RequestRules.class).check(r);
        context.getRegistry().lookupByNameAndType("enricher", org.uchub.enrich.Enricher.class).enrich(r);
        return r;
    }

    @Test
    void theSessionStartedLastIsTheLatestThoughTheClockSteppedBackInBetween() throws Exception {
        javax.sql.DataSource ds = context.getRegistry().lookupByNameAndType("dataSource", javax.sql.DataSource.class);
        Instant noon = Instant.parse("2026-12-01T12:00:00Z");
        SessionLog atNoon = new SessionLog(ds, new NumberPool("9000-9009"), Clock.fixed(noon, ZoneOffset.UTC));
        SessionLog anHourBehind = new SessionLog(ds, new NumberPool("9000-9009"),
                Clock.fixed(noon.minus(Duration.ofHours(1)), ZoneOffset.UTC));
        String first = atNoon.start(read(startConference("latest-1", null, "+4930111111"))).getSessionId();
        atNoon.end(read(end("latest-1")));
        String second = anHourBehind.start(read(startConference("latest-1", null, "+4930111111"))).getSessionId();
        assertEquals(second, atNoon.find("default", "latest-1", null).orElseThrow().sessionId(), "the first session, " + first);
    }
}
