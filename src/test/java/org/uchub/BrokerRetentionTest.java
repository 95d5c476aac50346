package org.uchub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.QueueBrowser;
import jakarta.jms.Session;
import jakarta.jms.TemporaryQueue;
import jakarta.jms.TextMessage;
import java.util.Enumeration;
import java.util.Properties;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.server.MessageReference;
import org.apache.activemq.artemis.core.server.Queue;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.Test;
import org.uchub.broker.EmbeddedBroker;

/**
 * What the embedded broker keeps, and for how long, with retention times of seconds: a
 * rejected request in DLQ.uc.requests, a request the broker moved there itself, an expired
 * request in ExpiryQueue, a reply nobody reads and the events of a subscription nobody reads
 * are each dropped after their time (not moved to ExpiryQueue, and ExpiryQueue's own are
 * dropped too); until then they are there.
 */
class BrokerRetentionTest extends HubTestSupport {
    private static final String HUB_USER = "uchub";
    private static final String HUB_PASSWORD = "uchub-dev-password";
    /** 0.00006 days. */
    private static final long KEPT_MS = 5184;
    /** 0.0015 hours. */
    private static final long REPLY_TTL_MS = 5400;
    /** How long the broker may take to drop what expired (scan every 100 ms; a busy CI machine). */
    private static final long DROP_WAIT_MS = KEPT_MS + 20_000;

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        p.setProperty("broker.dlq.retention-days", "0.00006");
        p.setProperty("broker.events.retention-days", "0.00006");
        p.setProperty("broker.expiry-scan-period-ms", "100");
        p.setProperty("jms.reply-time-to-live-hours", "0.0015");
        p.setProperty("broker.max-delivery-attempts", "2");
        // Sessions wait as PENDING: their events are known in advance.
        return unreachablePbx(p);
    }

    private Connection core(String user, String password) throws JMSException {
        Connection c = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + brokerPort, user, password).createConnection();
        c.start();
        return c;
    }

    private Connection hub() throws JMSException {
        return core(HUB_USER, HUB_PASSWORD);
    }

    private Queue queue(String name) {
        Queue q = context.getRegistry().lookupByNameAndType("embeddedBroker", EmbeddedBroker.class).server()
                .locateQueue(SimpleString.of(name));
        assertNotNull(q, "queue " + name);
        return q;
    }

    /** The messages a queue holds now, without taking them. */
    private static java.util.List<Message> browse(Connection c, String queue) throws JMSException {
        Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
        java.util.List<Message> found = new java.util.ArrayList<>();
        try (QueueBrowser b = s.createBrowser(s.createQueue(queue))) {
            Enumeration<?> e = b.getEnumeration();
            while (e.hasMoreElements()) {
                found.add((Message) e.nextElement());
            }
        }
        return found;
    }

    private static void assertExpiresAfter(long expiration, long arrivedNotBefore, long arrivedNotAfter, long keptMs, String what) {
        assertTrue(expiration >= arrivedNotBefore + keptMs && expiration <= arrivedNotAfter + keptMs,
                what + " must expire " + keptMs + " ms after it arrived (between " + (arrivedNotBefore + keptMs) + " and "
                        + (arrivedNotAfter + keptMs) + "), expires at " + expiration);
    }

    /** Waits until the queue has dropped as expired all it ever held, and holds nothing. */
    private void awaitDropped(String name) throws Exception {
        Queue q = queue(name);
        await(() -> q.getMessageCount() == 0 && q.getMessagesExpired() == q.getMessagesAdded(), DROP_WAIT_MS,
                name + " must drop what it kept after the retention: holds " + q.getMessageCount() + ", added "
                        + q.getMessagesAdded() + ", expired " + q.getMessagesExpired());
    }

    private void assertNothingWentToTheExpiryQueue() {
        assertEquals(0, queue("ExpiryQueue").getMessagesAdded(), "expired messages are dropped, not moved to ExpiryQueue");
    }

    @Test
    void aRejectedRequestIsKeptInTheDeadLetterQueueForTheRetentionThenDropped() throws Exception {
        long before = System.currentTimeMillis();
        try (Connection erp = core("erp", "erp-dev-password"); Connection hub = hub()) {
            Session s = erp.createSession(false, Session.AUTO_ACKNOWLEDGE);
            TemporaryQueue replies = s.createTemporaryQueue();
            TextMessage m = s.createTextMessage(startConference("bad id", null, "+4930111111"));
            m.setJMSReplyTo(replies);
            s.createProducer(s.createQueue("uc.requests")).send(m);
            TextMessage reply = (TextMessage) s.createConsumer(replies).receive(20_000);
            assertNotNull(reply, "no reply within 20 s");
            assertTrue(reply.getText().contains("INVALID_BUSINESS_ID"), reply.getText());
            long after = System.currentTimeMillis();
            // Committed with the reply: there now, and kept exactly the retention.
            java.util.List<Message> dead = browse(hub, "DLQ.uc.requests");
            assertEquals(1, dead.size(), "the invalid request must be kept");
            assertEquals("INVALID_BUSINESS_ID", dead.get(0).getStringProperty("ucErrorCode"));
            assertExpiresAfter(dead.get(0).getJMSExpiration(), before, after, KEPT_MS, "the dead letter");
        }
        awaitDropped("DLQ.uc.requests");
        assertNothingWentToTheExpiryQueue();
    }

    @Test
    void aReplyNobodyReadsExpiresAndIsDroppedAndAReadOnlyRejectionIsStillKept() throws Exception {
        long before = System.currentTimeMillis();
        try (Connection erp = core("erp", "erp-dev-password"); Connection hub = hub()) {
            Session s = erp.createSession(false, Session.AUTO_ACKNOWLEDGE);
            TextMessage m = s.createTextMessage(query("NOBODY-1"));
            m.setJMSReplyTo(s.createQueue("uc.replies.erp"));
            m.setJMSCorrelationID("given-up");
            s.createProducer(s.createQueue("uc.requests")).send(m);
            // The client gave up: nobody reads uc.replies.erp.
            Queue replies = queue("uc.replies.erp");
            await(() -> replies.getMessagesAdded() == 1, 20_000, "no reply within 20 s");
            long after = System.currentTimeMillis();
            java.util.List<Message> waiting = browse(hub, "uc.replies.erp");
            assertEquals(1, waiting.size());
            assertEquals("given-up", waiting.get(0).getJMSCorrelationID());
            assertTrue(((TextMessage) waiting.get(0)).getText().contains("NOT_FOUND"), ((TextMessage) waiting.get(0)).getText());
            assertExpiresAfter(waiting.get(0).getJMSExpiration(), before, after, REPLY_TTL_MS, "the reply");
            // A query's NOT_FOUND is a rejection like any other: kept, for the retention.
            java.util.List<Message> dead = browse(hub, "DLQ.uc.requests");
            assertEquals(1, dead.size(), "the refused query must be kept");
            assertEquals("NOT_FOUND", dead.get(0).getStringProperty("ucErrorCode"));
        }
        awaitDropped("uc.replies.erp");
        awaitDropped("DLQ.uc.requests");
        assertNothingWentToTheExpiryQueue();
    }

    @Test
    void anExpiredRequestIsKeptInTheExpiryQueueForTheRetentionThenDropped() throws Exception {
        context.getRouteController().stopRoute("jms-consume");
        long before = System.currentTimeMillis();
        try (Connection erp = core("erp", "erp-dev-password"); Connection hub = hub()) {
            Session s = erp.createSession(false, Session.AUTO_ACKNOWLEDGE);
            var producer = s.createProducer(s.createQueue("uc.requests"));
            producer.setTimeToLive(200);
            producer.send(s.createTextMessage(startConference("X-1", null, "+4930111111")));
            Queue expired = queue("ExpiryQueue");
            await(() -> expired.getMessagesAdded() == 1, 20_000, "the request must expire into ExpiryQueue");
            long after = System.currentTimeMillis();
            java.util.List<Message> kept = browse(hub, "ExpiryQueue");
            assertEquals(1, kept.size());
            assertTrue(((TextMessage) kept.get(0)).getText().contains("X-1"));
            // Not its own 200 ms again: the retention, from its arrival in ExpiryQueue.
            assertExpiresAfter(kept.get(0).getJMSExpiration(), before, after, KEPT_MS, "the expired request");
        }
        awaitDropped("ExpiryQueue");
        assertEquals(0, queue("DLQ.uc.requests").getMessagesAdded(), "nothing went to the DLQ");
    }

    @Test
    void aRequestTheBrokerMovesToTheDeadLetterQueueIsKeptForTheRetentionNotItsOwnTimeToLive() throws Exception {
        context.getRouteController().stopRoute("jms-consume");
        long before = System.currentTimeMillis();
        try (Connection erp = core("erp", "erp-dev-password"); Connection hub = hub()) {
            Session s = erp.createSession(false, Session.AUTO_ACKNOWLEDGE);
            var producer = s.createProducer(s.createQueue("uc.requests"));
            // Far longer than the retention: the copy in the DLQ must not keep it.
            producer.setTimeToLive(60 * 60 * 1000L);
            producer.send(s.createTextMessage(startConference("M-1", null, "+4930111111")));
            // A hub that dies mid-request, twice (broker.max-delivery-attempts = 2).
            Session hs = hub.createSession(true, Session.SESSION_TRANSACTED);
            MessageConsumer requests = hs.createConsumer(hs.createQueue("uc.requests"));
            for (int attempt = 1; attempt <= 2; attempt++) {
                assertNotNull(requests.receive(10_000), "delivery " + attempt);
                hs.rollback();
            }
            requests.close();
            Queue dlq = queue("DLQ.uc.requests");
            await(() -> dlq.getMessagesAdded() == 1, 10_000, "the broker must move the request to the DLQ");
            long after = System.currentTimeMillis();
            java.util.List<Message> dead = browse(hub, "DLQ.uc.requests");
            assertEquals(1, dead.size());
            assertTrue(((TextMessage) dead.get(0)).getText().contains("M-1"));
            assertExpiresAfter(dead.get(0).getJMSExpiration(), before, after, KEPT_MS, "the moved request");
        }
        awaitDropped("DLQ.uc.requests");
        assertNothingWentToTheExpiryQueue();
    }

    @Test
    void theEventsOfASubscriptionNobodyReadsAreDroppedAfterTheRetention() throws Exception {
        long before;
        long after;
        try (Connection gone = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + brokerPort, "erp", "erp-dev-password")
                .createConnection()) {
            // A business system's durable subscription, and then the business system went away.
            gone.setClientID("erp-gone");
            Session s = gone.createSession(false, Session.AUTO_ACKNOWLEDGE);
            s.createDurableSubscriber(s.createTopic("uc.events.erp"), "events").close();
        }
        Queue subscription = queue("erp-gone.events");
        before = System.currentTimeMillis();
        try (Connection erp = core("erp", "erp-dev-password")) {
            Session s = erp.createSession(false, Session.AUTO_ACKNOWLEDGE);
            TemporaryQueue replies = s.createTemporaryQueue();
            TextMessage m = s.createTextMessage(startConference("EV-1", null, "+4930111111"));
            m.setJMSReplyTo(replies);
            s.createProducer(s.createQueue("uc.requests")).send(m);
            assertNotNull(s.createConsumer(replies).receive(20_000), "no reply within 20 s");
        }
        // REQUEST_RECEIVED, NUMBER_RESERVED, PBX_UNAVAILABLE.
        await(() -> subscription.getMessagesAdded() >= 3, 20_000, "the session's events must reach the subscription");
        after = System.currentTimeMillis();
        int seen = 0;
        try (var refs = subscription.browserIterator()) {
            while (refs.hasNext()) {
                MessageReference ref = refs.next();
                assertExpiresAfter(ref.getMessage().getExpiration(), before, after, KEPT_MS,
                        "event " + ref.getMessage().getObjectProperty(SimpleString.of("seq")));
                seen++;
            }
        }
        assertTrue(seen >= 3, "the events are there until then: " + seen);
        awaitDropped("erp-gone.events");
        assertNothingWentToTheExpiryQueue();
    }
}
