package org.uchub.xmpp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.jivesoftware.smack.XMPPException;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jxmpp.jid.impl.JidCreate;
import org.uchub.HubTestSupport;
import org.uchub.contract.Event;
import org.uchub.contract.SessionReply;

/**
 * An IM session nobody ends is ended by the hub once nothing has happened in it for
 * xmpp.idle.end-after-hours, its group chat closed as at EndSession; an answer keeps it going.
 * Against Prosody, which makes members-only rooms (Vysper cannot).
 */
class ImIdleEndTest extends HubTestSupport {
    private static final String T = "default";
    private static ProsodyServer prosody;

    @TempDir
    static Path serverDir;

    @BeforeAll
    static void startServer() throws Exception {
        prosody = ProsodyServer.forTests(serverDir, freePort());
        ImScenarios.addAccounts(prosody);
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (prosody != null) {
            prosody.close();
        }
    }

    @Override
    protected Properties hubProperties() {
        Properties p = ImScenarios.hubAccountOn(unreachablePbx(super.hubProperties()), prosody, prosody.port());
        p.setProperty("xmpp.retry.interval-ms", "300");
        p.setProperty("xmpp.receipt-wait-ms", "1000");
        // Idle after 3.6 s, looked at every 300 ms.
        p.setProperty("xmpp.idle.end-after-hours", "0.001");
        p.setProperty("xmpp.idle.check-interval-ms", "300");
        return p;
    }

    private String jid(String user) {
        return user + "@" + prosody.domain();
    }

    private String startIm(String businessId, String... users) {
        StringBuilder ps = new StringBuilder();
        for (String u : users) {
            ps.append("<participant><jid>").append(jid(u)).append("</jid></participant>");
        }
        return "<StartSession " + NS + "><businessId>" + businessId + "</businessId><channel>im</channel><participants>" + ps
                + "</participants><options><text>Please have a look</text></options></StartSession>";
    }

    private void awaitHubConnected() throws Exception {
        XmppConnection x = context.getRegistry().lookupByNameAndType("xmppConnection", XmppConnection.class);
        await(x::isConnected, 20_000, "hub logged in to XMPP (" + x.status() + ")");
    }

    @Test
    void aGroupChatNobodyEndsIsEndedOnceIdleAndItsRoomClosed() throws Exception {
        awaitHubConnected();
        javax.sql.DataSource ds = context.getRegistry().lookupByNameAndType("dataSource", javax.sql.DataSource.class);
        org.uchub.sessionlog.QueryPlans.record(ds);
        try (ImClient alice = ImScenarios.login(prosody, "alice"); ImClient carol = ImScenarios.login(prosody, "carol");
                ImClient mallory = ImScenarios.login(prosody, "mallory")) {
            ok(T, startIm("IDLE-GRP", "alice", "carol"));
            String room = alice.invitations.poll(10, TimeUnit.SECONDS);
            assertNotNull(room, "alice got no invitation");
            awaitEvent("IDLE-GRP", "IM_POSTED", 1);
            assertEquals("ACTIVE", logOf("IDLE-GRP").getSessions().getSession().get(0).getState());

            awaitEvent("IDLE-GRP", "SESSION_ENDED", 1);
            awaitEvent("IDLE-GRP", "ROOM_CLOSED", 1);
            SessionReply log = logOf("IDLE-GRP");
            assertEquals("ENDED", log.getSessions().getSession().get(0).getState());
            Event ended = events(log, "SESSION_ENDED").get(0);
            assertTrue(ended.getDetail().contains("xmpp.idle.end-after-hours"), ended.getDetail());
            log.getSessions().getSession().get(0).getParticipants().getParticipant().forEach(p -> assertEquals("INVITED", p.getState(),
                    "as at EndSession of a group chat, an invited member stays invited: " + p.getAddress()));
            assertThrows(XMPPException.XMPPErrorException.class,
                    () -> MultiUserChatManager.getInstanceFor(mallory.connection).getRoomInfo(JidCreate.entityBareFrom(room)),
                    "the room is gone");
            // The look for idle sessions, every 300 ms here, reads the open ones and each one's case, not every session ever logged.
            org.uchub.sessionlog.QueryPlans.Result plans = org.uchub.sessionlog.QueryPlans.wholeTableReads(ds);
            assertTrue(plans.clean(), plans.toString());
        }
    }

    @Test
    void answersKeepAConversationGoingAndItEndsOnlyOnceTheyStop() throws Exception {
        awaitHubConnected();
        try (ImClient alice = ImScenarios.login(prosody, "alice")) {
            ok(T, startIm("IDLE-DM", "alice"));
            Message m = alice.next(10_000);
            assertNotNull(m, "alice got no message");
            long until = System.currentTimeMillis() + 6_000;
            int answers = 0;
            while (System.currentTimeMillis() < until) {
                alice.say(jid("hub"), m.getThread(), "Still on it " + ++answers);
                Thread.sleep(1_000);
                assertEquals("ACTIVE", logOf("IDLE-DM").getSessions().getSession().get(0).getState(),
                        "answered within the idle time, so not ended: " + described(logOf("IDLE-DM")));
            }
            awaitEvent("IDLE-DM", "SESSION_ENDED", 1);
            SessionReply log = logOf("IDLE-DM");
            assertTrue(events(log, "IM_REPLY").size() >= 5, described(log).toString());
            assertEquals("DELIVERED", log.getSessions().getSession().get(0).getParticipants().getParticipant().get(0).getState(),
                    "ending for idleness changes no participant who was reached");
        }
    }
}
