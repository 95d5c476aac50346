package org.uchub.xmpp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jivesoftware.smack.XMPPException;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.jivesoftware.smackx.muc.RoomInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.jxmpp.jid.impl.JidCreate;
import org.uchub.contract.Event;
import org.uchub.contract.SessionReply;

/**
 * The IM scenarios against Prosody, a production XMPP server, run as a process (installed
 * by .ci/run). Prosody's multi-user chat is complete, so the group chat runs here end to end.
 * Where Prosody is not installed the class is skipped, except under UC_REQUIRE_PROSODY=1
 * (set by .ci/run), where it fails: CI never passes without it.
 */
class ProsodyImTest extends ImScenarios {
    private static ProsodyServer prosody;

    @BeforeAll
    static void startServer() throws Exception {
        if (!ProsodyServer.installed()) {
            if ("1".equals(System.getenv("UC_REQUIRE_PROSODY"))) {
                fail("Prosody is required (UC_REQUIRE_PROSODY=1) but /usr/bin/prosody is not installed: apt-get install prosody");
            }
            Assumptions.abort("Prosody is not installed (apt-get install prosody); .ci/run installs it and requires this test");
        }
        prosody = new ProsodyServer(Files.createTempDirectory("uc-prosody"), freePort());
        addAccounts(prosody);
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (prosody != null) {
            prosody.close();
        }
    }

    @Override
    XmppTestServer server() {
        return prosody;
    }

    private static String invitation(ImClient c) throws InterruptedException {
        String room = c.invitations.poll(10, TimeUnit.SECONDS);
        assertNotNull(room, c.user + " got no invitation");
        return room;
    }

    private static Message nextWithBody(ImClient c, String body) throws InterruptedException {
        long until = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < until) {
            Message m = c.next(500);
            if (m != null && body.equals(m.getBody())) {
                return m;
            }
        }
        return null;
    }

    @Test
    void aGroupChatOfThreeIsMembersOnlyInvitesOnModifyLogsAnswersRemovesAndCloses() throws Exception {
        awaitHubConnected();
        try (ImClient alice = client("alice"); ImClient bob = client("bob"); ImClient carol = client("carol");
                ImClient dave = client("dave"); ImClient mallory = client("mallory")) {
            ok(T, startIm("GRP-4711", xml("Please review the <contract> & sign"), "alice", "bob", "carol"));
            String room = invitation(alice);
            assertEquals(room, invitation(bob));
            assertEquals(room, invitation(carol));
            awaitEvent("GRP-4711", "IM_POSTED", 1);

            RoomInfo info = MultiUserChatManager.getInstanceFor(mallory.connection).getRoomInfo(JidCreate.entityBareFrom(room));
            assertTrue(info.isMembersOnly(), "members-only");
            assertTrue(info.isPersistent(), "persistent until the session closes it");
            XMPPException.XMPPErrorException refused = assertThrows(XMPPException.XMPPErrorException.class, () -> mallory.join(room));
            assertEquals("registration_required", refused.getStanzaError().getCondition().name(), "a stranger cannot walk in");

            MultiUserChat aliceRoom = alice.join(room);
            assertNotNull(nextWithBody(alice, "Please review the <contract> & sign"), "the room's text, as text");
            aliceRoom.sendMessage("Alice: looks fine");
            awaitEvent("GRP-4711", "IM_REPLY", 1);
            Event reply = events(logOf("GRP-4711"), "IM_REPLY").get(0);
            assertEquals("Alice: looks fine", reply.getDetail());
            assertEquals(jid("alice"), reply.getParticipant(), "the answer is logged under the member who wrote it");

            ok(T, "<ModifySession " + NS + "><businessId>GRP-4711</businessId><add><participant><jid>" + jid("dave")
                    + "</jid></participant></add><remove><participant><jid>" + jid("bob") + "</jid></participant></remove>"
                    + "<text>Dave joins; Bob leaves</text></ModifySession>");
            assertEquals(room, invitation(dave));
            assertNotNull(nextWithBody(alice, "Dave joins; Bob leaves"));
            awaitEvent("GRP-4711", "IM_REMOVED", 1);
            assertThrows(XMPPException.XMPPErrorException.class, () -> bob.join(room), "bob is no longer a member");

            ok(T, end("GRP-4711"));
            awaitEvent("GRP-4711", "ROOM_CLOSED", 1);
            assertThrows(XMPPException.XMPPErrorException.class,
                    () -> MultiUserChatManager.getInstanceFor(mallory.connection).getRoomInfo(JidCreate.entityBareFrom(room)),
                    "the room is gone");
            SessionReply log = logOf("GRP-4711");
            List<String> types = log.getEvents().getEvent().stream().map(Event::getType).toList();
            assertEquals(4, types.stream().filter("IM_INVITED"::equals).count(), types.toString());
        }
    }
}
