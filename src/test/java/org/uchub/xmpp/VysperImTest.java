package org.uchub.xmpp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uchub.contract.SessionReply;

/**
 * The IM scenarios against Apache Vysper in the test JVM: nothing to install. Vysper's
 * multi-user chat cannot configure rooms (no muc#owner), which makes it the test of how the
 * hub treats a server that will not make a room members-only.
 */
class VysperImTest extends ImScenarios {
    private static VysperServer vysper;

    @TempDir
    static Path serverDir;

    @BeforeAll
    static void startServer() throws Exception {
        vysper = new VysperServer(freePort(), serverDir);
        addAccounts(vysper);
    }

    @AfterAll
    static void stopServer() {
        vysper.close();
    }

    @Override
    XmppTestServer server() {
        return vysper;
    }

    @Override
    protected java.util.Properties hubProperties() {
        java.util.Properties p = super.hubProperties();
        // People with a phone number and a JID on this server, for the conference notice.
        java.nio.file.Path directory = dataDir.resolve("directory.csv");
        try {
            Files.writeString(directory, "personId,name,number,jid,email,fax\n"
                    + "alice,Alice Test,+4930111111,alice@" + VysperServer.DOMAIN + ",,\n"
                    + "bob,Bob Test,+4930222222,bob@" + VysperServer.DOMAIN + ",,\n"
                    + "carol,Carol Test,+4930333333,,,\n"
                    + "dave,Dave Test,+4930444444,dave@" + VysperServer.DOMAIN + ",,\n");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        p.setProperty("hub.directory.file", directory.toString());
        // Vysper does not answer room-owner requests at all: waiting less for that keeps the test short.
        p.setProperty("xmpp.reply-timeout-ms", "2000");
        return p;
    }

    @Test
    void addingSomeoneToAConferenceTellsThoseAlreadyInItWhoHaveAJidByIm() throws Exception {
        awaitHubConnected();
        try (ImClient alice = client("alice"); ImClient dave = client("dave")) {
            ok(T, "<StartSession " + NS + "><businessId>CONF-IM</businessId><channel>conference</channel><participants>"
                    + "<participant><personId>alice</personId></participant><participant><personId>carol</personId></participant>"
                    + "</participants></StartSession>");
            ok(T, "<ModifySession " + NS + "><businessId>CONF-IM</businessId><add><participant><personId>dave</personId></participant>"
                    + "</add></ModifySession>");
            org.jivesoftware.smack.packet.Message m = alice.next(10_000);
            assertEquals("Dave Test joins the conference of case CONF-IM.", m == null ? null : m.getBody());
            awaitEvent("CONF-IM", "IM_NOTIFIED", 1);
            SessionReply log = logOf("CONF-IM");
            assertEquals(1, events(log, "IM_NOTIFIED").size(), "carol has no JID and dave is the one who joins");
            assertEquals(null, dave.next(500), "the one who joins is dialled, not told");
            assertTrue(log.getSessions().getSession().get(0).getParticipants().getParticipant().stream()
                    .noneMatch(p -> p.getState().equals("NOTIFIED") || p.getState().equals("DELIVERED")),
                    "a notice changes no conference participant's state");
        }
    }

    @Test
    void anotherResourceOfAParticipantsAccountIsTheSameParticipantNotASecondOne() throws Exception {
        awaitHubConnected();
        try (ImClient alice = client("alice")) {
            String start = startIm("RES-4711", "Hello", "alice").replace(jid("alice") + "</jid>", jid("alice") + "/work</jid>");
            rejected(T, start.replace("</participants>", "<participant><jid>" + jid("alice").toUpperCase() + "/home</jid></participant>"
                    + "</participants>"), "DUPLICATE_PARTICIPANT");
            ok(T, start);
            assertNotNull(alice.next(10_000));
            // Written to the bare JID, she would get every later text twice, and removing one would shut the other out.
            String refused = rejected(T, "<ModifySession " + NS + "><businessId>RES-4711</businessId><add><participant><jid>" + jid("alice")
                    + "/home</jid></participant></add></ModifySession>", "PARTICIPANT_ALREADY_PRESENT");
            assertTrue(refused.contains("/work"), refused);
            // Named as her other resource in place of the first: a swap, not a second participant.
            ok(T, "<ModifySession " + NS + "><businessId>RES-4711</businessId><add><participant><jid>" + jid("alice")
                    + "/home</jid></participant></add><remove><participant><jid>" + jid("alice") + "/work</jid></participant></remove>"
                    + "</ModifySession>");
        }
    }

    @Test
    void aGroupChatOnAServerThatCannotMakeTheRoomMembersOnlyFailsWithTheReasonAndPostsNothing() throws Exception {
        awaitHubConnected();
        try (ImClient alice = client("alice")) {
            ok(T, startIm("GRP-V", "Confidential case text", "alice", "bob", "carol"));
            awaitEvent("GRP-V", "SESSION_FAILED", 1);
            SessionReply log = logOf("GRP-V");
            String why = events(log, "SESSION_FAILED").get(0).getDetail();
            assertTrue(why.contains("members-only"), why);
            assertEquals("FAILED", log.getSessions().getSession().get(0).getState());
            assertEquals(null, alice.next(1_000), "nothing of the case reached anyone");
        }
    }
}
