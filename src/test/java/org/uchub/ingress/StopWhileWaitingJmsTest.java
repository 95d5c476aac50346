package org.uchub.ingress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.zaxxer.hikari.HikariDataSource;
import jakarta.jms.Connection;
import jakarta.jms.Message;
import jakarta.jms.Session;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;
import org.uchub.broker.BrokerUsers;
import org.uchub.broker.EmbeddedBroker;
import org.uchub.broker.HubSecurityManager;

/**
 * A JMS request waiting for the session log when the hub stops goes back onto uc.requests
 * (the transaction rolls back), not into the dead-letter queue as if it had failed for good.
 * The broker is one of its own here (with the UC Hub plugins), so that it outlives the hub
 * and can be asked afterwards.
 */
class StopWhileWaitingJmsTest extends HubTestSupport {
    private final int port = freePort();
    private EmbeddedBroker broker;

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        try {
            BrokerUsers users = BrokerUsers.load(Path.of("config/users.properties"));
            broker = new EmbeddedBroker(new EmbeddedBroker.Settings(dataDir.resolve("own-broker"),
                    "tcp://127.0.0.1:" + port + "?protocols=CORE", "uc.requests", "DLQ.uc.requests", "uc.events", 3, 100, 2.0, 1000,
                    users.users(), 1000), new HubSecurityManager(users, "uchub", "uchub-dev-password", "uc.requests", "uc.events"));
            broker.start();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        p.setProperty("broker.url", "tcp://127.0.0.1:" + port);
        p.setProperty("broker.external.plugins", "true");
        p.setProperty("broker.redelivery-delay-ms", "300");
        p.setProperty("broker.max-redelivery-delay-ms", "300");
        p.setProperty("jms.retries", "100");
        return unreachablePbx(p);
    }

    @AfterEach
    void stopBroker() throws Exception {
        if (broker != null) {
            broker.stop();
        }
    }

    @Test
    void aRequestWaitingForTheSessionLogGoesBackOntoItsQueueWhenTheHubStops() throws Exception {
        await(() -> context.getRouteController().getRouteStatus("jms-consume").isStarted(), 15_000, "the JMS ingress open");
        context.getRegistry().lookupByNameAndType("dataSource", HikariDataSource.class).close();
        ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + port, "erp", "erp-dev-password");
        try (Connection c = cf.createConnection()) {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            s.createProducer(s.createQueue("uc.requests")).send(s.createTextMessage(startConference("stop-jms-1", null, "+4930111111")));
        }
        Thread.sleep(2_000); // taken, tried, waiting for its next try
        context.stop();
        ActiveMQConnectionFactory hub = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + port, "uchub", "uchub-dev-password");
        try (Connection c = hub.createConnection()) {
            c.start();
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            assertNull(s.createConsumer(s.createQueue("DLQ.uc.requests")).receive(1_000), "nothing dead-lettered");
            Message back = s.createConsumer(s.createQueue("uc.requests")).receive(5_000);
            assertNotNull(back, "the request is back on uc.requests, for the hub after its restart");
            assertEquals("erp", back.getStringProperty("_UC_TENANT"));
        }
    }
}
