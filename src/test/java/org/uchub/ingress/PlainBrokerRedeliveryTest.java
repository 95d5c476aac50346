package org.uchub.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import jakarta.jms.Connection;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import java.nio.file.Path;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.ActiveMQServers;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uchub.HubTestSupport;

/**
 * On an external broker without the hub's plugins, a message its sender gave no id (a STOMP
 * frame: Artemis' STOMP never sets one; a CORE producer with message ids disabled) is still
 * the same request each time the broker delivers it, so a redelivery is not applied twice.
 */
class PlainBrokerRedeliveryTest {
    @TempDir
    Path dir;
    private ActiveMQServer broker;
    private final int port = HubTestSupport.freePort();

    @BeforeEach
    void start() throws Exception {
        ConfigurationImpl cfg = new ConfigurationImpl();
        cfg.setSecurityEnabled(false);
        cfg.setPersistenceEnabled(true);
        cfg.setJournalType(org.apache.activemq.artemis.core.server.JournalType.NIO);
        cfg.setJournalDirectory(dir.resolve("journal").toString());
        cfg.setBindingsDirectory(dir.resolve("bindings").toString());
        cfg.setLargeMessagesDirectory(dir.resolve("large").toString());
        cfg.setPagingDirectory(dir.resolve("paging").toString());
        cfg.addAcceptorConfiguration("plain", "tcp://127.0.0.1:" + port);
        broker = ActiveMQServers.newActiveMQServer(cfg, false);
        broker.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (broker != null) {
            broker.stop();
        }
    }

    @Test
    void aMessageWithoutAnIdKeepsOneRedeliveryIdAcrossDeliveries() throws Exception {
        JmsRequests requests = new JmsRequests("DLQ.uc.requests", 1_000_000, false);
        try (Connection c = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + port).createConnection()) {
            c.start();
            Session s = c.createSession(true, Session.SESSION_TRANSACTED);
            MessageProducer p = s.createProducer(s.createQueue("uc.requests"));
            p.setDisableMessageID(true);
            p.send(s.createTextMessage("first"));
            p.send(s.createTextMessage("second"));
            s.commit();
            MessageConsumer consumer = s.createConsumer(s.createQueue("uc.requests"));
            Message first = consumer.receive(10_000);
            Message second = consumer.receive(10_000);
            assertNull(first.getJMSMessageID(), "the case this is about: no JMS id");
            String firstId = requests.redeliveryId(first);
            assertNotNull(firstId);
            assertNotEquals(firstId, requests.redeliveryId(second));
            s.rollback();
            Message again = consumer.receive(10_000);
            assertEquals(2, again.getIntProperty("JMSXDeliveryCount"));
            assertEquals(firstId, requests.redeliveryId(again));
            s.commit();
        }
    }
}
