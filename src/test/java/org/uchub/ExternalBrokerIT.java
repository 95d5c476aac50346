package org.uchub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.jms.Connection;
import jakarta.jms.Message;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.JMSSecurityException;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Queue;
import jakarta.jms.TextMessage;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.apache.qpid.jms.JmsConnectionFactory;
import org.junit.jupiter.api.function.Executable;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.uchub.contract.ReplyStatus;

/**
 * The hub as a client of a standalone Artemis broker (its own distribution, its own
 * process) configured from the shipped sample (examples/external-broker): request/reply and
 * events with the tenant the broker validated, for CORE and AMQP senders; what a business
 * system may and may not do there; and the broker killed and restarted, once with requests
 * queued and once while a sender is still sending, after which the hub has reconnected by
 * itself and applied every request exactly once.
 */
@org.junit.jupiter.api.Timeout(value = 6, unit = java.util.concurrent.TimeUnit.MINUTES)
class ExternalBrokerIT extends HubTestSupport {
    private static StandaloneArtemis broker;
    // JUnit removes it after the class: a broker instance is some 20 MB, and CI machines are reused.
    @org.junit.jupiter.api.io.TempDir
    static Path dir;

    @BeforeAll
    static void startBroker() throws Exception {
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
        p.setProperty("broker.external.plugins", "true");
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
            MessageConsumer events = s.createConsumer(s.createTopic("uc.events.erp"), "businessId = 'X-1'");
            Message reply = startConferenceAndAwaitReply(s, "erp", "X-1", "x-1");
            assertNotNull(reply, "no reply through the external broker");
            assertEquals("x-1", reply.getJMSCorrelationID());
            assertEquals(ReplyStatus.ACCEPTED, sessionReply(((TextMessage) reply).getText()).getStatus());
            Message first = events.receive(30_000);
            assertNotNull(first, "no event on the tenant's own events address");
            assertEquals("erp", first.getStringProperty("tenant"));
            assertEquals(1L, first.getLongProperty("seq"));
        }
        assertEquals(ReplyStatus.OK, ok("erp", query("X-1")).getStatus());
        rejected("crm", query("X-1"), "NOT_FOUND");
    }

    @Test
    void theSampleBrokerConfigurationLetsABusinessSystemOnlySendRequestsAndReadItsOwnRepliesAndEvents() throws Exception {
        try (Connection c = client("erp")) {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            assertDenied(() -> s.createConsumer(s.createQueue("uc.requests")), "consume uc.requests");
            assertDenied(() -> s.createConsumer(s.createQueue("uc.replies.crm")), "read another system's replies");
            assertDenied(() -> s.createConsumer(s.createTopic("uc.events.crm")), "read another system's events");
            assertDenied(() -> s.createConsumer(s.createTopic("uc.events")), "read every tenant's events");
            assertDenied(() -> s.createProducer(s.createTopic("uc.events")).send(s.createTextMessage("forged")), "publish events");
            assertDenied(() -> s.createProducer(s.createQueue("uc.replies.crm")).send(s.createTextMessage("forged")),
                    "send into another system's replies");
            assertDenied(() -> s.createConsumer(s.createQueue("DLQ.uc.requests")), "read the dead letters");
            assertDenied(s::createTemporaryQueue, "create a temporary queue (any user could read it on a plain broker)");
        }
    }

    /** Sends a conference start to uc.requests with the tenant's reply queue as JMSReplyTo; the reply, or null after 30 s. */
    private static Message startConferenceAndAwaitReply(Session s, String tenant, String businessId, String correlationId)
            throws Exception {
        Queue replies = s.createQueue("uc.replies." + tenant);
        TextMessage m = s.createTextMessage(startConference(businessId, null, "+4930111111"));
        m.setJMSReplyTo(replies);
        m.setJMSCorrelationID(correlationId);
        s.createProducer(s.createQueue("uc.requests")).send(m);
        return s.createConsumer(replies).receive(30_000);
    }

    private static void assertDenied(Executable action, String what) {
        JMSSecurityException e = assertThrows(JMSSecurityException.class, action, "a business system may not " + what);
        assertTrue(e.getMessage().contains("AMQ229032") || e.getMessage().contains("AMQ229213"), e.getMessage());
    }

    /**
     * Whether the tenant of an AMQP sender reaches the hub through an external broker: the
     * broker stamps the validated user on the AMQP message, and the hub must read it there.
     */
    @Test
    void anAmqpSenderThroughTheExternalBrokerIsItsOwnTenant() throws Exception {
        JmsConnectionFactory amqp = new JmsConnectionFactory("crm", "crm-dev-password", "amqp://127.0.0.1:" + broker.port);
        try (Connection c = amqp.createConnection()) {
            c.start();
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Message reply = startConferenceAndAwaitReply(s, "crm", "XA-1", "xa-1");
            assertNotNull(reply, "no reply to the AMQP sender");
            assertEquals(ReplyStatus.ACCEPTED, sessionReply(((TextMessage) reply).getText()).getStatus(),
                    ((TextMessage) reply).getText());
        }
        assertEquals(ReplyStatus.OK, ok("crm", query("XA-1")).getStatus());
        rejected("erp", query("XA-1"), "NOT_FOUND");
        // The plugins grouped it by its business ID inside the broker's own class loader.
        assertFalse(broker.consoleLog().contains("Cannot set the message group"), broker.consoleLog());
    }

    /**
     * A STOMP sender names its destinations as the README says (/queue/uc.requests,
     * reply-to:/queue/uc.replies.<user>): the acceptor's prefixes (README step 3) make them the
     * addresses the sample's security grants; without them the broker refused the SEND.
     */
    @Test
    void aStompSenderThroughTheExternalBrokerGetsItsReply() throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", broker.port)) {
            socket.setSoTimeout(30_000);
            java.io.OutputStream out = socket.getOutputStream();
            java.io.InputStream in = socket.getInputStream();
            out.write(StompFrames.frame("CONNECT", "accept-version:1.2\nhost:localhost\nlogin:erp\npasscode:erp-dev-password\n", ""));
            String connected = StompFrames.readFrame(in);
            assertTrue(connected.startsWith("CONNECTED"), connected);
            out.write(StompFrames.frame("SUBSCRIBE", "id:1\ndestination:/queue/uc.replies.erp\nack:auto\nreceipt:subscribed\n", ""));
            String subscribed = StompFrames.readFrame(in);
            assertTrue(subscribed.startsWith("RECEIPT"), subscribed);
            out.write(StompFrames.frame("SEND", "destination:/queue/uc.requests\nreply-to:/queue/uc.replies.erp\ncorrelation-id:xs-1\n"
                    + "content-type:application/xml\n", startConference("XS-1", null, "+4930111111")));
            String reply = StompFrames.readFrame(in);
            assertTrue(reply.startsWith("MESSAGE") && reply.contains("correlation-id:xs-1") && reply.contains("ACCEPTED"), reply);
        }
        assertEquals(ReplyStatus.OK, ok("erp", query("XS-1")).getStatus());
        rejected("crm", query("XS-1"), "NOT_FOUND");
    }

    /**
     * A sender keeps sending while the broker is killed and restarted. Its client reconnects
     * and sends again what failed, with the same requestId (a resent message gets a new JMS
     * message ID), so each request takes effect exactly once.
     */
    @Test
    void aBrokerKilledWhileASenderIsSendingLosesNothingAndAppliesNothingTwice() throws Exception {
        int n = 400;
        AtomicInteger sent = new AtomicInteger();
        AtomicInteger resent = new AtomicInteger();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        ActiveMQConnectionFactory cf = new ActiveMQConnectionFactory(broker.url() + "?reconnectAttempts=-1&retryInterval=200"
                + "&initialConnectAttempts=-1", "erp", "erp-dev-password");
        Thread sender = new Thread(() -> {
            try (Connection c = cf.createConnection()) {
                Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
                MessageProducer p = s.createProducer(s.createQueue("uc.requests"));
                for (int i = 0; i < n; i++) {
                    String request = startConference("W-" + i, "w-" + i, "+4930111111").replace("<channel>conference",
                            "<channel>call").replace("</participants>",
                                    "<participant><number>+4930222222</number></participant></participants>");
                    for (int attempt = 1; ; attempt++) {
                        try {
                            p.send(s.createTextMessage(request));
                            break;
                        } catch (JMSSecurityException e) {
                            throw e;
                        } catch (jakarta.jms.JMSException e) {
                            if (attempt == 300) {
                                throw e;
                            }
                            // Not known whether the broker took it: send again, the requestId decides.
                            resent.incrementAndGet();
                            Thread.sleep(200);
                        }
                    }
                    sent.incrementAndGet();
                    Thread.sleep(5);
                }
            } catch (Throwable t) {
                failed.set(t);
            }
        }, "legacy-sender");
        sender.start();
        await(() -> sent.get() >= 80, 60_000, "the sender did not get going");
        broker.kill();
        long sentAtKill = sent.get();
        Thread.sleep(2000);
        broker.start();
        sender.join(240_000);
        sender.interrupt();
        assertNull(failed.get(), () -> "the sender failed: " + failed.get());
        assertEquals(n, sent.get(), "the sender did not finish");
        await(() -> count("select count(*) from uc_session where business_id like 'W-%'") >= n, 180_000,
                "not every request was applied after the broker came back");
        Thread.sleep(2000);
        assertEquals(n, count("select count(*) from uc_session where business_id like 'W-%'"), "a request was applied twice");
        assertEquals(n, count("select count(distinct business_id) from uc_session where business_id like 'W-%'"));
        assertDeadLettersEmpty();
        System.out.println("sent before the kill: " + sentAtKill + " of " + n + "; sends repeated: " + resent.get());
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
        assertDeadLettersEmpty();
        System.out.println("applied before the kill: " + atKill + " of " + n);
    }

    private static void assertDeadLettersEmpty() throws Exception {
        try (Connection c = new ActiveMQConnectionFactory(broker.url(), StandaloneArtemis.HUB_USER, StandaloneArtemis.HUB_PASSWORD)
                .createConnection()) {
            c.start();
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            assertNull(s.createConsumer(s.createQueue("DLQ.uc.requests")).receive(1000), "nothing may end in the DLQ");
        }
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
