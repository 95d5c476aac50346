package org.uchub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import jakarta.jms.Connection;
import jakarta.jms.Message;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TemporaryQueue;
import jakarta.jms.TextMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Properties;
import javax.sql.DataSource;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.uchub.contract.ReplyStatus;

/**
 * The hub as a client of a standalone Artemis broker (its own distribution, its own
 * process): request/reply with the tenant the broker validated, and a broker killed and
 * restarted while requests are queued, after which the hub has reconnected by itself and
 * applied every request exactly once.
 */
@org.junit.jupiter.api.Timeout(value = 6, unit = java.util.concurrent.TimeUnit.MINUTES)
class ExternalBrokerIT extends HubTestSupport {
    private static StandaloneArtemis broker;

    @BeforeAll
    static void startBroker() throws Exception {
        Path dir = Files.createTempDirectory("artemis-instance");
        broker = StandaloneArtemis.create(dir.resolve("broker"), freePort());
        broker.start();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        p.setProperty("broker.url", broker.url());
        p.setProperty("broker.username", StandaloneArtemis.HUB_USER);
        p.setProperty("broker.password", StandaloneArtemis.HUB_PASSWORD);
        p.setProperty("jms.consumers", "1");
        return p;
    }

    private Connection client(String user) throws Exception {
        Connection c = new ActiveMQConnectionFactory(broker.url(), user, user + "-dev-password").createConnection();
        c.start();
        return c;
    }

    @Test
    void theHubServesRequestsThroughAnExternalBroker() throws Exception {
        try (Connection c = client("erp")) {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            TemporaryQueue replies = s.createTemporaryQueue();
            TextMessage m = s.createTextMessage(startConference("X-1", null, "+4930111111"));
            m.setJMSReplyTo(replies);
            m.setJMSCorrelationID("x-1");
            s.createProducer(s.createQueue("uc.requests")).send(m);
            Message reply = s.createConsumer(replies).receive(30_000);
            assertNotNull(reply, "no reply through the external broker");
            assertEquals("x-1", reply.getJMSCorrelationID());
            assertEquals(ReplyStatus.NOT_CONNECTED, sessionReply(((TextMessage) reply).getText()).getStatus());
        }
        assertEquals(ReplyStatus.OK, ok("erp", query("X-1")).getStatus());
        rejected("crm", query("X-1"), "NOT_FOUND");
    }

    @Test
    void aBrokerKilledWithRequestsQueuedLosesNothingAndTheHubReconnects() throws Exception {
        int n = 300;
        try (Connection c = client("erp")) {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageProducer p = s.createProducer(s.createQueue("uc.requests"));
            for (int i = 0; i < n; i++) {
                p.send(s.createTextMessage(startConference("R-" + i, "r-" + i, "+4930111111").replace("<channel>conference",
                        "<channel>call").replace("</participants>", "<participant><number>+4930222222</number></participant>"
                        + "</participants>")));
            }
        }
        await(() -> sessions() >= 30, 60_000, "the hub did not start consuming");
        broker.kill();
        long atKill = sessions();
        Thread.sleep(2000);
        broker.start();
        await(() -> sessions() >= n, 180_000, "not every request was applied after the broker came back");
        Thread.sleep(2000);
        assertEquals(n, sessions(), "a request was applied twice");
        assertEquals(n, distinctBusinessIds());
        try (Connection c = new ActiveMQConnectionFactory(broker.url(), StandaloneArtemis.HUB_USER, StandaloneArtemis.HUB_PASSWORD)
                .createConnection()) {
            c.start();
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            assertNull(s.createConsumer(s.createQueue("DLQ.uc.requests")).receive(1000), "nothing may end in the DLQ");
        }
        System.out.println("applied before the kill: " + atKill + " of " + n);
    }

    private long sessions() throws Exception {
        return count("select count(*) from uc_session where business_id like 'R-%'");
    }

    private long distinctBusinessIds() throws Exception {
        return count("select count(distinct business_id) from uc_session where business_id like 'R-%'");
    }

    private long count(String sql) throws Exception {
        DataSource ds = context.getRegistry().lookupByNameAndType("dataSource", DataSource.class);
        try (var c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
