package org.uchub.ingress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.uchub.StompFrames.frame;
import static org.uchub.StompFrames.readFrame;

import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;
import jakarta.jms.TemporaryQueue;
import jakarta.jms.TextMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.apache.activemq.artemis.api.jms.ActiveMQJMSClient;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.activemq.artemis.jms.client.ActiveMQDestination;
import org.apache.qpid.jms.JmsConnectionFactory;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;

/**
 * What senders of other protocols and stacks put on the wire, read as they meant it: AMQP and
 * OpenWire clients' own message ids and binary correlation ids on replies, an AMQP request
 * known again when the broker redelivers it, and text in the charset the sender declared
 * rather than the one an XML declaration inside it names.
 */
class JmsInteropTest extends HubTestSupport {
    private static final String SUBJECT = "Müller und Søn: Übergabe";

    @Override
    protected Properties hubProperties() {
        return unreachablePbx(super.hubProperties());
    }

    private JmsConnectionFactory amqp(String options) {
        return new JmsConnectionFactory("crm", "crm-dev-password", "amqp://127.0.0.1:" + brokerPort + options);
    }

    private static String conference(String businessId, String subject) {
        return "<StartSession " + NS + "><businessId>" + businessId + "</businessId><channel>conference</channel><participants>"
                + "<participant><number>+4930111111</number></participant></participants><options><subject>" + subject
                + "</subject></options></StartSession>";
    }

    private String subjectOf(String tenant, String businessId) {
        return ok(tenant, query(businessId)).getSessions().getSession().get(0).getSubject();
    }

    @Test
    void anAmqpSenderWithoutACorrelationIdGetsItsOwnMessageIdBack() throws Exception {
        for (String options : new String[] {"", "?jms.messageIDPolicy.messageIDType=UUID"}) {
            Exchanged x = requestReply(amqp(options).createConnection(), query("nothing"), m -> { });
            assertEquals(x.request().getJMSMessageID(), x.reply().getJMSCorrelationID(), options);
        }
    }

    /**
     * Proton, AMQP.Net Lite and Rhea take a dynamic receiver's address as their reply-to and
     * send it as a plain address, not typed temporary: the broker knows who made that node.
     */
    @Test
    void anAmqpReplyToNamingTheSendersOwnDynamicNodeGetsTheReplyAndAnotherSystemsDoesNot() throws Exception {
        try (Connection crm = amqp("").createConnection(); Connection erp = core()) {
            crm.start();
            erp.start();
            Session s = crm.createSession(false, Session.AUTO_ACKNOWLEDGE);
            TemporaryQueue dynamic = s.createTemporaryQueue();
            MessageConsumer own = s.createConsumer(dynamic);
            TextMessage m = s.createTextMessage(query("nothing"));
            m.setJMSReplyTo(s.createQueue(dynamic.getQueueName()));
            m.setJMSCorrelationID("dynamic-1");
            s.createProducer(s.createQueue("uc.requests")).send(m);
            Message reply = own.receive(20_000);
            assertNotNull(reply, "no reply on the sender's own dynamic node");
            assertEquals("dynamic-1", reply.getJMSCorrelationID());

            // erp, having learnt the name, cannot have its replies carried there.
            Session es = erp.createSession(false, Session.AUTO_ACKNOWLEDGE);
            TextMessage forged = es.createTextMessage(query("nothing"));
            forged.setJMSReplyTo(es.createQueue(dynamic.getQueueName()));
            forged.setJMSCorrelationID("forged-1");
            es.createProducer(es.createQueue("uc.requests")).send(forged);
            assertNull(own.receive(3_000), "a reply to erp's request reached crm's dynamic node");
        }
    }

    @Test
    void anOpenWireSenderWithoutACorrelationIdGetsItsOwnMessageIdBack() throws Exception {
        javax.jms.Connection c = new org.apache.activemq.ActiveMQConnectionFactory("erp", "erp-dev-password",
                "tcp://127.0.0.1:" + brokerPort).createConnection();
        try {
            c.start();
            javax.jms.Session s = c.createSession(false, javax.jms.Session.AUTO_ACKNOWLEDGE);
            javax.jms.TemporaryQueue replies = s.createTemporaryQueue();
            javax.jms.TextMessage m = s.createTextMessage(query("nothing"));
            m.setJMSReplyTo(replies);
            s.createProducer(s.createQueue("uc.requests")).send(m);
            javax.jms.Message reply = s.createConsumer(replies).receive(20_000);
            assertNotNull(reply, "no OpenWire reply");
            assertEquals(m.getJMSMessageID(), reply.getJMSCorrelationID());
        } finally {
            c.close();
        }
    }

    private javax.jms.Connection openWire(String user, String clientId) throws javax.jms.JMSException {
        javax.jms.Connection c = new org.apache.activemq.ActiveMQConnectionFactory(user, user + "-dev-password",
                "tcp://127.0.0.1:" + brokerPort).createConnection();
        c.setClientID(clientId);
        c.start();
        return c;
    }

    @Test
    void anOpenWireClientMayRemoveOnlyItsOwnDurableEventsSubscription() throws Exception {
        org.apache.activemq.artemis.core.server.ActiveMQServer server = context.getRegistry()
                .lookupByNameAndType("embeddedBroker", org.uchub.broker.EmbeddedBroker.class).server();
        javax.jms.Connection crm = openWire("crm", "crmClient");
        try {
            javax.jms.Session s = crm.createSession(false, javax.jms.Session.AUTO_ACKNOWLEDGE);
            s.createDurableSubscriber(s.createTopic("uc.events.crm"), "orders").close();
        } finally {
            crm.close();
        }
        assertNotNull(server.locateQueue("crmClient.orders"), "crm's durable subscription");
        // No advisories: erp's client does not learn the temporary queues (and hosts) of others.
        javax.jms.Connection watcher = openWire("erp", "watcher");
        try {
            javax.jms.Session ws = watcher.createSession(false, javax.jms.Session.AUTO_ACKNOWLEDGE);
            javax.jms.MessageConsumer advisories = ws.createConsumer(ws.createTopic("ActiveMQ.Advisory.TempQueue"));
            javax.jms.Connection other = openWire("crm", "other");
            try {
                other.createSession(false, javax.jms.Session.AUTO_ACKNOWLEDGE).createTemporaryQueue();
                assertEquals(null, advisories.receive(1_000), "an advisory about crm's temporary queue");
            } finally {
                other.close();
            }
        } finally {
            watcher.close();
        }
        // erp takes crm's client id and unsubscribes it: Artemis would destroy the queue unchecked.
        javax.jms.Connection erp = openWire("erp", "crmClient");
        try {
            javax.jms.Session s = erp.createSession(false, javax.jms.Session.AUTO_ACKNOWLEDGE);
            org.junit.jupiter.api.Assertions.assertThrows(javax.jms.JMSException.class, () -> s.unsubscribe("orders"));
            s.createProducer(s.createQueue("uc.requests")); // the connection is still good
        } finally {
            erp.close();
        }
        assertNotNull(server.locateQueue("crmClient.orders"), "crm's subscription is still there, with its events");
        assertNotNull(server.locateQueue("ExpiryQueue"));
        // crm itself may.
        javax.jms.Connection own = openWire("crm", "crmClient");
        try {
            own.createSession(false, javax.jms.Session.AUTO_ACKNOWLEDGE).unsubscribe("orders");
        } finally {
            own.close();
        }
        assertEquals(null, server.locateQueue("crmClient.orders"));
    }

    @Test
    void aBinaryCorrelationIdComesBackAsTheSameBytes() throws Exception {
        byte[] id = {0, 1, 2, (byte) 0xfe, (byte) 0xff};
        assertArrayEquals(id, requestReply(amqp("").createConnection(), query("nothing"), m -> m.setJMSCorrelationIDAsBytes(id))
                .reply().getJMSCorrelationIDAsBytes(), "over AMQP");
        assertArrayEquals(id, requestReply(core(), query("nothing"), m -> m.setJMSCorrelationIDAsBytes(id))
                .reply().getJMSCorrelationIDAsBytes(), "over CORE");
    }

    /**
     * A request applied just before its hub died is redelivered; it must be known again. Artemis
     * makes up an AMQP message's JMS id afresh at every delivery, so that id cannot tell.
     */
    @Test
    void anAmqpRequestIsTheSameRequestEachTimeTheBrokerDeliversIt() throws Exception {
        context.getRouteController().stopRoute("jms-consume");
        try (Connection c = amqp("").createConnection()) {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            s.createProducer(s.createQueue("uc.requests")).send(s.createTextMessage(query("first")));
            s.createProducer(s.createQueue("uc.requests")).send(s.createTextMessage(query("second")));
        }
        JmsRequests requests = context.getRegistry().lookupByNameAndType("jmsRequests", JmsRequests.class);
        try (Connection c = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + brokerPort, "uchub", "uchub-dev-password").createConnection()) {
            c.start();
            Session s = c.createSession(true, Session.SESSION_TRANSACTED);
            MessageConsumer consumer = s.createConsumer(s.createQueue("uc.requests"));
            Message first = consumer.receive(10_000);
            Message second = consumer.receive(10_000);
            String firstId = requests.redeliveryId(first);
            String firstJmsId = first.getJMSMessageID();
            assertNotEquals(firstId, requests.redeliveryId(second));
            s.rollback();
            Message again = consumer.receive(10_000);
            assertEquals(2, again.getIntProperty("JMSXDeliveryCount"));
            // What made this test necessary: the JMS id changed.
            assertNotEquals(firstJmsId, again.getJMSMessageID());
            assertEquals(firstId, requests.redeliveryId(again));
            s.commit();
        }
    }

    @Test
    void aTextMessageIsReadAsItsCharactersWhateverEncodingItsXmlDeclarationNames() throws Exception {
        for (String encoding : new String[] {"ISO-8859-1", "UTF-16", "windows-1252"}) {
            String businessId = "T-" + encoding;
            String reply = requestReply(core(), "<?xml version=\"1.0\" encoding=\"" + encoding + "\"?>" + conference(businessId, SUBJECT),
                    m -> { }).replyText();
            assertTrue(reply.contains("ACCEPTED"), encoding + ": " + reply);
            assertEquals(SUBJECT, subjectOf("erp", businessId), encoding);
        }
    }

    private Connection core() throws JMSException {
        return new ActiveMQConnectionFactory("tcp://127.0.0.1:" + brokerPort, "erp", "erp-dev-password").createConnection();
    }

    /** A request and its reply. */
    private record Exchanged(TextMessage request, Message reply) {
        String replyText() throws JMSException {
            return ((TextMessage) reply).getText();
        }
    }

    interface Shaping {
        void shape(TextMessage m) throws Exception;
    }

    /** Sends the request over the connection, shaped as the test wants, with a temporary queue of its own for the reply. */
    private static Exchanged requestReply(Connection c, String body, Shaping shaping) throws Exception {
        try (c) {
            c.start();
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            TemporaryQueue replies = s.createTemporaryQueue();
            TextMessage m = s.createTextMessage(body);
            m.setJMSReplyTo(replies);
            shaping.shape(m);
            s.createProducer(s.createQueue("uc.requests")).send(m);
            Message reply = s.createConsumer(replies).receive(20_000);
            assertNotNull(reply, "no reply within 20 s");
            return new Exchanged(m, reply);
        }
    }

    /** A STOMP frame with content-length becomes a bytes message; its content-type's charset says how to read it. */
    @Test
    void aStompFrameIsReadInTheCharsetItsContentTypeNames() throws Exception {
        String json = "{\"StartSession\": {\"businessId\": \"S-latin\", \"channel\": \"conference\", \"participants\": "
                + "{\"participant\": [{\"number\": \"+4930111111\"}]}, \"options\": {\"subject\": \"" + SUBJECT + "\"}}}";
        String xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>" + conference("S-xml", SUBJECT);
        try (Socket socket = new Socket("127.0.0.1", brokerPort)) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(frame("CONNECT", "accept-version:1.2\nhost:localhost\nlogin:crm\npasscode:crm-dev-password\n", new byte[0]));
            assertTrue(readFrame(in).startsWith("CONNECTED"));
            out.write(frame("SUBSCRIBE", "id:1\ndestination:/queue/uc.replies.crm\nack:auto\n", new byte[0]));
            sendStomp(out, "application/json;charset=ISO-8859-1", json.getBytes(StandardCharsets.ISO_8859_1), "1");
            String accepted = readFrame(in);
            assertTrue(accepted.contains("ACCEPTED"), accepted);
            // The transport's charset wins over the declaration (RFC 7303): this XML says UTF-8 but is windows-1252.
            sendStomp(out, "text/xml; charset=\"windows-1252\"", xml.getBytes(Charset.forName("windows-1252")), "2");
            accepted = readFrame(in);
            assertTrue(accepted.contains("ACCEPTED"), accepted);
            sendStomp(out, "application/json;charset=x-no-such-charset", json.getBytes(StandardCharsets.UTF_8), "3");
            String refused = readFrame(in);
            assertTrue(refused.contains("MALFORMED_REQUEST") && refused.contains("x-no-such-charset"), refused);
            sendStomp(out, "application/json;charset=us-ascii", json.getBytes(StandardCharsets.ISO_8859_1), "4");
            refused = readFrame(in);
            assertTrue(refused.contains("MALFORMED_REQUEST") && refused.contains("US-ASCII"), refused);
        }
        assertEquals(SUBJECT, subjectOf("crm", "S-latin"));
        assertEquals(SUBJECT, subjectOf("crm", "S-xml"));
    }

    private static void sendStomp(OutputStream out, String contentType, byte[] body, String correlation) throws IOException {
        out.write(frame("SEND", "destination:/queue/uc.requests\nreply-to:/queue/uc.replies.crm\ncorrelation-id:" + correlation
                + "\ncontent-type:" + contentType + "\ncontent-length:" + body.length + "\n", body));
    }

    /** A sender may give a property the hub reads any type; one that is not text is not there, rather than an error. */
    @Test
    void propertiesOfAnotherTypeThanTextAreIgnoredNotFatal() throws Exception {
        Exchanged x = requestReply(core(), conference("P-1", SUBJECT), m -> {
            org.apache.activemq.artemis.api.core.Message core = ((org.apache.activemq.artemis.jms.client.ActiveMQMessage) m).getCoreMessage();
            core.putBytesProperty("NATIVE_MESSAGE_ID", new byte[] {1});
            core.putBytesProperty("__HDR_MESSAGE_ID", new byte[] {2});
            core.putBytesProperty("_AMQ_CONTENT_TYPE", new byte[] {3});
        });
        assertTrue(x.replyText().contains("ACCEPTED"), x.replyText());
        assertEquals(x.request().getJMSMessageID(), x.reply().getJMSCorrelationID());
        assertEquals(SUBJECT, subjectOf("erp", "P-1"));
    }

    /**
     * Over 100 KiB an AMQP message is a large message to Artemis, kept in a file of its own and
     * rebuilt from it for the hub: the broker's stamps must reach the hub all the same (until
     * 2026-11-30 every such request was refused with UNKNOWN_TENANT), and a tenant the sender
     * wrote into the message itself must not.
     */
    @Test
    void aLargeAmqpRequestIsItsAuthenticatedSendersWhateverItClaims() throws Exception {
        String big = conference("L-1", SUBJECT).replace("</businessId>", "</businessId><!--" + "x".repeat(150_000) + "-->");
        Exchanged x = requestReply(amqp("").createConnection(), big, m -> {
            m.setStringProperty("_UC_TENANT", "erp");
            m.setStringProperty("_UC_MSG_ID", "forged");
        });
        assertTrue(x.replyText().contains("ACCEPTED"), x.replyText());
        assertEquals(x.request().getJMSMessageID(), x.reply().getJMSCorrelationID());
        assertEquals(SUBJECT, subjectOf("crm", "L-1"));
        rejected("erp", query("L-1"), "NOT_FOUND");
    }

    /** An AMQP sender's reply-to of "/queue/x" reaches Artemis as a queue named "/queue/x". */
    @Test
    void aReplyQueueNamedTheStompWayIsTheQueueItNames() throws JMSException {
        assertEquals("uc.replies.crm", ((ActiveMQDestination) JmsRequests.replyDestination(ActiveMQDestination.fromPrefixedName("queue:///queue/uc.replies.crm"))).getAddress());
        assertEquals("uc.replies.crm", ((ActiveMQDestination) JmsRequests.replyDestination(ActiveMQJMSClient.createQueue("uc.replies.crm"))).getAddress());
        assertNull(JmsRequests.replyDestination(null));
    }
}
