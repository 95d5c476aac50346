package org.uchub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.uchub.StompFrames.frame;
import static org.uchub.StompFrames.readFrame;

import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.JMSSecurityException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.ObjectMessage;
import jakarta.jms.Queue;
import jakarta.jms.Session;
import jakarta.jms.TemporaryQueue;
import jakarta.jms.TextMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.net.Socket;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.qpid.jms.JmsConnectionFactory;
import org.junit.jupiter.api.Test;
import org.uchub.contract.ReplyStatus;
import org.uchub.contract.SessionReply;

/**
 * The JMS ingress on the embedded broker, driven the way business systems drive it: an
 * Artemis (CORE) client, a raw STOMP socket, an AMQP client (Qpid JMS) and an OpenWire
 * client (ActiveMQ 5), each authenticated as its own tenant.
 */
class JmsIngressTest extends HubTestSupport {
    private static final String HUB_USER = "uchub";
    private static final String HUB_PASSWORD = "uchub-dev-password";
    private static final long EVENTS_POLL_MS = 3000;

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        p.setProperty("broker.max-delivery-attempts", "3");
        p.setProperty("broker.redelivery-delay-ms", "100");
        p.setProperty("broker.max-redelivery-delay-ms", "200");
        p.setProperty("broker.tenant.max-queues", "30");
        // The events test counts a business ID's events: conferences wait for the PBX instead of racing its events.
        // Its events take several batches, and polls far enough apart to tell a drained backlog from one poll per batch.
        p.setProperty("events.batch-size", "2");
        p.setProperty("events.poll-ms", String.valueOf(EVENTS_POLL_MS));
        return unreachablePbx(p);
    }

    private Connection core(String user, String password) throws JMSException {
        Connection c = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + brokerPort, user, password).createConnection();
        c.start();
        return c;
    }

    /** Sends a request as the user and waits for its reply on a temporary queue. */
    private TextMessage requestReply(String user, String body, MessageCustomizer customizer) throws Exception {
        try (Connection c = core(user, user + "-dev-password")) {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            TemporaryQueue replies = s.createTemporaryQueue();
            TextMessage m = s.createTextMessage(body);
            m.setJMSReplyTo(replies);
            if (customizer != null) {
                customizer.customize(m);
            }
            s.createProducer(s.createQueue("uc.requests")).send(m);
            Message reply = s.createConsumer(replies).receive(20_000);
            assertNotNull(reply, "no reply within 20 s");
            return (TextMessage) reply;
        }
    }

    interface MessageCustomizer {
        void customize(Message m) throws JMSException;
    }

    private Message readDeadLetter(long timeoutMs) throws JMSException {
        try (Connection c = core(HUB_USER, HUB_PASSWORD)) {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            return s.createConsumer(s.createQueue("DLQ.uc.requests")).receive(timeoutMs);
        }
    }

    @Test
    void aCoreClientGetsItsReplyCorrelatedByItsCorrelationId() throws Exception {
        TextMessage reply = requestReply("erp", startConference("J-1", null, "+4930111111"), m -> m.setJMSCorrelationID("corr-42"));
        assertEquals("corr-42", reply.getJMSCorrelationID());
        SessionReply r = sessionReply(reply.getText());
        assertEquals(ReplyStatus.ACCEPTED, r.getStatus());
        assertEquals("8000", r.getReservedNumber());
        assertEquals(ReplyStatus.OK, ok("erp", query("J-1")).getStatus());
    }

    @Test
    void withoutCorrelationIdTheReplyCarriesTheRequestMessageId() throws Exception {
        String[] sentId = new String[1];
        try (Connection c = core("erp", "erp-dev-password")) {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            TemporaryQueue replies = s.createTemporaryQueue();
            TextMessage m = s.createTextMessage(query("nothing"));
            m.setJMSReplyTo(replies);
            s.createProducer(s.createQueue("uc.requests")).send(m);
            sentId[0] = m.getJMSMessageID();
            Message reply = s.createConsumer(replies).receive(20_000);
            assertNotNull(reply);
            assertEquals(sentId[0], reply.getJMSCorrelationID());
        }
    }

    @Test
    void aStompClientSendsJsonAndReadsItsReplyQueue() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", brokerPort)) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(frame("CONNECT", "accept-version:1.2\nhost:localhost\nlogin:crm\npasscode:crm-dev-password\n", ""));
            assertTrue(readFrame(in).startsWith("CONNECTED"));
            out.write(frame("SUBSCRIBE", "id:1\ndestination:/queue/uc.replies.crm\nack:auto\n", ""));
            String json = "{\"StartSession\": {\"businessId\": \"S-1\", \"channel\": \"im\", \"participants\": "
                    + "{\"participant\": [{\"jid\": \"alice@example.com\"}]}, \"options\": {\"text\": \"Hello from STOMP\"}}}";
            out.write(frame("SEND", "destination:/queue/uc.requests\nreply-to:/queue/uc.replies.crm\ncorrelation-id:stomp-1\n"
                    + "content-type:application/json\n", json));
            String reply = readFrame(in);
            assertTrue(reply.startsWith("MESSAGE"), reply);
            assertTrue(reply.contains("correlation-id:stomp-1"), reply);
            // No XMPP server in this test: the answer is the IM channel's own, on the channel the request came in on.
            assertTrue(reply.contains("\"status\" : \"FAILED\"") && reply.contains("XMPP_NOT_CONFIGURED"), reply);
        }
        assertEquals(ReplyStatus.OK, ok("crm", query("S-1")).getStatus());
        rejected("erp", query("S-1"), "NOT_FOUND");
    }

    @Test
    void anAmqpClientIsItsOwnTenant() throws Exception {
        JmsConnectionFactory amqp = new JmsConnectionFactory("crm", "crm-dev-password", "amqp://127.0.0.1:" + brokerPort);
        try (Connection c = amqp.createConnection()) {
            c.start();
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            TemporaryQueue replies = s.createTemporaryQueue();
            TextMessage m = s.createTextMessage(startConference("A-1", "amqp-1", "+4930111111"));
            m.setJMSReplyTo(replies);
            m.setJMSCorrelationID("amqp-corr");
            s.createProducer(s.createQueue("uc.requests")).send(m);
            Message reply = s.createConsumer(replies).receive(20_000);
            assertNotNull(reply, "no AMQP reply");
            assertEquals("amqp-corr", reply.getJMSCorrelationID());
            assertEquals(ReplyStatus.ACCEPTED, sessionReply(((TextMessage) reply).getText()).getStatus());
        }
        assertEquals(ReplyStatus.OK, ok("crm", query("A-1")).getStatus());
        rejected("erp", query("A-1"), "NOT_FOUND");
    }

    @Test
    void anOpenWireClientUsesItsReplyQueue() throws Exception {
        org.apache.activemq.ActiveMQConnectionFactory openwire = new org.apache.activemq.ActiveMQConnectionFactory("erp",
                "erp-dev-password", "tcp://127.0.0.1:" + brokerPort);
        javax.jms.Connection c = openwire.createConnection();
        try {
            c.start();
            javax.jms.Session s = c.createSession(false, javax.jms.Session.AUTO_ACKNOWLEDGE);
            javax.jms.Queue replies = s.createQueue("uc.replies.erp");
            javax.jms.TextMessage m = s.createTextMessage(startConference("O-1", null, "+4930111111"));
            m.setJMSReplyTo(replies);
            m.setJMSCorrelationID("ow-1");
            s.createProducer(s.createQueue("uc.requests")).send(m);
            javax.jms.Message reply = s.createConsumer(replies).receive(20_000);
            assertNotNull(reply, "no OpenWire reply");
            assertEquals("ow-1", reply.getJMSCorrelationID());
            assertEquals(ReplyStatus.ACCEPTED, sessionReply(((javax.jms.TextMessage) reply).getText()).getStatus());
        } finally {
            c.close();
        }
        assertEquals(ReplyStatus.OK, ok("erp", query("O-1")).getStatus());
    }

    @Test
    void anInvalidRequestIsAnsweredAtOnceAndKeptInTheDeadLetterQueueWithItsCode() throws Exception {
        TextMessage reply = requestReply("erp", startConference("bad id", null, "+4930111111"), null);
        assertEquals("INVALID_BUSINESS_ID", sessionReply(reply.getText()).getError().getCode());
        Message dead = readDeadLetter(10_000);
        assertNotNull(dead, "the invalid request must be kept");
        assertEquals("INVALID_BUSINESS_ID", dead.getStringProperty("ucErrorCode"));
        assertEquals("erp", dead.getStringProperty("tenant"));
        assertTrue(((TextMessage) dead).getText().contains("bad id"));
    }

    /** Sets a flag if anything ever deserializes it. */
    public static class Tripwire implements Serializable {
        static final AtomicBoolean DESERIALIZED = new AtomicBoolean();

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            DESERIALIZED.set(true);
            in.defaultReadObject();
        }
    }

    @Test
    void anObjectMessageIsRefusedWithoutBeingDeserialized() throws Exception {
        Tripwire.DESERIALIZED.set(false);
        try (Connection c = core("erp", "erp-dev-password")) {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            TemporaryQueue replies = s.createTemporaryQueue();
            ObjectMessage m = s.createObjectMessage(new Tripwire());
            m.setJMSReplyTo(replies);
            Tripwire.DESERIALIZED.set(false);
            s.createProducer(s.createQueue("uc.requests")).send(m);
            TextMessage reply = (TextMessage) s.createConsumer(replies).receive(20_000);
            assertNotNull(reply);
            assertTrue(reply.getText().contains("UNSUPPORTED_MESSAGE_TYPE"), reply.getText());
        }
        Message dead = readDeadLetter(10_000);
        assertNotNull(dead);
        assertEquals("UNSUPPORTED_MESSAGE_TYPE", dead.getStringProperty("ucErrorCode"));
        assertTrue(((jakarta.jms.BytesMessage) dead).getBodyLength() > 0, "the refused message's bytes must be kept");
        assertFalse(Tripwire.DESERIALIZED.get(), "the hub deserialized an ObjectMessage");
    }

    @Test
    void camelHeadersFromTheSenderAreIgnoredInEveryLetterCase() throws Exception {
        // What the route itself is handed, not only what came of it: most of its steps would
        // ignore a stray Camel header anyway, so the outcome alone would not show a leak.
        java.util.Set<String> handed = java.util.concurrent.ConcurrentHashMap.newKeySet();
        org.apache.camel.builder.AdviceWith.adviceWith(context, "jms-consume", a -> a.weaveAddFirst()
                .process(e -> handed.addAll(e.getIn().getHeaders().keySet())));
        TextMessage reply = requestReply("erp", startConference("H-1", null, "+4930111111"), m -> {
            for (String name : new String[] {"CamelJmsDestinationName", "CAmelJmsDestinationName", "camelJmsDestinationName",
                "CAMELJMSDESTINATIONNAME", "cAMELjMSdESTINATIONnAME", "Camel_HYPHEN_JmsDestinationName"}) {
                m.setStringProperty(name, "stolen." + name);
            }
            m.setStringProperty("CamelBeanMethodName", "end");
            m.setStringProperty("CamelFileName", "../../etc/passwd");
            m.setStringProperty("mail_smtp_host", "evil.example.com");
        });
        assertEquals(ReplyStatus.ACCEPTED, sessionReply(reply.getText()).getStatus());
        assertFalse(handed.isEmpty(), "the route was not handed the request");
        for (String name : handed) {
            // CamelMessageTimestamp is Camel's own, from JMSTimestamp.
            assertTrue(name.startsWith("JMS") || name.equals("CamelMessageTimestamp"),
                    "the sender's property " + name + " reached the route: " + handed);
        }
        var server = context.getRegistry().lookupByNameAndType("embeddedBroker", org.uchub.broker.EmbeddedBroker.class)
                .getBroker().getActiveMQServer();
        for (SimpleString address : server.getPostOffice().getAddresses()) {
            assertFalse(address.toString().startsWith("stolen."), "a sender's header redirected a message to " + address);
        }
        assertNull(context.getRegistry().lookupByName("stolen"));
    }

    @Test
    void theTenantIsTheAuthenticatedUserNeverAPropertyTheSenderSets() throws Exception {
        requestReply("erp", startConference("T-1", null, "+4930111111"), m -> {
            m.setStringProperty("_AMQ_VALIDATED_USER", "crm");
            m.setStringProperty("_UC_TENANT", "crm");
            m.setStringProperty("JMSXUserID", "crm");
            m.setStringProperty("tenant", "crm");
            m.setStringProperty("ucTenant", "crm");
        });
        assertEquals(ReplyStatus.OK, ok("erp", query("T-1")).getStatus());
        rejected("crm", query("T-1"), "NOT_FOUND");
    }

    @Test
    void temporaryQueuesGoneWithTheirConnectionsLeaveNoOwnerBehindAndABusinessSystemCannotMakeQueuesWithoutEnd() throws Exception {
        org.uchub.broker.HubSecurityManager security = context.getRegistry().lookupByNameAndType("brokerSecurity",
                org.uchub.broker.HubSecurityManager.class);
        int before = security.temporaryOwners();
        for (int i = 0; i < 20; i++) {
            try (Connection c = core("erp", "erp-dev-password")) {
                c.createSession(false, Session.AUTO_ACKNOWLEDGE).createTemporaryQueue();
            }
        }
        await(() -> security.temporaryOwners() <= before, 10_000, "owners of closed temporary queues kept: "
                + (security.temporaryOwners() - before));
        // Queues a business system may make are limited (broker.tenant.max-queues, 30 here).
        try (Connection c = core("crm", "crm-dev-password")) {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            JMSException refused = null;
            for (int i = 0; i < 40 && refused == null; i++) {
                try {
                    s.createTemporaryQueue();
                } catch (JMSException e) {
                    refused = e;
                }
            }
            assertNotNull(refused, "40 queues made");
        }
    }

    @Test
    void anEventASubscriberRollsBackComesAgainBeforeTheNextOne() throws Exception {
        try (Connection erp = core("erp", "erp-dev-password")) {
            Session s = erp.createSession(true, Session.SESSION_TRANSACTED);
            MessageConsumer events = s.createConsumer(s.createTopic("uc.events.erp"), "businessId = 'RB-1'");
            requestReply("erp", startConference("RB-1", null, "+4930111111"), null);
            Message first = events.receive(EVENTS_POLL_MS + 5000);
            assertNotNull(first);
            assertEquals(1, first.getLongProperty("seq"));
            s.rollback();
            // With the broker's redelivery delay it came after seq 2, and a subscriber keeping the highest seq dropped it.
            Message again = events.receive(5000);
            assertNotNull(again);
            assertEquals(1, again.getLongProperty("seq"), "the rolled-back event first, not the next one");
            s.commit();
        }
    }

    @Test
    void aBusinessSystemFollowsItsOwnSessionsOnTheEventsTopicWithASelector() throws Exception {
        try (Connection erp = core("erp", "erp-dev-password"); Connection crm = core("crm", "crm-dev-password")) {
            Session s = erp.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageConsumer events = s.createConsumer(s.createTopic("uc.events.erp"), "businessId = 'E-1'");
            Session cs = crm.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageConsumer crmEvents = cs.createConsumer(cs.createTopic("uc.events.crm"));
            assertThrows(JMSSecurityException.class, () -> s.createConsumer(s.createTopic("uc.events")));
            assertThrows(JMSSecurityException.class, () -> s.createConsumer(s.createTopic("uc.events.crm")));
            // Nor by a wildcard, which names no address of its own and would gather every tenant's events.
            for (String wildcard : new String[] {"#", "*.events", "*.events.crm", "*.*.crm", "uc.events.*"}) {
                assertThrows(JMSSecurityException.class, () -> s.createConsumer(s.createTopic(wildcard)), wildcard);
            }
            // The request queue named fully qualified with another queue is no way into crm's replies.
            MessageProducer forged = s.createProducer(s.createQueue("uc.requests::uc.replies.crm"));
            assertThrows(JMSSecurityException.class, () -> forged.send(s.createTextMessage("<forged/>")));

            requestReply("erp", startConference("E-1", null, "+4930111111"), null);
            requestReply("erp", startConference("E-2", null, "+4930222222"), null);
            requestReply("erp", "<ModifySession " + NS + "><businessId>E-1</businessId><add><participant><number>+4930333333"
                    + "</number></participant></add></ModifySession>", null);

            // Nine events wait, two to a batch: the whole backlog goes out at the next poll, not
            // one batch per poll (five polls, 15 s).
            long deadline = System.nanoTime() + (EVENTS_POLL_MS + 3000) * 1_000_000L;
            String[] expected = {"REQUEST_RECEIVED", "NUMBER_RESERVED", "PBX_UNAVAILABLE", "REQUEST_RECEIVED", "PARTICIPANT_ADDED",
                "PBX_UNAVAILABLE"};
            for (int i = 0; i < expected.length; i++) {
                Message e = events.receive(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                assertNotNull(e, "event " + (i + 1) + " of E-1 missing");
                assertEquals(i + 1, e.getLongProperty("seq"));
                assertEquals(expected[i], e.getStringProperty("eventType"));
                assertEquals("E-1", e.getStringProperty("businessId"));
                assertEquals("erp", e.getStringProperty("tenant"));
                // So that several consumers of one subscription keep a business ID's events in order.
                assertEquals("erp/E-1", e.getStringProperty("JMSXGroupID"));
                assertTrue(((TextMessage) e).getText().contains("<SessionEvent"), ((TextMessage) e).getText());
            }
            assertNull(events.receive(500), "only E-1's events match the selector");
            assertNull(crmEvents.receive(500), "another tenant's events must not reach crm");
        }
    }

    /**
     * A client that rolls a reply back more often than the broker's delivery attempts still
     * gets it: replies used to go to DLQ.uc.requests then, which the client may not read.
     */
    @Test
    void aReplyRolledBackAgainAndAgainIsNeverDeadLettered() throws Exception {
        try (Connection c = core("erp", "erp-dev-password")) {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Session tx = c.createSession(true, Session.SESSION_TRANSACTED);
            int n = 0;
            for (Queue replies : new Queue[] {s.createQueue("uc.replies.erp"), s.createTemporaryQueue()}) {
                TextMessage m = s.createTextMessage(startConference("RR-" + ++n, null, "+4930111111"));
                m.setJMSReplyTo(replies);
                s.createProducer(s.createQueue("uc.requests")).send(m);
                MessageConsumer consumer = tx.createConsumer(replies);
                // broker.max-delivery-attempts is 3 here.
                for (int i = 1; i <= 6; i++) {
                    assertNotNull(consumer.receive(10_000), replies + ": delivery " + i + " of the reply");
                    tx.rollback();
                }
                assertNotNull(consumer.receive(10_000), replies + ": the reply after six rollbacks");
                tx.commit();
                consumer.close();
            }
        }
        assertNull(readDeadLetter(500), "a reply in the requests' DLQ");
    }

    @Test
    void severalConsumersNeverLetAModifyOvertakeItsStart() throws Exception {
        try (Connection c = core("erp", "erp-dev-password")) {
            startModifyEndInOrder(c, "uc.replies.erp", "erp", "G-");
        }
    }

    /** Artemis ignores a group set on an AMQP message the usual way: the broker plugin must set it in the AMQP properties. */
    @Test
    void severalConsumersNeverLetAModifyOvertakeItsStartForAnAmqpSender() throws Exception {
        try (Connection c = new JmsConnectionFactory("crm", "crm-dev-password", "amqp://127.0.0.1:" + brokerPort).createConnection()) {
            c.start();
            startModifyEndInOrder(c, "uc.replies.crm", "crm", "GA-");
        }
    }

    private void startModifyEndInOrder(Connection c, String replyQueue, String tenant, String prefix) throws Exception {
        int cases = 40;
        Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
        Queue replies = s.createQueue(replyQueue);
        MessageProducer p = s.createProducer(s.createQueue("uc.requests"));
        for (int i = 0; i < cases; i++) {
            String id = prefix + i;
            String[] steps = {
                "<StartSession " + NS + "><businessId>" + id + "</businessId><channel>call</channel><participants>"
                        + "<participant><number>+4930111111</number></participant><participant><number>+4930222222</number>"
                        + "</participant></participants></StartSession>",
                "<ModifySession " + NS + "><businessId>" + id + "</businessId><mute><participant><number>+4930111111</number>"
                        + "</participant></mute></ModifySession>",
                "{\"EndSession\": {\"businessId\": \"" + id + "\"}}"};
            for (String step : steps) {
                TextMessage m = s.createTextMessage(step);
                m.setJMSReplyTo(replies);
                p.send(m);
            }
        }
        MessageConsumer consumer = s.createConsumer(replies);
        for (int i = 0; i < cases * 3; i++) {
            TextMessage reply = (TextMessage) consumer.receive(20_000);
            assertNotNull(reply, "reply " + i + " missing");
            assertFalse(reply.getText().contains("REJECTED"), reply.getText());
        }
        for (int i = 0; i < cases; i++) {
            SessionReply log = ok(tenant, query(prefix + i));
            assertEquals("ENDED", log.getSessions().getSession().get(0).getState());
            assertTrue(log.getSessions().getSession().get(0).getParticipants().getParticipant().get(0).isMuted());
        }
    }

    @Test
    void theHubNeverCarriesAReplyIntoAnotherTenantsQueue() throws Exception {
        try (Connection erp = core("erp", "erp-dev-password"); Connection crm = core("crm", "crm-dev-password")) {
            Session s = erp.createSession(false, Session.AUTO_ACKNOWLEDGE);
            TextMessage m = s.createTextMessage(startConference("F-1", null, "+4930111111"));
            m.setJMSReplyTo(s.createQueue("uc.replies.crm"));
            m.setJMSCorrelationID("forged");
            s.createProducer(s.createQueue("uc.requests")).send(m);
            Session cs = crm.createSession(false, Session.AUTO_ACKNOWLEDGE);
            assertNull(cs.createConsumer(cs.createQueue("uc.replies.crm")).receive(3000), "a reply was carried into crm's queue");
        }
        // The request itself was served for its sender.
        assertEquals(ReplyStatus.OK, ok("erp", query("F-1")).getStatus());
    }

    @Test
    void aReplyToThatOnlyCallsItselfTemporaryIsNotRepliedToUnlessTheSenderCreatedIt() throws Exception {
        try (Connection erp = core("erp", "erp-dev-password"); Connection crm = core("crm", "crm-dev-password")) {
            Session cs = crm.createSession(false, Session.AUTO_ACKNOWLEDGE);
            TemporaryQueue crmOwn = cs.createTemporaryQueue();
            MessageConsumer crmOwnReplies = cs.createConsumer(crmOwn);
            MessageConsumer crmReplies = cs.createConsumer(cs.createQueue("uc.replies.crm"));
            Session s = erp.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageProducer p = s.createProducer(s.createQueue("uc.requests"));
            // What a STOMP reply-to "temp-queue://uc.replies.crm" or an AMQP reply-to annotated as
            // temporary arrives as: a temporary destination of any name the sender chose.
            TextMessage named = s.createTextMessage(startConference("T-1", null, "+4930111111"));
            named.setJMSReplyTo(org.apache.activemq.artemis.jms.client.ActiveMQDestination.createTemporaryQueue("uc.replies.crm"));
            p.send(named);
            // crm's real temporary queue, its name learnt (OpenWire advisories announce them).
            TextMessage others = s.createTextMessage(startConference("T-2", null, "+4930111111"));
            others.setJMSReplyTo(org.apache.activemq.artemis.jms.client.ActiveMQDestination.createTemporaryQueue(crmOwn.getQueueName()));
            p.send(others);
            await(() -> parse(call("erp", query("T-1"))) instanceof SessionReply a && a.getError() == null
                    && parse(call("erp", query("T-2"))) instanceof SessionReply b && b.getError() == null, 20_000, "both requests applied");
            assertNull(crmReplies.receive(1000), "a reply was carried into crm's queue");
            assertNull(crmOwnReplies.receive(1000), "a reply was carried into crm's temporary queue");
            // erp's own temporary queue still gets its reply.
            TemporaryQueue erpOwn = s.createTemporaryQueue();
            TextMessage own = s.createTextMessage(query("T-1"));
            own.setJMSReplyTo(erpOwn);
            p.send(own);
            assertNotNull(s.createConsumer(erpOwn).receive(10_000), "the sender's own temporary queue gets its reply");
        }
    }

    @Test
    void aTemporaryQueueCanOnlyBeReadByTheSystemThatCreatedIt() throws Exception {
        try (Connection erp = core("erp", "erp-dev-password"); Connection crm = core("crm", "crm-dev-password")) {
            Session es = erp.createSession(false, Session.AUTO_ACKNOWLEDGE);
            TemporaryQueue erpReplies = es.createTemporaryQueue();
            es.createConsumer(erpReplies).close();
            Session cs = crm.createSession(false, Session.AUTO_ACKNOWLEDGE);
            assertThrows(JMSSecurityException.class, () -> cs.createConsumer(cs.createQueue(erpReplies.getQueueName())));
        }
    }

    @Test
    void wrongCredentialsAndAnonymousAccessAreRefused() {
        assertThrows(JMSSecurityException.class, () -> core("erp", "wrong").close());
        assertThrows(JMSSecurityException.class, () -> core(null, null).close());
    }

    @Test
    void aBusinessSystemMayOnlySendRequestsAndReadItsOwnReplies() throws Exception {
        try (Connection c = core("erp", "erp-dev-password")) {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            assertThrows(JMSSecurityException.class, () -> s.createConsumer(s.createQueue("uc.requests")));
            assertThrows(JMSSecurityException.class, () -> s.createConsumer(s.createQueue("DLQ.uc.requests")));
            assertThrows(JMSSecurityException.class, () -> s.createConsumer(s.createQueue("uc.replies.crm")));
            MessageProducer p = s.createProducer(s.createQueue("uc.replies.crm"));
            assertThrows(JMSSecurityException.class, () -> p.send(s.createTextMessage("spoofed reply")));
            MessageConsumer own = s.createConsumer(s.createQueue("uc.replies.erp"));
            own.close();
        }
    }

    @Test
    void aRequestTheHubCannotApplyIsRedeliveredThenKeptWithTheReason() throws Exception {
        context.getRegistry().lookupByNameAndType("dataSource", com.zaxxer.hikari.HikariDataSource.class).close();
        try (Connection c = core("erp", "erp-dev-password")) {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Queue requests = s.createQueue("uc.requests");
            s.createProducer(requests).send(s.createTextMessage(startConference("D-1", null, "+4930111111")));
        }
        Message dead = readDeadLetter(30_000);
        assertNotNull(dead, "after the last attempt the request must be in the DLQ");
        assertEquals("DELIVERY_FAILED", dead.getStringProperty("ucErrorCode"));
        assertTrue(dead.getStringProperty("ucFailureReason").contains("session log unavailable"), dead.getStringProperty("ucFailureReason"));
        assertTrue(((TextMessage) dead).getText().contains("D-1"));
    }
}
