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
    void newsRecordedLateKeepsTheTimeItHappenedWithoutGoingBehindTheLogsLastEvent() throws Exception {
        ok("default", startConference("case-late", null, "+4930111111"));
        java.time.OffsetDateTime started = java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC);
        Thread.sleep(1_600);
        // Learnt 1.3 s ago, recorded only now (the session log was out of reach meanwhile).
        java.time.OffsetDateTime learnt = java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC).minusNanos(1_300_000_000L)
                .truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        assertTrue(progress().apply(SessionUpdate.room("8000", "bridge-9", ChannelProgress.ACTIVE, false, "CONFERENCE_STARTED", "pbx",
                "Conference 8000 started", null).withHappenedAt(learnt)));
        // News older than the log's last event is logged at that event's time: times rise with seq.
        assertTrue(progress().apply(SessionUpdate.room("8000", "bridge-9", null, true, "SESSION_ENDED", "pbx", "Conference 8000 ended",
                null).withHappenedAt(learnt.minusMinutes(5))));
        var log = ok("default", query("case-late"));
        var events = log.getEvents().getEvent();
        var conferenceStarted = events.stream().filter(e -> e.getType().equals("CONFERENCE_STARTED")).findFirst().orElseThrow();
        assertEquals(learnt.toInstant(), conferenceStarted.getTime().toInstant());
        assertTrue(conferenceStarted.getTime().isAfter(started.minusSeconds(1)));
        assertEquals(learnt.toInstant(), log.getSessions().getSession().get(0).getEndedAt().toInstant());
        for (int i = 1; i < events.size(); i++) {
            assertTrue(!events.get(i).getTime().isBefore(events.get(i - 1).getTime()), "time order at " + i);
        }
    }

    /**
     * The earlier room's news had not been recorded when its session ended (the PBX's news
     * queued behind a slow session log, or its people kicked only after the number was
     * released): neither its start, learnt before the new session was bound, nor its end is
     * taken for the new session's room.
     */
    @Test
    void newsOfAnEarlierRoomNeverSeenIsNotTakenForTheNewSessionsRoom() throws Exception {
        ok("default", startConference("case-c", null, "+4930111111"));
        java.time.OffsetDateTime learnt = java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC);
        ok("default", "<EndSession " + NS + "><businessId>case-c</businessId></EndSession>");
        Thread.sleep(5);
        assertEquals("8000", ok("default", startConference("case-d", null, "+4930222222")).getReservedNumber());

        assertFalse(progress().apply(SessionUpdate.room("8000", "bridge-c", ChannelProgress.ACTIVE, false, "CONFERENCE_STARTED", "pbx",
                "Conference 8000 started", null).withHappenedAt(learnt)));
        assertFalse(progress().apply(SessionUpdate.room("8000", "bridge-c", null, true, "SESSION_ENDED", "pbx", "Conference 8000 ended",
                null)));
        assertEquals("PENDING", ok("default", query("case-d")).getSessions().getSession().get(0).getState());

        assertTrue(progress().apply(SessionUpdate.room("8000", "bridge-d", ChannelProgress.ACTIVE, false, "CONFERENCE_STARTED", "pbx",
                "Conference 8000 started", null).withHappenedAt(java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC))));
        assertTrue(progress().apply(SessionUpdate.room("8000", "bridge-d", null, true, "SESSION_ENDED", "pbx", "Conference 8000 ended",
                null)));
        assertEquals("FAILED", ok("default", query("case-d")).getSessions().getSession().get(0).getState());
    }

    /**
     * The room's start never reached the log (the AMI link dropped as the first party
     * answered): a party's join names the room instance, and so the room's end still ends
     * the session and gives its number back.
     */
    @Test
    void aSessionWhoseRoomStartWasMissedKnowsItsRoomFromAJoinAndEndsWithIt() {
        SessionReply started = ok("default", startConference("case-e", null, "+4930111111"));
        javax.sql.DataSource ds = context.getRegistry().lookupByNameAndType("dataSource", javax.sql.DataSource.class);
        long participant = org.uchub.sessionlog.Database.query(ds, "select id from uc_participant where session_id = ?", 1,
                rs -> rs.getLong(1), started.getSessionId()).get(0);
        assertTrue(progress().apply(new SessionUpdate(started.getSessionId(), null, "bridge-e", participant, ChannelProgress.JOINED, null,
                false, "PARTICIPANT_JOINED", "pbx", "Joined conference 8000", null)));
        assertTrue(progress().apply(SessionUpdate.room("8000", "bridge-e", null, true, "SESSION_ENDED", "pbx", "Conference 8000 ended",
                null)));
        assertEquals("ENDED", ok("default", query("case-e")).getSessions().getSession().get(0).getState());
    }
}
