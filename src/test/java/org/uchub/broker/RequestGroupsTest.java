package org.uchub.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.uchub.StompFrames.frame;
import static org.uchub.StompFrames.readFrame;

import jakarta.jms.Connection;
import jakarta.jms.DeliveryMode;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.activemq.artemis.jms.client.ActiveMQMessage;
import org.apache.qpid.jms.JmsConnectionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uchub.HubTestSupport;

/**
 * The message group, priority and delivery time of a request are the broker's, whatever its
 * sender set, over every protocol: a group of the sender's own could name another tenant's
 * group and close it (JMSXGroupSeq -1), letting that tenant's next request overtake the one
 * before it; a priority or a delivery time reorders requests even within one group.
 */
class RequestGroupsTest {
    private static final String NS = "xmlns=\"urn:uc-hub:session:v1\"";
    private final int port = HubTestSupport.freePort();
    private EmbeddedBroker broker;

    @TempDir
    Path dir;

    @BeforeEach
    void startBroker() throws Exception {
        BrokerUsers users = BrokerUsers.load(Path.of("config/users.properties"));
        broker = new EmbeddedBroker(new EmbeddedBroker.Settings(dir, "tcp://127.0.0.1:" + port
                + "?protocols=CORE,AMQP,STOMP,OPENWIRE;anycastPrefix=/queue/;supportAdvisory=false", "uc.requests", "DLQ.uc.requests",
                "uc.events", 3, 100, 2.0, 1000, users.users(), 1000),
                new HubSecurityManager(users, "uchub", "uchub-dev-password", "uc.requests", "uc.events"));
        broker.start();
    }

    @AfterEach
    void stopBroker() throws Exception {
        broker.stop();
    }

    private static String modify(String businessId) {
        return "<ModifySession " + NS + "><businessId>" + businessId + "</businessId><mute><participant><number>+4930111111"
                + "</number></participant></mute></ModifySession>";
    }

    private Connection core(String user, String options) throws Exception {
        Connection c = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + port + options, user, user + "-dev-password").createConnection();
        c.start();
        return c;
    }

    private Connection hub(String options) throws Exception {
        Connection c = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + port + options, "uchub", "uchub-dev-password").createConnection();
        c.start();
        return c;
    }

    private void sendCore(String user, String body, String group, Integer groupSeq) throws Exception {
        try (Connection c = core(user, "")) {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            TextMessage m = s.createTextMessage(body);
            if (group != null) {
                m.setStringProperty("JMSXGroupID", group);
            }
            if (groupSeq != null) {
                m.setIntProperty("JMSXGroupSeq", groupSeq);
            }
            s.createProducer(s.createQueue("uc.requests")).send(m);
        }
    }

    private static String groupOf(Message m) throws Exception {
        return m.getStringProperty("JMSXGroupID");
    }

    /**
     * crm's request is being served (its consumer holds it, as the hub does while it retries);
     * erp sends a message naming crm's group with group sequence -1, which closed that group:
     * crm's next request of the business ID then went to the other consumer and overtook it.
     */
    @Test
    void aTenantCannotCloseAnotherTenantsGroup() throws Exception {
        // A window of one message: the first consumer takes no second one until it has read the
        // first, so the next request of a closed group has to go to the other consumer.
        try (Connection first = hub("?consumerWindowSize=1"); Connection second = hub("")) {
            Session s1 = first.createSession(true, Session.SESSION_TRANSACTED);
            MessageConsumer c1 = s1.createConsumer(s1.createQueue("uc.requests"));
            sendCore("crm", modify("4711"), null, null);
            Message held = c1.receive(5000);
            assertNotNull(held, "crm's first request");
            assertEquals("crm/4711", groupOf(held));

            Session s2 = second.createSession(true, Session.SESSION_TRANSACTED);
            MessageConsumer c2 = s2.createConsumer(s2.createQueue("uc.requests"));
            sendCore("erp", modify("E-9"), "crm/4711", -1);
            sendCore("crm", modify("4711") + "<!-- the second -->", null, null);

            List<Message> atSecond = new ArrayList<>();
            for (Message m = c2.receive(2000); m != null; m = c2.receive(500)) {
                atSecond.add(m);
            }
            for (Message m : atSecond) {
                assertFalse(((TextMessage) m).getText().contains("the second"),
                        "crm's second request went to another consumer while its first was still being served");
            }
            // Both reach the consumer that holds crm's group once it is free; erp's in erp's own group.
            s1.commit();
            List<Message> all = new ArrayList<>(atSecond);
            for (Message m = c1.receive(2000); m != null; m = c1.receive(500)) {
                all.add(m);
            }
            Map<String, String> groups = new HashMap<>();
            for (Message m : all) {
                groups.put(((TextMessage) m).getText().contains("E-9") ? "erp" : "crm", groupOf(m));
                assertEquals(0, ((ActiveMQMessage) m).getCoreMessage().getGroupSequence(), "no group sequence");
            }
            assertEquals(Map.of("erp", "erp/E-9", "crm", "crm/4711"), groups);
        }
    }

    /**
     * Every protocol's sender sets its own group, a group sequence that would close it, the
     * highest priority and a delivery time a minute away: the request arrives at once, in its
     * tenant's group of its business ID, at the default priority.
     */
    @Test
    void whatASenderSetsDoesNotChangeTheOrderOverAnyProtocol() throws Exception {
        try (Connection c = core("erp", "")) {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageProducer p = s.createProducer(s.createQueue("uc.requests"));
            p.setDeliveryDelay(60_000);
            TextMessage m = s.createTextMessage(modify("CORE-1"));
            m.setStringProperty("JMSXGroupID", "crm/4711");
            m.setIntProperty("JMSXGroupSeq", -1);
            p.send(m, DeliveryMode.PERSISTENT, 9, 0);
        }
        try (Connection c = new JmsConnectionFactory("crm", "crm-dev-password", "amqp://127.0.0.1:" + port).createConnection()) {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageProducer p = s.createProducer(s.createQueue("uc.requests"));
            p.setDeliveryDelay(60_000);
            TextMessage m = s.createTextMessage(modify("AMQP-1"));
            m.setStringProperty("JMSXGroupID", "erp/4711");
            m.setIntProperty("JMSXGroupSeq", -1);
            p.send(m, DeliveryMode.PERSISTENT, 9, 0);
        }
        org.apache.activemq.ActiveMQConnectionFactory openwire = new org.apache.activemq.ActiveMQConnectionFactory("crm",
                "crm-dev-password", "tcp://127.0.0.1:" + port);
        javax.jms.Connection ow = openwire.createConnection();
        try {
            javax.jms.Session s = ow.createSession(false, javax.jms.Session.AUTO_ACKNOWLEDGE);
            javax.jms.TextMessage m = s.createTextMessage(modify("OW-1"));
            m.setStringProperty("JMSXGroupID", "erp/4711");
            m.setIntProperty("JMSXGroupSeq", -1);
            m.setLongProperty("AMQ_SCHEDULED_DELAY", 60_000);
            s.createProducer(s.createQueue("uc.requests")).send(m, javax.jms.DeliveryMode.PERSISTENT, 9, 0);
        } finally {
            ow.close();
        }
        sendStomp("erp", "JMSXGroupID:crm/4711\n_AMQ_GROUP_SEQ:-1\npriority:9\nAMQ_SCHEDULED_DELAY:60000\n", modify("STOMP-1"));
        // No business ID to read: the sender's own group, but within its tenant; or none.
        sendCore("erp", "<unreadable/>", "crm/4711", -1);
        sendCore("crm", "<unreadable/><!-- none -->", null, null);

        Map<String, String> groups = new HashMap<>();
        try (Connection c = hub("")) {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageConsumer consumer = s.createConsumer(s.createQueue("uc.requests"));
            for (int i = 0; i < 6; i++) {
                Message m = consumer.receive(5000);
                assertNotNull(m, "request " + (i + 1) + " of 6 held back (by its delivery time?); got " + groups);
                String text = ((TextMessage) m).getText();
                String id = text.contains("<businessId>") ? text.replaceAll(".*<businessId>([^<]*)<.*", "$1")
                        : text.contains("none") ? "none" : "unreadable";
                groups.put(id, String.valueOf(groupOf(m)));
                assertEquals(4, m.getJMSPriority(), id);
                assertEquals(0, ((ActiveMQMessage) m).getCoreMessage().getGroupSequence(), id + ": no group sequence");
            }
            assertNull(consumer.receive(200));
        }
        assertEquals(Map.of("CORE-1", "erp/CORE-1", "AMQP-1", "crm/AMQP-1", "OW-1", "crm/OW-1", "STOMP-1", "erp/STOMP-1",
                "unreadable", "erp/crm/4711", "none", "null"), groups);
    }

    private void sendStomp(String user, String headers, String body) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(frame("CONNECT", "accept-version:1.2\nhost:localhost\nlogin:" + user + "\npasscode:" + user + "-dev-password\n", ""));
            assertTrue(readFrame(in).startsWith("CONNECTED"));
            out.write(frame("SEND", "destination:/queue/uc.requests\nreceipt:sent\n" + headers, body));
            String receipt = readFrame(in);
            assertTrue(receipt.startsWith("RECEIPT"), receipt);
        }
    }

    /**
     * A group per business ID, kept for as long as the consumer that took it stays connected,
     * grew with every business ID a long-running hub served, on the request queue and on every
     * events subscription.
     */
    @Test
    void theGroupsAConnectedConsumerHoldsDoNotGrowWithTheBusinessIdsItServed() throws Exception {
        try (Connection erp = core("erp", ""); Connection hub = hub("")) {
            Session send = erp.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageProducer producer = send.createProducer(send.createQueue("uc.requests"));
            Session read = hub.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageConsumer consumer = read.createConsumer(read.createQueue("uc.requests"));
            for (int i = 0; i < 1500; i++) {
                producer.send(send.createTextMessage(modify("grow-" + i)));
                assertNotNull(consumer.receive(5_000), "request " + i);
            }
            assertTrue(broker.server().locateQueue("uc.requests").getGroupCount() <= 1024,
                    broker.server().locateQueue("uc.requests").getGroupCount() + " groups held for 1,500 business IDs");
            Session s = erp.createSession(false, Session.AUTO_ACKNOWLEDGE);
            s.createSharedDurableConsumer(s.createTopic("uc.events.erp"), "buckets").close();
        }
        org.apache.activemq.artemis.core.server.Queue sub = broker.server().getPostOffice().listQueuesForAddress(
                org.apache.activemq.artemis.api.core.SimpleString.of("uc.events.erp")).get(0);
        assertEquals(1024, sub.getGroupBuckets(), "an events subscription's buckets");
    }
}
