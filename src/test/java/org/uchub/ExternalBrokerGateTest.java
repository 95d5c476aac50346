package org.uchub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.jms.Connection;
import jakarta.jms.Message;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.ServiceStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.uchub.boot.RouteFiles;
import org.uchub.broker.BrokerUsers;
import org.uchub.broker.EmbeddedBroker;
import org.uchub.broker.HubSecurityManager;
import org.uchub.broker.TenantStampGate;
import org.uchub.contract.ReplyStatus;

/**
 * An external broker with the UC Hub plugins (here: the hub's own broker class, which loads
 * them, on a TCP port of its own) that is down when the hub starts must not stop the hub:
 * only the JMS ingress waits for it. And a broker that answers without stamping closes the
 * JMS ingress, because a sender could then name any tenant.
 */
class ExternalBrokerGateTest extends HubTestSupport {
    private final int externalPort = freePort();
    private EmbeddedBroker stamping;
    private EmbeddedActiveMQ plain;
    private Path routes;

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        p.setProperty("broker.url", "tcp://127.0.0.1:" + externalPort);
        p.setProperty("broker.external.plugins", "true");
        p.setProperty("broker.tenant-stamp.retry-ms", "200");
        p.setProperty("broker.tenant-stamp.max-retry-ms", "1000");
        p.setProperty("broker.tenant-stamp.recheck-ms", "2000");
        routes = reloadableRoutes(p);
        return unreachablePbx(p);
    }

    @AfterEach
    void stopBrokers() throws Exception {
        if (stamping != null) {
            stamping.stop();
        }
        if (plain != null) {
            plain.stop();
        }
    }

    private void startStampingBroker() throws Exception {
        BrokerUsers users = BrokerUsers.load(Path.of("config/users.properties"));
        stamping = new EmbeddedBroker(new EmbeddedBroker.Settings(dataDir.resolve("external-broker"),
                "tcp://127.0.0.1:" + externalPort + "?protocols=CORE", "uc.requests", "DLQ.uc.requests", "uc.events", 3, 100, 2.0, 1000,
                users.users(), 1000), new HubSecurityManager(users, "uchub", "uchub-dev-password", "uc.requests", "uc.events"));
        stamping.start();
    }

    private ServiceStatus ingress() {
        return context.getRouteController().getRouteStatus("jms-consume");
    }

    private TenantStampGate gate() {
        return context.getRegistry().lookupByNameAndType("tenantStampGate", TenantStampGate.class);
    }

    private TextMessage requestReply(String user, String body) throws Exception {
        try (Connection c = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + externalPort, user, user + "-dev-password")
                .createConnection()) {
            c.start();
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            // Its own reply queue: on an external broker the hub answers no temporary queue.
            jakarta.jms.Queue replies = s.createQueue("uc.replies." + user);
            TextMessage m = s.createTextMessage(body);
            m.setJMSReplyTo(replies);
            s.createProducer(s.createQueue("uc.requests")).send(m);
            Message reply = s.createConsumer(replies).receive(20_000);
            assertNotNull(reply, "no reply within 20 s");
            return (TextMessage) reply;
        }
    }

    @Test
    void aBrokerDownAtStartHoldsOnlyTheJmsIngressWhichOpensOnceTheBrokerAnswersAndStamps() throws Exception {
        assertTrue(context.getStatus().isStarted());
        assertEquals(ServiceStatus.Stopped, ingress());
        assertEquals(TenantStampGate.State.UNREACHABLE, gate().last().state());
        // The rest of the hub serves meanwhile.
        assertEquals(ReplyStatus.ACCEPTED, ok("erp", startConference("gate-1", null, "+4930111111")).getStatus());
        // An edit of the route file meanwhile is taken, and the route stays held back.
        Path jms = routes.resolve("ingress-jms.xml");
        Files.writeString(jms, Files.readString(jms).replace("</routes>", "<!-- edited while held -->\n</routes>"));
        RouteFiles reloader = context.hasService(RouteFiles.class);
        await(() -> reloader.getReloadedCount() == 1, 15_000, "the edited route file is taken");
        assertEquals(0, reloader.getRefusedCount());
        assertEquals(ServiceStatus.Stopped, ingress());

        startStampingBroker();
        await(() -> ingress() == ServiceStatus.Started, 15_000, "the JMS ingress opens once the broker answers and stamps");
        assertEquals(TenantStampGate.State.STAMPED, gate().last().state());
        TextMessage reply = requestReply("crm", startConference("gate-2", null, "+4930111111"));
        assertEquals(ReplyStatus.ACCEPTED, sessionReply(reply.getText()).getStatus(), reply.getText());
        // The tenant is the sender's broker user, as the stamp says.
        assertEquals(ReplyStatus.OK, ok("crm", query("gate-2")).getStatus());

        // The broker goes away again, and the hub is stopped. A connection attempt to the
        // missing broker once held the client factory's lock through the client's 2 s retry
        // interval, so the consumers (and the check, which shared their factory) waited in
        // turn: this stop took 32 to 59 s. (Not a speed target: a bound on a hang.)
        stamping.stop();
        stamping = null;
        long start = System.nanoTime();
        context.stop();
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        assertTrue(seconds < 25, "the hub took " + seconds + " s to stop");
    }

    @Test
    void aBrokerThatComesBackWithoutStampingClosesTheJmsIngressBeforeAForgedRequestIsRead() throws Exception {
        startStampingBroker();
        await(() -> ingress() == ServiceStatus.Started, 15_000, "the JMS ingress opens");

        // The broker goes away: the gate asks again and again until something answers.
        stamping.stop();
        stamping = null;
        await(() -> gate().last().state() == TenantStampGate.State.UNREACHABLE, 15_000, "the gate notices the broker left");

        // It comes back without the plugins (reinstalled, say), and a sender names another tenant.
        plain = new EmbeddedActiveMQ();
        plain.setConfiguration(new ConfigurationImpl().setName("no-plugins").setPersistenceEnabled(false).setSecurityEnabled(false)
                .addAcceptorConfiguration("tcp", "tcp://127.0.0.1:" + externalPort + "?protocols=CORE"));
        plain.start();
        await(() -> gate().last().state() == TenantStampGate.State.NOT_STAMPED, 15_000, "the gate finds the stamp missing");
        assertTrue(gate().last().detail().contains("forged-by-sender"), gate().last().detail());
        await(() -> ingress() == ServiceStatus.Stopped, 15_000, "the JMS ingress closes on a broker that does not stamp");
        try (Connection c = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + externalPort).createConnection()) {
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            TextMessage forged = s.createTextMessage(startConference("forged-1", null, "+4930111111"));
            forged.setStringProperty("_UC_TENANT", "erp");
            s.createProducer(s.createQueue("uc.requests")).send(forged);
        }
        Thread.sleep(3000);
        assertEquals(ServiceStatus.Stopped, ingress());
        rejected("erp", query("forged-1"), "NOT_FOUND");
    }

    @Test
    void aForgedStampIsNotBelievedEvenWhenTheJmsIngressIsStartedAgainstTheGate() throws Exception {
        plain = new EmbeddedActiveMQ();
        plain.setConfiguration(new ConfigurationImpl().setName("no-plugins").setPersistenceEnabled(false).setSecurityEnabled(false)
                .addAcceptorConfiguration("tcp", "tcp://127.0.0.1:" + externalPort + "?protocols=CORE"));
        plain.start();
        await(() -> gate().last().state() == TenantStampGate.State.NOT_STAMPED, 15_000, "the gate finds the stamp missing");
        // Started by hand (JMX, or a route file edited to autoStartup="true"): the gate is not the only guard.
        context.getRouteController().startRoute("jms-consume");
        try (Connection c = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + externalPort).createConnection()) {
            c.start();
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            TextMessage forged = s.createTextMessage(startConference("forged-2", null, "+4930111111"));
            forged.setStringProperty("_UC_TENANT", "erp");
            s.createProducer(s.createQueue("uc.requests")).send(forged);
            Message dead = s.createConsumer(s.createQueue("DLQ.uc.requests")).receive(20_000);
            assertNotNull(dead, "the forged request is kept in the dead-letter queue");
            assertEquals("UNKNOWN_TENANT", dead.getStringProperty("ucErrorCode"));
        }
        rejected("erp", query("forged-2"), "NOT_FOUND");
    }
}
