package org.uchub.xmpp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.jms.Connection;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.util.Properties;
import javax.sql.DataSource;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uchub.HubTestSupport;
import org.uchub.contract.ReplyStatus;
import org.uchub.contract.SessionReply;
import org.uchub.sessionlog.Database;
import org.uchub.sessionlog.SessionLogDataSource;

/**
 * A hub that shares its session log with another instance which holds the XMPP account and
 * the events topic: it logs in nowhere and publishes nothing, and its IM requests wait in the
 * shared outbox, until that instance's leases run out and it takes both over by itself.
 */
class StandbyInstanceTest extends HubTestSupport {
    private static final String T = "default";
    private static VysperServer vysper;

    @TempDir
    static Path serverDir;

    @BeforeAll
    static void startServer() throws Exception {
        vysper = new VysperServer(freePort(), serverDir);
        for (String u : new String[] {"hub", "alice"}) {
            vysper.addUser(u, "pw-" + u);
        }
    }

    @AfterAll
    static void stopServer() {
        vysper.close();
    }

    private String dbUrl() {
        return "jdbc:h2:file:" + dataDir.resolve("sessionlog") + ";DB_CLOSE_ON_EXIT=FALSE";
    }

    @Override
    protected Properties hubProperties() {
        Properties p = unreachablePbx(super.hubProperties());
        p.setProperty("hub.db.url", dbUrl());
        ImScenarios.hubAccountOn(p, vysper, vysper.port());
        p.setProperty("xmpp.retry.interval-ms", "300");
        p.setProperty("events.poll-ms", "200");
        p.setProperty("hub.duty.lease-seconds", "4");
        // Leases even on H2, whose file no second hub could open: the shared-log behaviour under test.
        p.setProperty("hub.duty.leases", "on");
        return p;
    }

    /** The other instance, as the shared session log shows it: it took both duties before this hub started. */
    @Override
    protected org.apache.camel.CamelContext createCamelContext() throws Exception {
        try (SessionLogDataSource ds = Database.open(dbUrl(), "uchub", "uchub", 2)) {
            Database.update(ds, "insert into uc_duty (name, holder, expires_at) values ('xmpp', 'hub-b', current_timestamp + interval '1' hour),"
                    + " ('events', 'hub-b', current_timestamp + interval '1' hour)");
        }
        return super.createCamelContext();
    }

    @Test
    void aStandbyInstanceQueuesForTheHolderAndTakesOverWhenItsLeasesRunOut() throws Exception {
        XmppConnection xmpp = context.getRegistry().lookupByNameAndType("xmppConnection", XmppConnection.class);
        await(xmpp::isStandingBy, 10_000, "standing by (" + xmpp.status() + ")");
        assertTrue(xmpp.status().contains("hub-b"), xmpp.status());
        try (Connection jms = new ActiveMQConnectionFactory("tcp://127.0.0.1:" + brokerPort, "uchub", "uchub-dev-password").createConnection();
                ImClient alice = ImScenarios.login(vysper, "alice")) {
            jms.start();
            Session s = jms.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageConsumer events = s.createConsumer(s.createTopic("uc.events"), "businessId = 'SB-1'");

            SessionReply started = ok(T, "<StartSession " + NS + "><businessId>SB-1</businessId><channel>im</channel><participants>"
                    + "<participant><jid>alice@" + vysper.domain() + "</jid></participant></participants><options><text>Hello from"
                    + " the standby</text></options></StartSession>");
            assertEquals(ReplyStatus.ACCEPTED, started.getStatus(), started.getMessage());
            assertTrue(started.getMessage().contains("holds the XMPP account"), started.getMessage());
            assertNull(alice.next(1_500), "a standby instance sends nothing");
            assertNull(events.receive(500), "a standby instance publishes nothing");
            assertEquals(0, xmpp.logins(), "a standby instance never logs in: it would take the holder's place");
            assertTrue(ok(T, query("SB-1")).getEvents().getEvent().stream().noneMatch(e -> e.getType().equals("XMPP_UNAVAILABLE")),
                    "standing by is not the server being away");

            // The other instance stops without handing its leases back (kill -9): they run out.
            DataSource ds = context.getRegistry().lookupByNameAndType("dataSource", DataSource.class);
            Database.update(ds, "update uc_duty set expires_at = current_timestamp where holder = 'hub-b'");
            Message m = null;
            org.jivesoftware.smack.packet.Message im = alice.next(15_000);
            assertNotNull(im, "the queued message was never sent once this instance held the account (" + xmpp.status() + ")");
            assertEquals("Hello from the standby", im.getBody());
            long seq = 0;
            while ((m = events.receive(5_000)) != null && seq < 3) {
                assertEquals(seq + 1, m.getLongProperty("seq"), "the events of SB-1 in order, once");
                seq = m.getLongProperty("seq");
            }
            assertTrue(seq >= 3, "the waiting events were published once this instance held the duty: " + seq);
        }
    }
}
