package org.uchub.xmpp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.uchub.sessionlog.QueryPlans;

/**
 * The IM outbox keeps every item it ever sent. Its sweeps (the retry timer's every 2 s, the
 * rejoin after each login) must read only what is still unsettled or open, not the history.
 */
class ImOutboxSweepsTest {
    private static final int SETTLED_MESSAGES = 400;
    private static final int CLOSED_ROOMS = 150;

    private JdbcDataSource ds;
    private ImOutbox outbox;

    @BeforeEach
    void migrate() {
        ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:im-sweeps-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
        ds.setUser("sa");
        Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
        outbox = new ImOutbox(ds);
        sql("insert into uc_case (tenant, business_id, last_seq, created_at) values ('t', 'b', 0, current_timestamp)");
    }

    @Test
    void theSweepsReadOnlyUnsettledMessagesAndOpenRoomsHoweverManyWereSettledBefore() throws Exception {
        session("dm", "ACTIVE");
        outbox.add("dm", null, java.util.stream.IntStream.range(0, SETTLED_MESSAGES)
                .mapToObj(i -> new ImOutbox.Work(ImOutbox.DIRECT, "alice@hub.test", 1L, null, "m" + i)).toList());
        int n = 0;
        for (ImOutbox.Item i : outbox.pending(1000)) {
            assertTrue(outbox.done(i));
            assertTrue(outbox.confirm(i.id(), n++ % 2 == 0 ? "DELIVERED" : "UNCONFIRMED"));
        }
        for (int r = 0; r < CLOSED_ROOMS; r++) {
            session("closed-" + r, "ENDED");
            openRoom("closed-" + r);
            outbox.add("closed-" + r, null, List.of(new ImOutbox.Work(ImOutbox.CLOSE, room("closed-" + r), null, null, "Bye")));
            outbox.pending(10).forEach(outbox::done);
        }
        session("open", "ACTIVE");
        openRoom("open");
        session("failed", "FAILED");
        openRoom("failed");
        // Ended, but the hub stopped before it queued the room's close; and one ended a moment
        // ago, whose EndSession is about to queue its own.
        session("ended-unclosed", "ENDED");
        sql("update uc_session set ended_at = current_timestamp - interval '10' minute where session_id = 'ended-unclosed'");
        openRoom("ended-unclosed");
        session("ending", "ENDED");
        sql("update uc_session set ended_at = current_timestamp where session_id = 'ending'");
        openRoom("ending");
        outbox.add("dm", null, List.of(new ImOutbox.Work(ImOutbox.DIRECT, "bob@hub.test", 2L, null, "new"),
                new ImOutbox.Work(ImOutbox.DIRECT, "carol@hub.test", 3L, null, "new")));
        outbox.pending(10).forEach(outbox::done);

        QueryPlans.RowsRead reads = QueryPlans.rowsRead(ds);
        ImOutbox swept = new ImOutbox(reads.dataSource());
        assertEquals(List.of("bob@hub.test", "carol@hub.test"),
                swept.unconfirmed(OffsetDateTime.now(ZoneOffset.UTC).plusMinutes(1)).stream().map(ImOutbox.Item::target).toList());
        assertEquals(List.of(room("open")), swept.openRooms().stream().map(ImOutbox.Item::target).toList());
        assertEquals(List.of(room("failed"), room("ended-unclosed")),
                swept.roomsOfFailedSessions().stream().map(ImOutbox.Item::target).toList());
        assertTrue(reads.most("sent_at <") < 10, reads::toString);
        assertTrue(reads.most("not in ('ENDED'") < 20, reads::toString);
        assertTrue(reads.most("s.state = 'FAILED' or") < 20, reads::toString);

        // A closed room still counts as made: steps of its session are judged as before.
        ImOutbox.RoomState closed = outbox.roomState("closed-0");
        assertTrue(closed.opened() && closed.closeQueued() && !closed.failed(), closed.toString());
        assertEquals("CLOSED", state(ImOutbox.ROOM_OPEN, "closed-0"), "its opening is settled for good");
    }

    @Test
    void aRoomWhoseCloseWasGivenUpOnIsNotReadAsOpenAgain() throws Exception {
        session("gone", "ENDED");
        openRoom("gone");
        outbox.add("gone", null, List.of(new ImOutbox.Work(ImOutbox.CLOSE, room("gone"), null, null, "Bye")));
        outbox.failed(outbox.pending(10).get(0).id(), "XMPP_UNAVAILABLE");
        assertEquals("CLOSED", state("ROOM_OPEN", "gone"));
        assertTrue(outbox.roomState("gone").opened());
    }

    @Test
    void aMessageSettledWhileWaitingToBeSentAgainIsDoneAndNoLongerPending() throws Exception {
        session("dm", "ACTIVE");
        outbox.add("dm", null, List.of(new ImOutbox.Work(ImOutbox.DIRECT, "alice@hub.test", 1L, null, "hello")));
        ImOutbox.Item sent = outbox.pending(10).get(0);
        assertTrue(outbox.done(sent));
        assertTrue(outbox.tryAgainLater(sent, "resource-constraint", 60_000, 60_000));
        assertEquals("PENDING", state(ImOutbox.DIRECT, "dm"));

        // The recipient's client confirms the copy the server did take after all.
        assertTrue(outbox.confirm(sent.id(), "DELIVERED"));
        assertEquals("DONE", state(ImOutbox.DIRECT, "dm"));
        assertTrue(outbox.pending(10).isEmpty());
        assertFalse(outbox.confirm(sent.id(), "REFUSED"), "settled once");
        assertFalse(outbox.tryAgainLater(outbox.byStanzaId(sent.stanzaId()).orElseThrow(), "again", 1, 60_000),
                "a settled message is not sent again");
    }

    private void openRoom(String sessionId) {
        outbox.add(sessionId, null, List.of(new ImOutbox.Work(ImOutbox.ROOM_OPEN, room(sessionId), null, null, "Case b"),
                new ImOutbox.Work(ImOutbox.POST, room(sessionId), null, null, "Hello")));
        outbox.pending(10).forEach(outbox::done);
    }

    private static String room(String sessionId) {
        return "uc-t-b-" + sessionId + "@conference.hub.test";
    }

    private void session(String id, String state) {
        sql("insert into uc_session (session_id, tenant, business_id, channel, state, record_requested, video, started_at, updated_at)"
                + " values ('" + id + "', 't', 'b', 'im', '" + state + "', false, false, current_timestamp, current_timestamp)");
    }

    private String state(String kind, String sessionId) throws Exception {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("select state from uc_im_outbox where kind = ? and session_id = ?")) {
            ps.setString(1, kind);
            ps.setString(2, sessionId);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next(), kind + " of " + sessionId);
                return rs.getString(1);
            }
        }
    }

    private void sql(String statement) {
        try (Connection c = ds.getConnection(); java.sql.Statement st = c.createStatement()) {
            st.execute(statement);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
