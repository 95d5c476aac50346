package org.uchub.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Queue;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.qpid.jms.JmsConnectionFactory;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;
import org.uchub.contract.ErrorReply;
import org.uchub.contract.SessionReply;

/**
 * Requests of one business ID are applied in the order they were sent, whatever priority or
 * delivery delay their sender gave them: an Artemis queue serves a higher priority first and
 * holds a delayed message back, even within one message group, so an EndSession at priority 9
 * sent while its StartSession (priority 0) still waited, or sent after a StartSession with a
 * delivery delay, was applied first and answered NOT_FOUND, and the session was never ended.
 */
class SendOrderTest extends HubTestSupport {
    @Override
    protected Properties hubProperties() {
        return unreachablePbx(super.hubProperties());
    }

    private static String start(String businessId) {
        return "<StartSession " + NS + "><businessId>" + businessId + "</businessId><channel>call</channel><participants>"
                + "<participant><number>+4930111111</number></participant><participant><number>+4930222222</number>"
                + "</participant></participants></StartSession>";
    }

    private Connection core() throws JMSException {
        return new ActiveMQConnectionFactory("tcp://127.0.0.1:" + brokerPort, "erp", "erp-dev-password").createConnection();
    }

    private Connection amqp() throws JMSException {
        return new JmsConnectionFactory("crm", "crm-dev-password", "amqp://127.0.0.1:" + brokerPort).createConnection();
    }

    /** Sends the request with the priority and delivery delay, correlated by its name. */
    private static void send(Session s, MessageProducer p, Queue replies, String name, String body, int priority, long delayMs)
            throws JMSException {
        TextMessage m = s.createTextMessage(body);
        m.setJMSReplyTo(replies);
        m.setJMSCorrelationID(name);
        p.setDeliveryDelay(delayMs);
        p.send(m, DeliveryMode.PERSISTENT, priority, 0);
    }

    /** The replies to the named requests: each must be a success, and the session ended. */
    private void assertStartedThenEnded(Connection c, String replyQueue, String tenant, String businessId) throws Exception {
        Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
        MessageConsumer consumer = s.createConsumer(s.createQueue(replyQueue));
        Map<String, String> errors = new HashMap<>();
        for (int i = 0; i < 2; i++) {
            Message reply = consumer.receive(20_000);
            assertNotNull(reply, "reply " + (i + 1) + " of 2 missing; got " + errors.keySet());
            errors.put(reply.getJMSCorrelationID(), errorOf(((TextMessage) reply).getText()));
        }
        assertNull(errors.get("start"), "the StartSession");
        assertNull(errors.get("end"), "the EndSession was applied before its StartSession");
        assertEquals("ENDED", ok(tenant, query(businessId)).getSessions().getSession().get(0).getState());
    }

    private static String errorOf(String reply) {
        Object r = parse(reply);
        if (r instanceof ErrorReply e) {
            return e.getError().getCode();
        }
        SessionReply sr = (SessionReply) r;
        return sr.getError() == null ? null : sr.getError().getCode();
    }

    /** Each sender's StartSession of business ID prefix+tenant, then its EndSession, as the arguments set them. */
    private static void startThenEnd(Connection erp, Connection crm, String prefix, int startPriority, long startDelayMs, int endPriority)
            throws Exception {
        for (Connection c : new Connection[] {erp, crm}) {
            String tenant = c == erp ? "erp" : "crm";
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageProducer p = s.createProducer(s.createQueue("uc.requests"));
            Queue replies = s.createQueue("uc.replies." + tenant);
            send(s, p, replies, "start", start(prefix + tenant), startPriority, startDelayMs);
            send(s, p, replies, "end", end(prefix + tenant), endPriority, 0);
        }
    }

    @Test
    void aHigherPriorityDoesNotLetAnEndOvertakeItsStart() throws Exception {
        // A backlog, as when every consumer is busy: both wait in the queue.
        context.getRouteController().stopRoute("jms-consume");
        try (Connection erp = core(); Connection crm = amqp()) {
            erp.start();
            crm.start();
            startThenEnd(erp, crm, "P-", 0, 0, 9);
            context.getRouteController().startRoute("jms-consume");
            assertStartedThenEnded(erp, "uc.replies.erp", "erp", "P-erp");
            assertStartedThenEnded(crm, "uc.replies.crm", "crm", "P-crm");
        }
    }

    @Test
    void aDeliveryDelayDoesNotLetAnEndOvertakeItsStart() throws Exception {
        try (Connection erp = core(); Connection crm = amqp()) {
            erp.start();
            crm.start();
            startThenEnd(erp, crm, "D-", 4, 3000, 4);
            assertStartedThenEnded(erp, "uc.replies.erp", "erp", "D-erp");
            assertStartedThenEnded(crm, "uc.replies.crm", "crm", "D-crm");
        }
    }
}
