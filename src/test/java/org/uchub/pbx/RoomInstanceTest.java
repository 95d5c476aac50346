package org.uchub.pbx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;
import org.uchub.contract.SessionReply;
import org.uchub.sessionlog.ChannelProgress;
import org.uchub.sessionlog.SessionUpdate;

/**
 * A reserved number names a room that the next session gets once this one has released it.
 * News of the earlier room (its end, its recording) arriving late must not end or touch the
 * new session: rooms are told apart by ConfBridge's bridge id.
 */
class RoomInstanceTest extends HubTestSupport {

    @Override
    protected Properties hubProperties() {
        // No PBX: the room news below is the only news there is. One number, so that the
        // second conference gets the first one's room.
        java.util.Properties p = unreachablePbx(super.hubProperties());
        p.setProperty("hub.pool.numbers", "8000");
        return p;
    }

    private ChannelProgress progress() {
        return context.getRegistry().lookupByNameAndType("channelProgress", ChannelProgress.class);
    }

    @Test
    void aLateEndOfTheEarlierRoomOfTheSameNumberDoesNotEndTheNewSession() {
        SessionReply first = ok("default", startConference("case-a", null, "+4930111111"));
        assertEquals("8000", first.getReservedNumber());
        assertTrue(progress().apply(SessionUpdate.room("8000", "bridge-1", ChannelProgress.ACTIVE, false, "CONFERENCE_STARTED", "pbx",
                "Conference 8000 started", null)));
        ok("default", "<EndSession " + NS + "><businessId>case-a</businessId></EndSession>");

        SessionReply second = ok("default", startConference("case-b", null, "+4930222222"));
        assertEquals("8000", second.getReservedNumber());
        // The first room's end, late: it belongs to case-a's room, which is over.
        assertFalse(progress().apply(SessionUpdate.room("8000", "bridge-1", null, true, "SESSION_ENDED", "pbx", "Conference 8000 ended",
                null)));
        assertEquals("PENDING", ok("default", query("case-b")).getSessions().getSession().get(0).getState());

        // The new room starts, and only its own end ends the new session.
        assertTrue(progress().apply(SessionUpdate.room("8000", "bridge-2", ChannelProgress.ACTIVE, false, "CONFERENCE_STARTED", "pbx",
                "Conference 8000 started", null)));
        assertTrue(progress().apply(SessionUpdate.room("8000", "bridge-2", null, true, "SESSION_ENDED", "pbx", "Conference 8000 ended",
                null)));
        assertEquals("FAILED", ok("default", query("case-b")).getSessions().getSession().get(0).getState());
    }

    @Test
    void newsRecordedLateKeepsTheTimeItHappened() {
        ok("default", startConference("case-late", null, "+4930111111"));
        // Learnt five minutes ago, recorded only now (the session log was out of reach meanwhile).
        java.time.OffsetDateTime learnt = java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC).minusMinutes(5)
                .truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        assertTrue(progress().apply(SessionUpdate.room("8000", "bridge-9", ChannelProgress.ACTIVE, false, "CONFERENCE_STARTED", "pbx",
                "Conference 8000 started", null).withHappenedAt(learnt)));
        assertTrue(progress().apply(SessionUpdate.room("8000", "bridge-9", null, true, "SESSION_ENDED", "pbx", "Conference 8000 ended",
                null).withHappenedAt(learnt.plusSeconds(30))));
        var log = ok("default", query("case-late"));
        var started = log.getEvents().getEvent().stream().filter(e -> e.getType().equals("CONFERENCE_STARTED")).findFirst().orElseThrow();
        assertEquals(learnt.toInstant(), started.getTime().toInstant());
        assertEquals(learnt.plusSeconds(30).toInstant(), log.getSessions().getSession().get(0).getEndedAt().toInstant());
    }
}
