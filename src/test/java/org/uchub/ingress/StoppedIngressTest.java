package org.uchub.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import jakarta.jms.Connection;
import jakarta.jms.Message;
import jakarta.jms.Session;
import java.util.Properties;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;

/**
 * A hub whose JMS ingress is stopped (an operator, the tenant-stamp gate) holds no request:
 * its consumers are gone from the broker, so what arrives meanwhile waits in the queue for
 * whoever consumes it (another hub on the same broker), not in a consumer nobody reads.
 */
class StoppedIngressTest extends HubTestSupport {

    @Override
    protected Properties hubProperties() {
        return unreachablePbx(super.hubProperties());
    }

    @Test
    void aRequestSentWhileTheIngressIsStoppedWaitsInTheQueueForAnotherConsumer() throws Exception {
        // Served once, so every consumer of the route has been opened.
        ok("default", startConference("stopped-0", null, "+4930111111"));
        try (Connection erp = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + brokerPort, "erp", "erp-dev-password")
                .createConnection()) {
            Session s = erp.createSession(false, Session.AUTO_ACKNOWLEDGE);
            for (int i = 0; i < 20; i++) {
                s.createProducer(s.createQueue("uc.requests")).send(s.createTextMessage(startConference("warm-" + i, null, "+4930111111")));
            }
            Thread.sleep(2000);
            context.getRouteController().stopRoute("jms-consume");
            assertEquals(0, context.getRegistry().lookupByNameAndType("embeddedBroker", org.uchub.broker.EmbeddedBroker.class)
                    .server().locateQueue("uc.requests").getConsumerCount(), "consumers of the stopped route still on the queue");
            for (int i = 0; i < 20; i++) {
                s.createProducer(s.createQueue("uc.requests")).send(s.createTextMessage(startConference("stopped-" + (i + 1), null,
                        "+4930111111")));
            }
            // Business IDs the hub served before the stop: the broker had bound each one's
            // group to the consumer that took it, so these wait for that consumer unless it is gone.
            for (int i = 0; i < 20; i++) {
                s.createProducer(s.createQueue("uc.requests")).send(s.createTextMessage(startConference("warm-" + i, null,
                        "+4930111111")));
            }
        }
        try (Connection hub = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + brokerPort, "uchub", "uchub-dev-password")
                .createConnection()) {
            hub.start();
            var consumer = hub.createSession(false, Session.AUTO_ACKNOWLEDGE).createConsumer(
                    hub.createSession(false, Session.AUTO_ACKNOWLEDGE).createQueue("uc.requests"));
            for (int i = 0; i < 40; i++) {
                Message m = consumer.receive(5_000);
                assertNotNull(m, "request " + (i + 1) + " of 40 waits in a consumer of the stopped route");
            }
        }
    }
}
