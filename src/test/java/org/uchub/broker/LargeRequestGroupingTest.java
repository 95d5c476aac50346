package org.uchub.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.jms.BytesMessage;
import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.Message;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.activemq.artemis.core.postoffice.RoutingStatus;
import org.apache.activemq.artemis.core.server.ServerSession;
import org.apache.activemq.artemis.core.server.plugin.ActiveMQServerPlugin;
import org.apache.activemq.artemis.core.transaction.Transaction;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.qpid.jms.JmsConnectionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uchub.HubTestSupport;

/**
 * A request too big for one broker packet (a fax document inside it, say) is stored as a
 * large message. It must still join the message group of its business ID, or a modify sent
 * after it could overtake it on another consumer.
 */
class LargeRequestGroupingTest {
    private static final int PADDING = 300 * 1024;
    private final int port = HubTestSupport.freePort();
    private EmbeddedBroker broker;

    @TempDir
    Path dir;

    @BeforeEach
    void startBroker() throws Exception {
        BrokerUsers users = BrokerUsers.load(Path.of("config/users.properties"));
        broker = new EmbeddedBroker(new EmbeddedBroker.Settings(dir, "tcp://127.0.0.1:" + port + "?protocols=CORE,AMQP",
                "uc.requests", "DLQ.uc.requests", "uc.events", 3, 100, 2.0, 1000, users.users(), 1000),
                new HubSecurityManager(users, "uchub", "uchub-dev-password", "uc.requests", "uc.events"));
        broker.start();
    }

    @AfterEach
    void stopBroker() throws Exception {
        broker.stop();
    }

    private static String request(String businessId) {
        // The businessId first, then far more than a packet of padding.
        return "<StartSession xmlns=\"urn:uc-hub:session:v1\"><businessId>" + businessId + "</businessId><!-- "
                + "x".repeat(PADDING) + " --><channel>call</channel></StartSession>";
    }

    private void send(ConnectionFactory cf, boolean asBytes, String businessId) throws Exception {
        try (Connection c = cf.createConnection()) {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageProducer p = s.createProducer(s.createQueue("uc.requests"));
            if (asBytes) {
                BytesMessage m = s.createBytesMessage();
                m.writeBytes(request(businessId).getBytes(StandardCharsets.UTF_8));
                p.send(m);
            } else {
                p.send(s.createTextMessage(request(businessId)));
            }
        }
    }

    private String groupOfNextRequest() throws Exception {
        try (Connection c = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + port, "uchub", "uchub-dev-password").createConnection()) {
            c.start();
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Message m = s.createConsumer(s.createQueue("uc.requests")).receive(10_000);
            assertNotNull(m, "the request");
            return m.getStringProperty("JMSXGroupID");
        }
    }

    @Test
    void aLargeCoreTextRequestJoinsTheGroupOfItsBusinessId() throws Exception {
        send(new ActiveMQConnectionFactory("tcp://127.0.0.1:" + port, "erp", "erp-dev-password"), false, "LARGE-1");
        assertEquals("erp/LARGE-1", groupOfNextRequest());
    }

    @Test
    void aLargeCoreBytesRequestJoinsTheGroupOfItsBusinessId() throws Exception {
        send(new ActiveMQConnectionFactory("tcp://127.0.0.1:" + port, "erp", "erp-dev-password"), true, "LARGE-2");
        assertEquals("erp/LARGE-2", groupOfNextRequest());
    }

    @Test
    void aSmallAmqpRequestJoinsTheGroupOfItsBusinessId() throws Exception {
        try (Connection c = new JmsConnectionFactory("crm", "crm-dev-password", "amqp://127.0.0.1:" + port).createConnection()) {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            jakarta.jms.TextMessage m = s.createTextMessage(
                    "<StartSession xmlns=\"urn:uc-hub:session:v1\"><businessId>SMALL-3</businessId></StartSession>");
            m.setJMSReplyTo(s.createQueue("uc.replies.crm"));
            m.setStringProperty("_UC_TENANT", "erp");
            s.createProducer(s.createQueue("uc.requests")).send(m);
        }
        // Encoded again with its group, the message keeps what else the broker and the sender put on it.
        try (Connection c = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + port, "uchub", "uchub-dev-password").createConnection()) {
            c.start();
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            jakarta.jms.TextMessage m = (jakarta.jms.TextMessage) s.createConsumer(s.createQueue("uc.requests")).receive(10_000);
            assertNotNull(m, "the request");
            assertEquals("crm/SMALL-3", m.getStringProperty("JMSXGroupID"));
            assertEquals("crm", m.getStringProperty("_UC_TENANT"));
            assertEquals("uc.replies.crm", ((jakarta.jms.Queue) m.getJMSReplyTo()).getQueueName());
            assertTrue(m.getText().contains("<businessId>SMALL-3</businessId>"), m.getText());
        }
    }

    /**
     * A large AMQP message is stored apart from its sections, so the group the broker gives it
     * is not in what a consumer reads; the queue takes it from the message the broker holds,
     * which is what this test looks at.
     */
    @Test
    void aLargeAmqpRequestJoinsTheGroupOfItsBusinessId() throws Exception {
        Map<String, String> groups = new ConcurrentHashMap<>();
        broker.server().registerBrokerPlugin(new ActiveMQServerPlugin() {
            @Override
            public void afterSend(ServerSession session, Transaction tx, org.apache.activemq.artemis.api.core.Message message,
                    boolean direct, boolean noAutoCreateQueue, RoutingStatus result) {
                groups.put(message.getClass().getSimpleName(), String.valueOf(message.getGroupID()));
            }
        });
        send(new JmsConnectionFactory("crm", "crm-dev-password", "amqp://127.0.0.1:" + port), false, "LARGE-3");
        assertEquals(Map.of("AMQPLargeMessage", "crm/LARGE-3"), groups);
        // And it is still delivered whole.
        groupOfNextRequest();
    }

}
