package org.uchub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import jakarta.jms.Connection;
import jakarta.jms.Message;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.uchub.broker.BrokerUsers;
import org.uchub.broker.HubSecurityManager;
import org.uchub.broker.TenantStampGate;
import org.uchub.contract.ReplyStatus;

/**
 * An external broker without the UC Hub plugins (broker.external.plugins=false): the tenant is
 * Artemis' own validated user, which it writes on CORE, OpenWire and STOMP messages when
 * populate-validated-user is on, and never on AMQP ones. An AMQP sender that puts another
 * business system's name into that property must not be taken for it.
 */
class ExternalBrokerWithoutPluginsTest extends HubTestSupport {
    private final int externalPort = freePort();
    private EmbeddedActiveMQ broker;

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        try {
            broker = plainBroker(externalPort, true);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        p.setProperty("broker.url", "tcp://127.0.0.1:" + externalPort);
        p.setProperty("broker.external.plugins", "false");
        p.setProperty("jms.consumers", "1");
        return unreachablePbx(p);
    }

    /** Artemis as its distribution runs it, with the hub's users and rights but none of its plugins. */
    static EmbeddedActiveMQ plainBroker(int port, boolean populateValidatedUser) throws Exception {
        BrokerUsers users = BrokerUsers.load(Path.of("config/users.properties"));
        EmbeddedActiveMQ b = new EmbeddedActiveMQ();
        ConfigurationImpl c = new ConfigurationImpl();
        c.setName("no-plugins").setPersistenceEnabled(false).setSecurityEnabled(true).setPopulateValidatedUser(populateValidatedUser);
        c.addAcceptorConfiguration("tcp", "tcp://127.0.0.1:" + port + "?protocols=CORE,AMQP");
        b.setConfiguration(c);
        b.setSecurityManager(new HubSecurityManager(users, "uchub", "uchub-dev-password", "uc.requests", "uc.events"));
        b.start();
        return b;
    }

    @AfterEach
    void stopBroker() throws Exception {
        if (broker != null) {
            broker.stop();
        }
    }

    @Test
    void aCoreSendersTenantIsTheUserTheBrokerValidated() throws Exception {
        try (Connection c = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + externalPort, "erp", "erp-dev-password").createConnection()) {
            c.start();
            Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
            jakarta.jms.Queue replies = s.createQueue("uc.replies.erp");
            TextMessage m = s.createTextMessage(startConference("plain-1", null, "+4930111111"));
            // A sender's own value is overwritten by the broker (populate-validated-user).
            m.setStringProperty("_AMQ_VALIDATED_USER", "crm");
            m.setJMSReplyTo(replies);
            s.createProducer(s.createQueue("uc.requests")).send(m);
            Message reply = s.createConsumer(replies).receive(20_000);
            assertNotNull(reply, "no reply within 20 s");
            assertEquals(ReplyStatus.ACCEPTED, sessionReply(((TextMessage) reply).getText()).getStatus());
        }
        assertEquals(ReplyStatus.OK, ok("erp", query("plain-1")).getStatus());
        rejected("crm", query("plain-1"), "NOT_FOUND");
    }

    @Test
    void anAmqpSenderNamingAnotherBusinessSystemAsItsValidatedUserIsNotBelieved() throws Exception {
        try (var amqp = new org.apache.qpid.jms.JmsConnectionFactory("amqp://127.0.0.1:" + externalPort).createContext("erp",
                "erp-dev-password")) {
            TextMessage m = amqp.createTextMessage(startConference("plain-2", null, "+4930111111"));
            m.setStringProperty("_AMQ_VALIDATED_USER", "crm");
            amqp.createProducer().send(amqp.createQueue("uc.requests"), m);
        }
        try (Connection c = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + externalPort, "uchub", "uchub-dev-password")
                .createConnection()) {
            c.start();
            Message dead = c.createSession(false, Session.AUTO_ACKNOWLEDGE).createConsumer(
                    c.createSession(false, Session.AUTO_ACKNOWLEDGE).createQueue("DLQ.uc.requests")).receive(20_000);
            assertNotNull(dead, "the request is kept in the dead-letter queue");
            assertEquals("UNKNOWN_TENANT", dead.getStringProperty("ucErrorCode"));
        }
        rejected("crm", query("plain-2"), "NOT_FOUND");
        rejected("erp", query("plain-2"), "NOT_FOUND");
    }

    @Test
    void aBrokerThatDoesNotWriteTheValidatedUserIsFoundOutByTheHubsCheck() throws Exception {
        int port = freePort();
        EmbeddedActiveMQ careless = plainBroker(port, false);
        try {
            TenantStampGate.Verdict v = TenantStampGate.check(new ActiveMQConnectionFactory("tcp://127.0.0.1:" + port, "uchub",
                    "uchub-dev-password"), "uchub", TenantStampGate.Stamp.VALIDATED_USER);
            assertEquals(TenantStampGate.State.NOT_STAMPED, v.state(), v.detail());
            org.junit.jupiter.api.Assertions.assertTrue(v.detail().contains("populate-validated-user"), v.detail());
        } finally {
            careless.stop();
        }
        TenantStampGate.Verdict v = TenantStampGate.check(new ActiveMQConnectionFactory("tcp://127.0.0.1:" + externalPort, "uchub",
                "uchub-dev-password"), "uchub", TenantStampGate.Stamp.VALIDATED_USER);
        assertEquals(TenantStampGate.State.STAMPED, v.state(), v.detail());
    }
}
