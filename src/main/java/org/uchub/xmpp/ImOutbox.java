package org.uchub.xmpp;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.sql.DataSource;
import org.uchub.sessionlog.Database;

/**
 * The IM channel's queue of work for the XMPP server (table {@code uc_im_outbox}), written
 * before anything is sent so that an outage or a restart loses nothing. Items of a session
 * are done in the order they were added.
 */
public class ImOutbox {
    public static final String DIRECT = "DIRECT";
    /** A direct message about another channel's session (someone joins a conference): it changes no participant's state. */
    public static final String NOTIFY = "NOTIFY";
    public static final String ROOM_OPEN = "ROOM_OPEN";
    public static final String INVITE = "INVITE";
    public static final String POST = "POST";
    public static final String REMOVE = "REMOVE";
    public static final String CLOSE = "CLOSE";

    static final String PENDING = "PENDING";
    static final String DONE = "DONE";
    static final String FAILED = "FAILED";
    /**
     * A room's ROOM_OPEN once its CLOSE has run (done or given up): the hub is finished with the
     * room, so only open rooms stay DONE and the sweeps' reads do not grow with every room ever made.
     */
    static final String CLOSED = "CLOSED";
    private static final String STANZA_PREFIX = "uc-im-";

    private final DataSource ds;

    public ImOutbox(DataSource ds) {
        this.ds = ds;
    }

    /** Work to add: {@code target} is a bare JID (DIRECT, INVITE, REMOVE) or the room's address (ROOM_OPEN, POST, CLOSE). */
    public record Work(String kind, String target, Long participantId, String subject, String body) {
    }

    /** {@code attempts}: how often the server asked for the item again later (see {@link #tryAgainLater}). */
    public record Item(long id, String sessionId, String kind, String target, Long participantId, String subject, String body,
            OffsetDateTime createdAt, int attempts) {
        /**
         * The stanza id the item's message carries, so the server's error and the receipt find it.
         * It names the session too: a receipt or error for an item of another database (a hub
         * started afresh, another instance), whose numbers start at 1 as well, finds nothing here.
         */
        public String stanzaId() {
            return STANZA_PREFIX + id + "-" + ImChannel.tail(sessionId);
        }
    }

    /**
     * Adds a request's work in one transaction. {@code requestKey} names the request (null:
     * it has no idempotency key); a request whose work is already there adds nothing, so a
     * request resumed after a crash does not message anyone twice.
     */
    public void add(String sessionId, String requestKey, List<Work> work) {
        if (work.isEmpty()) {
            return;
        }
        Database.inTransaction(ds, c -> {
            if (requestKey != null) {
                try (PreparedStatement ps = c.prepareStatement("select 1 from uc_im_outbox where request_key = ?")) {
                    ps.setString(1, requestKey);
                    ps.setMaxRows(1);
                    try (java.sql.ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            return null;
                        }
                    }
                }
            }
            OffsetDateTime now = now();
            try (PreparedStatement ps = c.prepareStatement("insert into uc_im_outbox (session_id, kind, target, participant_id, subject,"
                    + " body, state, created_at, request_key, item_no) values (?,?,?,?,?,?,?,?,?,?)")) {
                int no = 0;
                for (Work w : work) {
                    ps.setString(1, sessionId);
                    ps.setString(2, w.kind());
                    ps.setString(3, w.target());
                    if (w.participantId() == null) {
                        ps.setNull(4, Types.BIGINT);
                    } else {
                        ps.setLong(4, w.participantId());
                    }
                    ps.setString(5, w.subject());
                    ps.setString(6, w.body());
                    ps.setString(7, PENDING);
                    ps.setObject(8, now);
                    ps.setString(9, requestKey);
                    if (requestKey == null) {
                        ps.setNull(10, Types.INTEGER);
                    } else {
                        ps.setInt(10, no++);
                    }
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    /**
     * Pending work, oldest first. A message the server asked to send again later comes once its
     * time has come, and holds back what its session added after it, so the session's order
     * stands. One a receipt or a final error settled while it waited is not sent again.
     */
    public List<Item> pending(int max) {
        OffsetDateTime now = now();
        return items("state = ? and confirmed is null and (not_before is null or not_before <= ?) and not exists (select 1 from"
                + " uc_im_outbox w where w.session_id = uc_im_outbox.session_id and w.id < uc_im_outbox.id and w.state = ?"
                + " and w.confirmed is null and w.not_before > ?) order by id", max, PENDING, now, PENDING, now);
    }

    /**
     * A sent message the server asked to send again later (an error of type wait): pending again
     * after a wait that doubles with each such answer. False when a receipt or a final error
     * has settled it meanwhile.
     */
    public boolean tryAgainLater(Item item, String error, long baseWaitMs, long maxWaitMs) {
        long waitMs = Math.max(0, Math.min(Math.min(baseWaitMs << Math.min(item.attempts(), 16), 300_000L), maxWaitMs));
        // Compare and set on attempts: the sender's done() for the copy before cannot overwrite this.
        return update("update uc_im_outbox set state = ?, sent_at = null, confirmed = null, not_before = ?, attempts = attempts + 1,"
                + " last_error = ? where id = ? and attempts = ? and state in (?, ?) and (confirmed is null or confirmed = 'UNCONFIRMED')",
                PENDING, now().plus(java.time.Duration.ofMillis(waitMs)), clip(error), item.id(), item.attempts(), PENDING, DONE) > 0;
    }

    public Optional<Item> byStanzaId(String stanzaId) {
        if (stanzaId == null || !stanzaId.startsWith(STANZA_PREFIX)) {
            return Optional.empty();
        }
        String rest = stanzaId.substring(STANZA_PREFIX.length());
        int dash = rest.indexOf('-');
        if (dash < 0) {
            return Optional.empty();
        }
        try {
            long id = Long.parseLong(rest.substring(0, dash));
            return items("id = ?", 1, id).stream().filter(i -> i.stanzaId().equals(stanzaId)).findFirst();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The session whose room this is (rooms are kept in lower case, so the index on target finds it). */
    public Optional<String> sessionOfRoom(String roomJid) {
        return items("target = ? and kind = ? order by id desc", 1, roomJid.toLowerCase(Locale.ROOT), ROOM_OPEN).stream().findFirst()
                .map(Item::sessionId);
    }

    /** The room a session opened, if it is a group chat. */
    public Optional<String> roomOf(String sessionId) {
        return items("session_id = ? and kind = ? order by id", 1, sessionId, ROOM_OPEN).stream().findFirst().map(Item::target);
    }

    /** Rooms opened and not closed (nor being closed), to join again after a reconnect. */
    public List<Item> openRooms() {
        return items("kind = ? and state = ? and not exists (select 1 from uc_im_outbox c where c.session_id = uc_im_outbox.session_id"
                + " and c.kind = ?) and exists (select 1 from uc_session s where s.session_id = uc_im_outbox.session_id"
                + " and s.state not in ('ENDED', 'FAILED')) order by id", 10_000, ROOM_OPEN, DONE, CLOSE);
    }

    /**
     * Rooms opened and not closed (nor being closed) whose sessions are over: FAILED, or ENDED
     * for longer than {@link #ENDED_GRACE} without their close queued (the hub stopped between
     * ending a session and queueing it; within the grace the EndSession or idle end that ended
     * it queues its own, and a sweep then would queue a second). They are to be closed.
     */
    public List<Item> roomsOfFailedSessions() {
        return items("kind = ? and state = ? and not exists (select 1 from uc_im_outbox c where c.session_id = uc_im_outbox.session_id"
                + " and c.kind = ?) and exists (select 1 from uc_session s where s.session_id = uc_im_outbox.session_id"
                + " and (s.state = 'FAILED' or (s.state = 'ENDED' and s.ended_at < ?))) order by id", 100, ROOM_OPEN, DONE, CLOSE,
                OffsetDateTime.now(java.time.ZoneOffset.UTC).minus(ENDED_GRACE));
    }

    /** How long an ended session's own close has to be queued before the sweep queues one. */
    static final java.time.Duration ENDED_GRACE = java.time.Duration.ofMinutes(2);

    /** What the outbox holds of a session's room: made (its ROOM_OPEN done), failed to be made, its CLOSE queued. */
    public record RoomState(boolean opened, boolean failed, boolean closeQueued) {
    }

    /** The session's room as the outbox holds it, in one read (the sender asks before every step in a room). */
    public RoomState roomState(String sessionId) {
        boolean opened = false;
        boolean failed = false;
        boolean closing = false;
        for (String[] i : Database.query(ds, "select kind, state from uc_im_outbox where session_id = ? and kind in (?, ?)", 100,
                rs -> new String[] {rs.getString(1), rs.getString(2)}, sessionId, ROOM_OPEN, CLOSE)) {
            opened |= ROOM_OPEN.equals(i[0]) && (DONE.equals(i[1]) || CLOSED.equals(i[1]));
            failed |= ROOM_OPEN.equals(i[0]) && FAILED.equals(i[1]);
            closing |= CLOSE.equals(i[0]);
        }
        return new RoomState(opened, failed, closing);
    }

    /** Whether the session's room is closed or being closed already. */
    public boolean closeQueued(String sessionId) {
        return !items("session_id = ? and kind = ?", 1, sessionId, CLOSE).isEmpty();
    }

    /** Whether a receipt or an error has settled the item (it is not to be sent again). */
    public boolean settled(long id) {
        return !Database.query(ds, "select 1 from uc_im_outbox where id = ? and confirmed is not null", 1, rs -> 1, id).isEmpty();
    }

    /**
     * Direct messages sent before the time that no receipt, error or earlier check has settled
     * (the index on kind, state, confirmed and sent_at holds them apart from those settled).
     */
    public List<Item> unconfirmed(OffsetDateTime sentBefore) {
        return items("kind = ? and state = ? and confirmed is null and sent_at < ? order by id", 1000, DIRECT, DONE, sentBefore);
    }

    /**
     * Sent; false when the server has meanwhile asked for this copy again later (its answer can
     * come before the write is confirmed), so the copy does not count as sent.
     */
    public boolean done(Item item) {
        return Database.inTransaction(ds, c -> {
            boolean done = update(c, "update uc_im_outbox set state = ?, sent_at = ? where id = ? and attempts = ?", DONE, now(), item.id(),
                    item.attempts()) > 0;
            if (done && CLOSE.equals(item.kind())) {
                roomClosed(c, item.id());
            }
            return done;
        });
    }

    public void failed(long id, String error) {
        Database.inTransaction(ds, c -> {
            update(c, "update uc_im_outbox set state = ?, last_error = ? where id = ?", FAILED, clip(error), id);
            // A CLOSE given up on ends the room for the hub as one done does: nothing joins or closes it again.
            return roomClosed(c, id);
        });
    }

    /** The ROOM_OPEN of the session whose CLOSE {@code closeId} is becomes CLOSED (nothing when it is no CLOSE). */
    private static int roomClosed(Connection c, long closeId) throws SQLException {
        return update(c, "update uc_im_outbox set state = ? where kind = ? and state = ? and session_id = (select x.session_id from"
                + " uc_im_outbox x where x.id = ? and x.kind = ?)", CLOSED, ROOM_OPEN, DONE, closeId, CLOSE);
    }

    /**
     * Records the first settlement of a sent message (DELIVERED, REFUSED, UNCONFIRMED); false if it was settled already.
     * One waiting to be sent again (the server said "try again later") is settled all the same, so it is DONE: as
     * PENDING it would be read by every pass of {@link #pending} and never move on.
     */
    public boolean confirm(long id, String how) {
        return update("update uc_im_outbox set confirmed = ?, state = case when state = ? then ? else state end where id = ?"
                + " and (confirmed is null or (confirmed = 'UNCONFIRMED' and ? <> 'UNCONFIRMED'))", how, PENDING, DONE, id, how) > 0;
    }

    private int update(String sql, Object... params) {
        return Database.update(ds, sql, params);
    }

    private static int update(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            return ps.executeUpdate();
        }
    }

    private List<Item> items(String condition, int max, Object... params) {
        return Database.query(ds, "select id, session_id, kind, target, participant_id, subject, body, created_at, attempts"
                + " from uc_im_outbox where " + condition, max, rs -> {
                    long pid = rs.getLong(5);
                    return new Item(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.wasNull() ? null : pid,
                            rs.getString(6), rs.getString(7), rs.getObject(8, OffsetDateTime.class), rs.getInt(9));
                }, params);
    }

    private static String clip(String s) {
        return s == null || s.length() <= 1000 ? s : s.substring(0, 1000);
    }

    private static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
    }
}
