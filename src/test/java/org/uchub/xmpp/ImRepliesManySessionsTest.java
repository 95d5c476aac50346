package org.uchub.xmpp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A direct answer from someone taking part in more open IM sessions than the newest few: it
 * is matched against all of them, by its thread and by the business ID it names.
 */
class ImRepliesManySessionsTest {
    private static final String ALICE = "alice@hub.test";
    /** More open sessions of one participant than a page of the newest would hold. */
    private static final int NEWER = 50;

    private ImLogRows log;
    private ImReplies replies;

    @BeforeEach
    void sessions() {
        log = new ImLogRows("im-replies");
        replies = new ImReplies(new ImOutbox(log.ds), log.progress, "hub.test", null, 60_000, 1_000);
        OffsetDateTime t0 = OffsetDateTime.now(ZoneOffset.UTC).minusHours(2);
        // The oldest: tenant A's case 4711; then 50 newer ones, among them tenant B's 4711.
        log.session("a-4711", "tenant-a", "4711", t0, ALICE);
        for (int i = 1; i <= NEWER; i++) {
            log.session("s-" + i, "tenant-a", "C-" + i, t0.plusMinutes(i), ALICE);
        }
        log.session("b-4711", "tenant-b", "4711", t0.plusMinutes(NEWER + 1), ALICE);
    }

    @Test
    void anAnswerOnTheThreadOfItsOldestOpenSessionIsLoggedThere() throws Exception {
        assertTrue(replies.record(direct("a-4711", "Done, see attachment")));
        assertEquals(1, log.events("a-4711", "IM_REPLY"));
    }

    @Test
    void aBusinessIdOpenInTwoTenantsIsNoAnswerToEitherHowOldTheOtherSessionIs() throws Exception {
        assertFalse(replies.record(direct(null, "re 4711: done")));
        assertEquals(0, log.events("a-4711", "IM_REPLY"));
        assertEquals(0, log.events("b-4711", "IM_REPLY"));
    }

    @Test
    void aBusinessIdOfTheOldestOpenSessionNamedInTheTextIsLoggedThere() throws Exception {
        log.sql("update uc_session set state = 'ENDED' where session_id = 'b-4711'");
        assertTrue(replies.record(direct(null, "About 4711.")));
        assertEquals(1, log.events("a-4711", "IM_REPLY"));
    }

    private static InboundMessage direct(String thread, String body) {
        return new InboundMessage(InboundMessage.Kind.DIRECT, ALICE, null, null, thread, body, null, null,
                OffsetDateTime.now(ZoneOffset.UTC));
    }
}
