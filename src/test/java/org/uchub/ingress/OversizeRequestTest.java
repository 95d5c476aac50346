package org.uchub.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import java.util.Properties;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;
import org.uchub.contract.ReplyStatus;

/**
 * A request far over hub.request.max-bytes is refused by the broker to its sender, who still
 * has it: taken, the broker client would read its whole body into the hub's memory (a large
 * message too), and one of a gigabyte stopped the hub at every redelivery.
 */
class OversizeRequestTest extends HubTestSupport {

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        p.setProperty("hub.request.max-bytes", "20000");
        return unreachablePbx(p);
    }

    /** A StartSession padded with a text of this many characters. */
    private static String padded(String businessId, int chars) {
        return "<StartSession " + NS + "><businessId>" + businessId + "</businessId><channel>conference</channel><participants>"
                + "<participant><number>+4930111111</number></participant></participants><!-- " + "x".repeat(chars)
                + " --></StartSession>";
    }

    private Connection erp() throws JMSException {
        return new ActiveMQConnectionFactory("tcp://127.0.0.1:" + brokerPort, "erp", "erp-dev-password").createConnection();
    }

    @Test
    void aRequestFarOverTheLimitIsRefusedToItsSenderAndTheHubServesOn() throws Exception {
        try (Connection c = erp()) {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            var producer = s.createProducer(s.createQueue("uc.requests"));
            // Under the client's large-message threshold (100 KiB) and over it.
            for (int chars : new int[] {30_000, 400_000}) {
                JMSException refused = assertThrows(JMSException.class, () -> producer.send(s.createTextMessage(padded("big-" + chars,
                        chars))), chars + " characters");
                assertTrue(refused.getMessage().contains("REQUEST_TOO_LARGE"), refused.getMessage());
            }
            // A request within the limit is still served.
            c.start();
            jakarta.jms.Queue replies = s.createQueue("uc.replies.erp");
            TextMessage m = s.createTextMessage(padded("small-1", 100));
            m.setJMSReplyTo(replies);
            producer.send(m);
            Message reply = s.createConsumer(replies).receive(20_000);
            assertNotNull(reply, "no reply within 20 s");
            assertEquals(ReplyStatus.ACCEPTED, sessionReply(((TextMessage) reply).getText()).getStatus());
        }
        rejected("erp", query("big-30000"), "NOT_FOUND");
    }

    @Test
    void anAmqpSendersRequestFarOverTheLimitIsRefusedToo() throws Exception {
        try (var amqp = new org.apache.qpid.jms.JmsConnectionFactory("amqp://127.0.0.1:" + brokerPort).createContext("erp",
                "erp-dev-password")) {
            var refused = assertThrows(jakarta.jms.JMSRuntimeException.class,
                    () -> amqp.createProducer().send(amqp.createQueue("uc.requests"), padded("big-amqp", 60_000)));
            assertTrue(String.valueOf(refused.getMessage()).contains("REQUEST_TOO_LARGE"), refused.getMessage());
        }
    }

    /** In the broker its size is the compressed one; the hub's client would expand it whole. */
    @Test
    void aLargeRequestItsClientCompressedIsRefused() throws Exception {
        try (Connection c = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + brokerPort + "?compressLargeMessages=true", "erp",
                "erp-dev-password").createConnection()) {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            JMSException refused = assertThrows(JMSException.class, () -> s.createProducer(s.createQueue("uc.requests"))
                    .send(s.createTextMessage(padded("zipped-1", 400_000))));
            assertTrue(refused.getMessage().contains("REQUEST_TOO_LARGE"), refused.getMessage());
        }
    }
}
