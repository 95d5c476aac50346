package org.uchub.pbx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.OffsetDateTime;
import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.component.seda.SedaEndpoint;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the PBX event route takes from its queue in one go. */
class PbxEventBatchTest {
    private CamelContext context;
    private SedaEndpoint seda;

    @BeforeEach
    void start() throws Exception {
        context = new DefaultCamelContext();
        context.start();
        seda = context.getEndpoint("seda:pbx-events-test", SedaEndpoint.class);
    }

    @AfterEach
    void stop() {
        context.stop();
    }

    private Exchange event(Object body) {
        Exchange e = new DefaultExchange(context);
        e.getMessage().setBody(body);
        e.getExchangeExtension().setFromEndpoint(seda);
        return e;
    }

    @Test
    void theEventsQueuedBehindComeAlongInOrderUpToTheLimit() {
        for (String body : List.of("e1", "e2", "e3", "e4")) {
            seda.getQueue().add(event(body));
        }
        assertEquals(List.of("e0", "e1", "e2"), new PbxEventBatch(3).gather(event("e0")));
        assertEquals(List.of("e3", "e4"), seda.getQueue().stream().map(x -> x.getMessage().getBody()).toList());
    }

    @Test
    void aReconnectionIsNeverTakenIntoABatchSoItsReconciliationSeesWhatCameBeforeIt() {
        PbxReady reconnected = new PbxReady(false, OffsetDateTime.now(), 2, 0);
        seda.getQueue().add(event("e1"));
        seda.getQueue().add(event(reconnected));
        seda.getQueue().add(event("e2"));
        assertEquals(List.of("e0", "e1"), new PbxEventBatch(200).gather(event("e0")));
        assertEquals(reconnected, seda.getQueue().peek().getMessage().getBody());
    }

    @Test
    void anEndpointOtherThanSedaGivesBatchesOfOne() {
        seda.getQueue().add(event("e1"));
        Exchange direct = new DefaultExchange(context);
        direct.getMessage().setBody("e0");
        direct.getExchangeExtension().setFromEndpoint(context.getEndpoint("direct:elsewhere"));
        assertEquals(List.of("e0"), new PbxEventBatch(200).gather(direct));
        assertEquals(1, seda.getQueue().size());
    }
}
