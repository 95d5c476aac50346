package org.uchub.xmpp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.uchub.contract.SessionReply;

/**
 * The IM scenarios against Apache Vysper in the test JVM: nothing to install. Vysper's
 * multi-user chat cannot configure rooms (no muc#owner), which makes it the test of how the
 * hub treats a server that will not make a room members-only.
 */
class VysperImTest extends ImScenarios {
    private static VysperServer vysper;

    @BeforeAll
    static void startServer() throws Exception {
        vysper = new VysperServer(freePort(), Files.createTempDirectory("uc-vysper"));
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
