package org.uchub.xmpp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Properties;
import org.jivesoftware.smack.packet.Message;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;
import org.uchub.contract.Event;
import org.uchub.contract.ReplyStatus;
import org.uchub.contract.SessionReply;

/**
 * The IM channel's scenarios, the same against every real XMPP server a subclass provides:
 * the hub's account and the participants' accounts log in over TLS, the participants with
 * an ordinary client connection of their own.
 */
abstract class ImScenarios extends HubTestSupport {
    static final String T = "default";

    /** The server of this class, started before the hub. */
    abstract XmppTestServer server();

    /** The hub reaches the server through this relay, so a test can make its connection lead nowhere. */
    private static XmppProxy proxy;

    static synchronized XmppProxy proxyTo(XmppTestServer s) throws java.io.IOException {
        if (proxy == null || proxy.upstream() != s.port()) {
            if (proxy != null) {
                proxy.close();
            }
            proxy = new XmppProxy(s.port());
        }
        return proxy;
    }

    @org.junit.jupiter.api.AfterAll
    static void closeProxy() throws java.io.IOException {
        if (proxy != null) {
            proxy.close();
            proxy = null;
        }
    }

    static void addAccounts(XmppTestServer s) throws Exception {
        for (String u : List.of("hub", "alice", "bob", "carol", "dave", "mallory")) {
            s.addUser(u, "pw-" + u);
        }
    }

    @Override
    protected Properties hubProperties() {
        Properties p = unreachablePbx(super.hubProperties());
        XmppTestServer s = server();
        try {
            hubAccountOn(p, s, proxyTo(s).port());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        p.setProperty("xmpp.retry.interval-ms", "300");
        p.setProperty("xmpp.receipt-wait-ms", "1500");
        p.setProperty("xmpp.reply-timeout-ms", "5000");
        p.setProperty("xmpp.conflict.wait-ms", "3000");
        return p;
    }

    /** The hub logs in as "hub" on the test server, over TLS, reaching it at the port given (the server's, or a relay's). */
    static Properties hubAccountOn(Properties p, XmppTestServer s, int port) {
        p.setProperty("xmpp.host", "127.0.0.1");
        p.setProperty("xmpp.port", String.valueOf(port));
        p.setProperty("xmpp.domain", s.domain());
        p.setProperty("xmpp.username", "hub");
        p.setProperty("xmpp.password", "pw-hub");
        p.setProperty("xmpp.muc-service", s.muc());
        p.setProperty("xmpp.tls", "required");
        p.setProperty("xmpp.tls.truststore", s.truststore().toString());
        p.setProperty("xmpp.tls.truststore-password", s.truststorePassword());
        return p;
    }

    /**
     * A participant's client, logged in. A login is tried up to three times: Vysper in a busy
     * test JVM was seen to answer a stream restart before the client had restarted its parser
     * (an XML declaration mid-stream), which ends that connection. The hub's own connection
     * comes back from that by itself; a test client gets a new one here.
     */
    ImClient client(String user) throws Exception {
        return login(server(), user);
    }

    /** {@link #client}, on any test server. */
    static ImClient login(XmppTestServer s, String user) throws Exception {
        for (int attempt = 1;; attempt++) {
            try {
                return new ImClient(user, "pw-" + user, s.domain(), s.port(), s.truststore(), s.truststorePassword());
            } catch (org.jivesoftware.smack.SmackException | org.jivesoftware.smack.XMPPException e) {
                if (attempt == 3) {
                    throw e;
                }
                Thread.sleep(500);
            }
        }
    }

    String jid(String user) {
        return user + "@" + server().domain();
    }

    String hubJid() {
        return jid("hub");
    }

    String hubStatus() {
        return context.getRegistry().lookupByNameAndType("xmppConnection", XmppConnection.class).status();
    }

    void awaitHubConnected() throws Exception {
        XmppConnection x = context.getRegistry().lookupByNameAndType("xmppConnection", XmppConnection.class);
        await(x::isConnected, 20_000, "hub logged in to XMPP (" + x.status() + ")");
    }

    String startIm(String businessId, String text, String... users) {
        StringBuilder ps = new StringBuilder();
        for (String u : users) {
            ps.append("<participant><jid>").append(jid(u)).append("</jid></participant>");
        }
        return "<StartSession " + NS + "><businessId>" + businessId + "</businessId><channel>im</channel><participants>" + ps
                + "</participants><options><subject>Case " + businessId + "</subject><text>" + text + "</text></options></StartSession>";
    }

    static String xml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    @Test
    void aDirectMessageWithMarkupArrivesAsTextIsConfirmedAndTheAnswersAreLoggedButAStrangersAreNot() throws Exception {
        awaitHubConnected();
        javax.sql.DataSource ds = context.getRegistry().lookupByNameAndType("dataSource", javax.sql.DataSource.class);
        org.uchub.sessionlog.QueryPlans.record(ds);
        // "]]>" is what a strict server closes the stream for when a client leaves it unescaped.
        String text = "Case <b>4711</b> & \"you\" <script>alert(1)</script> ]]>";
        try (ImClient alice = client("alice"); ImClient mallory = client("mallory")) {
            SessionReply started = ok(T, startIm("DM-4711", xml(text), "alice"));
            assertEquals(ReplyStatus.ACCEPTED, started.getStatus(), started.getMessage());
            Message m = alice.next(10_000);
            assertNotNull(m, () -> "alice got no message; log: " + described(logOf("DM-4711")));
            assertEquals(text, m.getBody(), "the text arrives as text, not markup");
            assertEquals(hubJid(), m.getFrom().asBareJid().toString());
            awaitEvent("DM-4711", "IM_DELIVERED", 1);

            alice.say(hubJid(), m.getThread(), "Answer on the thread");
            alice.say(hubJid(), null, "And about DM-4711 without a thread.");
            awaitEvent("DM-4711", "IM_REPLY", 2);
            // Then a stranger, once alice's answers are in: Vysper was seen to close a client's
            // stream as not well-formed while another client's stanzas passed through at the same
            // moment. The stranger guesses the stanza id and forges the server's error for alice's message.
            // (to the hub's full JID: servers drop error messages addressed to a bare JID, RFC 6121 8.5.2.1.1)
            Message forged = new Message(org.jxmpp.jid.impl.JidCreate.from(hubJid() + "/uc-hub"));
            forged.setType(Message.Type.error);
            forged.setStanzaId(m.getStanzaId());
            forged.setError(org.jivesoftware.smack.packet.StanzaError.getBuilder(
                    org.jivesoftware.smack.packet.StanzaError.Condition.service_unavailable));
            mallory.connection.sendStanza(forged);
            mallory.say(hubJid(), null, "About DM-4711: I am not part of this");
            // The hub reads its messages in arrival order: once alice's next answer is logged, the
            // stranger's messages before it have been dealt with. The stranger's round trip first
            // keeps alice's answer from crossing his stanzas inside Vysper (see above).
            org.jivesoftware.smackx.ping.PingManager.getInstanceFor(mallory.connection).pingMyServer();
            alice.say(hubJid(), m.getThread(), "Last word");
            try {
                awaitEvent("DM-4711", "IM_REPLY", 3);
            } catch (AssertionError e) {
                if (alice.connection.isConnected()) {
                    throw new AssertionError(e.getMessage() + "; alice still connected, hub " + hubStatus(), e);
                }
                // Vysper ended alice's stream under her answer: she says it again, as a person would.
                try (ImClient again = client("alice")) {
                    again.say(hubJid(), m.getThread(), "Last word");
                    awaitEvent("DM-4711", "IM_REPLY", 3);
                }
            }
            SessionReply log = logOf("DM-4711");
            // Both answers, in either order: under load Vysper was once seen to pass two stanzas that
            // one client sent back to back on to the hub in the opposite order.
            List<String> replies = events(log, "IM_REPLY").stream().map(Event::getDetail).sorted().toList();
            assertEquals(List.of("And about DM-4711 without a thread.", "Answer on the thread", "Last word"), replies);
            events(log, "IM_REPLY").forEach(e -> assertEquals(jid("alice"), e.getParticipant()));
            assertFalse(log.getEvents().getEvent().stream().anyMatch(e -> String.valueOf(e.getDetail()).contains("not part of")),
                    "a stranger's message is never attached to a session");
            assertEquals("DELIVERED", log.getSessions().getSession().get(0).getParticipants().getParticipant().get(0).getState(),
                    "a forged error from someone else settles nothing");
            // Answers and receipts are matched through indexes, not by reading every message ever sent.
            org.uchub.sessionlog.QueryPlans.Result plans = org.uchub.sessionlog.QueryPlans.wholeTableReads(ds);
            assertTrue(plans.clean(), plans.toString());
        }
    }

    @Test
    void aStanzaTheHubCannotParseIsLeftAsideWithoutLosingTheConnection() throws Exception {
        awaitHubConnected();
        XmppConnection hub = context.getRegistry().lookupByNameAndType("xmppConnection", XmppConnection.class);
        try (ImClient alice = client("alice")) {
            ok(T, startIm("BAD-1", "Hello", "alice"));
            Message m = alice.next(10_000);
            assertNotNull(m, "alice got the message");
            long logins = hub.logins();
            // A delay element whose stamp is no date: Smack's parser for it throws, and by Smack's
            // default the connection that received it is closed.
            Message bad = new Message(org.jxmpp.jid.impl.JidCreate.from(hubJid() + "/uc-hub"), "broken");
            bad.setType(Message.Type.chat);
            bad.setThread(m.getThread());
            bad.addExtension(org.jivesoftware.smack.packet.StandardExtensionElement.builder("delay", "urn:xmpp:delay")
                    .addAttribute("stamp", "not-a-date").build());
            alice.connection.sendStanza(bad);
            alice.say(hubJid(), m.getThread(), "after the broken one");
            awaitEvent("BAD-1", "IM_REPLY", 1);
            assertEquals(List.of("after the broken one"), events(logOf("BAD-1"), "IM_REPLY").stream().map(Event::getDetail).toList());
            assertEquals(logins, hub.logins(), "the hub stayed logged in");
            assertTrue(hub.isConnected(), hub.status());
        }
    }

    @Test
    void aMessageForSomeoneOfflineIsLoggedAsStoredAndDeliveredWhenTheyComeOnline() throws Exception {
        awaitHubConnected();
        ok(T, startIm("OFF-1", "Please call back", "bob"));
        awaitEvent("OFF-1", "IM_STORED_OFFLINE", 1);
        assertTrue(events(logOf("OFF-1"), "IM_STORED_OFFLINE").get(0).getDetail().contains("stored for offline delivery"));
        try (ImClient bob = client("bob")) {
            Message m = bob.next(10_000);
            assertNotNull(m, "the server kept the message for bob");
            assertEquals("Please call back", m.getBody());
            awaitEvent("OFF-1", "IM_DELIVERED", 1);
        }
    }

    @Test
    void aMessageWrittenIntoAConnectionThatDiedOnTheWayIsSentAgainOnceTheServerIsBack() throws Exception {
        awaitHubConnected();
        try (ImClient carol = client("carol")) {
            // What the hub writes from now on never reaches the server, and neither end notices.
            proxyTo(server()).blackholeOpenConnections();
            ok(T, startIm("GAP-1", "Through the gap", "carol"));
            Message m = carol.next(30_000);
            assertNotNull(m, "the message written into the dead connection was sent again on the new one");
            assertEquals("Through the gap", m.getBody());
            try {
                awaitEvent("GAP-1", "IM_SENT", 1);
            } catch (AssertionError e) {
                // Should the hub ever stall here, the threads say where.
                for (var t : Thread.getAllStackTraces().entrySet()) {
                    System.out.println("THREAD " + t.getKey().getName() + " " + t.getKey().getState());
                    for (var f : t.getValue()) {
                        System.out.println("THREAD    at " + f);
                    }
                }
                throw e;
            }
            Message again = carol.next(2_000);
            assertTrue(again == null || !"Through the gap".equals(again.getBody()), "sent once: the first copy never arrived");
        }
        assertEquals(1, events(logOf("GAP-1"), "IM_SENT").size());
    }

    @Test
    void messagesAskedForWhileTheServerIsDownAreSentWhenItIsBack() throws Exception {
        awaitHubConnected();
        try (ImClient carol = client("carol")) {
            ok(T, startIm("RS-1", "Before the restart", "carol"));
            assertEquals("Before the restart", carol.next(10_000).getBody());
            // Sent, as far as the hub knows: a restart before the server confirmed it would send it again (at least once).
            awaitEvent("RS-1", "IM_SENT", 1);
        }
        server().restart(300);
        SessionReply changed = ok(T, "<ModifySession " + NS + "><businessId>RS-1</businessId><text>After the restart</text></ModifySession>");
        assertEquals(ReplyStatus.ACCEPTED, changed.getStatus(), changed.getMessage());
        awaitHubConnected();
        awaitEvent("RS-1", "IM_SENT", 2);
        try (ImClient carol = client("carol")) {
            Message m = carol.next(10_000);
            assertNotNull(m, "the message asked for during the outage reached carol");
            assertEquals("After the restart", m.getBody());
        }
        assertEquals("ACTIVE", logOf("RS-1").getSessions().getSession().get(0).getState());
    }
}
