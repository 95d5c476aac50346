package org.uchub.sessionlog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;

/**
 * The session log as channels see it once a session is running: who is to be reached, and
 * what happened to them since. States only move forward (a late RINGING never overwrites a
 * JOINED, a repeated LEFT is not logged twice), so a channel may report the same news twice,
 * as a reconnect's reconciliation does, without the log saying it twice.
 */
public class ChannelProgress {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ChannelProgress.class);
    public static final String INVITED = "INVITED";
    /**
     * The PBX's news that a channel sharing a call's Linkedid hung up: the second party left,
     * if it was being rung or talking by then; else it is not the second party's channel.
     */
    public static final String LEFT_IF_REACHED = "LEFT_IF_REACHED";
    /** The source of the PBX's news ({@code org.uchub.pbx.PbxEvents}). */
    private static final String PBX = "pbx";
    public static final String RINGING = "RINGING";
    public static final String JOINED = "JOINED";
    public static final String LEFT = "LEFT";
    public static final String FAILED = "FAILED";
    public static final String REMOVED = "REMOVED";
    public static final String DIALLING = "DIALLING";
    public static final String ACTIVE = "ACTIVE";
    public static final String PENDING = "PENDING";
    /** A message was accepted by the server for the participant (IM). */
    public static final String NOTIFIED = "NOTIFIED";
    /** The participant's client confirmed the message (IM). */
    public static final String DELIVERED = "DELIVERED";

    /** The fax was mailed to the gateway, which has not reported yet (fax). */
    public static final String SENT = "SENT";

    private static final Map<String, Integer> PARTICIPANT_RANK = Map.ofEntries(Map.entry(SessionLog.P_REQUESTED, 0),
            Map.entry(INVITED, 1), Map.entry(NOTIFIED, 1), Map.entry(SENT, 1), Map.entry(RINGING, 2), Map.entry(JOINED, 3),
            Map.entry(DELIVERED, 3), Map.entry(LEFT, 4), Map.entry(FAILED, 4), Map.entry(REMOVED, 4),
            Map.entry(SessionLog.P_NOT_CONNECTED, 4));
    private static final Map<String, Integer> SESSION_RANK = Map.of(SessionLog.STATE_REQUESTED, 0, PENDING, 1, DIALLING, 2,
            ACTIVE, 3, SessionLog.STATE_ENDED, 4, FAILED, 4, SessionLog.STATE_NOT_CONNECTED, 4);

    /** Until when (System.nanoTime) {@link #stillToDial} does not ask a session log it just found out of reach. */
    private volatile long unreachableUntil = System.nanoTime();
    private final DataSource ds;
    private final SessionLog log;
    private final NumberPool pool;

    public ChannelProgress(DataSource ds, SessionLog log, NumberPool pool) {
        this.ds = ds;
        this.log = log;
        this.pool = pool;
    }

    /** A participant as a channel needs it: whom to reach, and how far it got. */
    public record Party(long id, String addressType, String address, String role, String state, boolean muted,
            OffsetDateTime updatedAt, String personId) {
        public boolean isActive() {
            return PARTICIPANT_RANK.getOrDefault(state, 0) < 4;
        }
    }

    /** A running session as a channel needs it. */
    public record Running(String sessionId, String tenant, String businessId, String channel, String state, String reservedNumber,
            boolean recordRequested, boolean video, String recordingRef, OffsetDateTime startedAt, List<Party> parties) {

        Running withParty(long id, String newState, OffsetDateTime at) {
            List<Party> ps = new ArrayList<>(parties.size());
            for (Party p : parties) {
                ps.add(p.id() != id ? p
                        : new Party(p.id(), p.addressType(), p.address(), p.role(), newState, p.muted(), at, p.personId()));
            }
            return new Running(sessionId, tenant, businessId, channel, state, reservedNumber, recordRequested, video, recordingRef,
                    startedAt, ps);
        }

        Running withState(String newState) {
            return new Running(sessionId, tenant, businessId, channel, newState, reservedNumber, recordRequested, video, recordingRef,
                    startedAt, parties);
        }

        Running withRecording(String ref) {
            return new Running(sessionId, tenant, businessId, channel, state, reservedNumber, recordRequested, video, ref, startedAt,
                    parties);
        }

        /** The participant with this address: the latest row, as one removed and added again is a new row. */
        public Party party(String address) {
            Party found = null;
            for (Party p : parties) {
                if (org.uchub.request.JidForm.sameAddress(p.address(), address)) {
                    found = p;
                }
            }
            if (found == null) {
                throw new IllegalStateException(address + " is not a participant of " + sessionId);
            }
            return found;
        }
    }

    public Optional<Running> running(String sessionId) {
        return Database.read(ds, c -> running(c, sessionId));
    }

    /**
     * Whether the reserved number is bound to a session other than this one now: once a
     * session's end released it, the next conference may hold it, and its room is that
     * conference's.
     */
    public boolean numberHeldByAnother(String number, String sessionId) {
        return Database.read(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement("select session_id from uc_reserved_number where reserved_number = ?")) {
                ps.setString(1, number);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() && !sessionId.equals(rs.getString(1));
                }
            }
        });
    }

    /**
     * Whether a claimed participant is still to be dialled, as the session log says just before
     * its originate goes out: not if its session is over or it was removed (or left, or
     * failed) meanwhile, which another hub instance than the one that queued the originate
     * may have recorded. A session log out of reach says yes: the claim stands.
     */
    public boolean stillToDial(String sessionId, long participantId) {
        if (System.nanoTime() - unreachableUntil < 0) {
            return true; // asked a moment ago and found the log out of reach: each question would wait for the pool's timeout
        }
        try {
            return Database.read(ds, c -> {
                try (PreparedStatement ps = c.prepareStatement("select s.state, p.state from uc_session s join uc_participant p"
                        + " on p.session_id = s.session_id where s.session_id = ? and p.id = ?")) {
                    ps.setString(1, sessionId);
                    ps.setLong(2, participantId);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (!rs.next()) {
                            return false;
                        }
                        String party = rs.getString(2);
                        return SESSION_RANK.getOrDefault(rs.getString(1), 0) < 4 && !SessionLog.P_REMOVED.equals(party)
                                && !SessionLog.P_LEFT.equals(party) && !FAILED.equals(party);
                    }
                }
            });
        } catch (RuntimeException e) {
            if (e instanceof SessionLogUnavailableException) {
                unreachableUntil = System.nanoTime() + 10_000_000_000L;
            }
            // Unsure: the claim stands (the retry sweep only dials REQUESTED participants, so not
            // dialling now would leave this one INVITED for good).
            org.slf4j.LoggerFactory.getLogger(ChannelProgress.class).warn("Could not ask the session log whether participant {} of"
                    + " session {} is still to be dialled ({}): dialling", participantId, sessionId, e.toString());
            return true;
        }
    }

    /** The session a reserved number (conference room) is bound to now. */
    public Optional<Running> bound(String reservedNumber) {
        return Database.read(ds, c -> {
            String id = boundTo(c, reservedNumber);
            return id == null ? Optional.<Running>empty() : running(c, id);
        });
    }

    /**
     * Sessions of a channel that wait for the PBX: PENDING ones, and open ones with a
     * participant still to be dialled.
     *
     * <p>With {@code firstPartyOnly} (calls) only the session's first participant counts: a
     * call's second party is the PBX's to dial once the first answers, and waits as REQUESTED
     * until then. And only REQUESTED sessions are read besides PENDING ones: the claim of a
     * first party moves its session to DIALLING in the same transaction, and undoing it puts
     * the session back to PENDING, so a DIALLING or ACTIVE call has its first party dialled.
     * Reading those too cost a tenth of a core and more while thousands of calls were up, and
     * grew as the PBX fell behind.
     *
     * <p>One query, in one part per state ({@link #inEachState}).
     */
    public List<Running> waiting(String channel, boolean firstPartyOnly) {
        String participantWaits = " and exists (select 1 from uc_participant p where p.session_id = s.session_id and p.state = ?"
                + (firstPartyOnly ? " and p.id = (select min(q.id) from uc_participant q where q.session_id = s.session_id)" : "")
                + ")";
        String[] open = firstPartyOnly ? new String[] {SessionLog.STATE_REQUESTED}
                : new String[] {SessionLog.STATE_REQUESTED, DIALLING, ACTIVE};
        String part = "select s.session_id, s.started_at from uc_session s where s.channel = ? and s.state = ?";
        String sql = part + " union all " + inEachState(part + participantWaits, open.length) + " order by 2";
        return Database.read(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = 1;
                ps.setString(i++, channel);
                ps.setString(i++, PENDING);
                for (String state : open) {
                    ps.setString(i++, channel);
                    ps.setString(i++, state);
                    ps.setString(i++, SessionLog.P_REQUESTED);
                }
                return runningOf(c, ps);
            }
        });
    }

    /**
     * The type of the latest of the given events logged about a participant of the session
     * (by address), if any. Read within the case's own events, which its key orders.
     */
    public Optional<String> lastEventOf(Running s, String participant, String... types) {
        Object[] rest = new Object[1 + types.length];
        rest[0] = participant;
        System.arraycopy(types, 0, rest, 1, types.length);
        return Database.query(ds, "select event_type from uc_event where tenant = ? and business_id = ? and session_id = ?"
                + " and participant = ? and event_type in (" + placeholders(types.length) + ") order by seq desc", 1,
                rs -> rs.getString(1), ofSession(s, rest)).stream().findFirst();
    }

    /**
     * When the latest of the given events of the session was logged, if it has any: the last
     * time one of them shows the session's channel to have been there.
     */
    public Optional<OffsetDateTime> lastEventTime(Running s, String... types) {
        return Database.query(ds, "select max(event_time) from uc_event where tenant = ? and business_id = ? and session_id = ?"
                + " and event_type in (" + placeholders(types.length) + ")", 1, rs -> rs.getObject(1, OffsetDateTime.class),
                ofSession(s, (Object[]) types)).stream().filter(java.util.Objects::nonNull).findFirst();
    }

    /** The parameters of a query about one session's events: its case and id, then the rest. */
    private static Object[] ofSession(Running s, Object... rest) {
        Object[] params = new Object[3 + rest.length];
        params[0] = s.tenant();
        params[1] = s.businessId();
        params[2] = s.sessionId();
        System.arraycopy(rest, 0, params, 3, rest.length);
        return params;
    }

    private static String placeholders(int n) {
        return String.join(",", java.util.Collections.nCopies(n, "?"));
    }

    /**
     * Whether the session has an event of this type logged within the span, with this detail
     * about this participant (by address; null: about any participant), or with
     * {@code otherDetail} about no participant.
     */
    public boolean hasEvent(Running s, String type, String participant, String detail, String otherDetail, OffsetDateTime from,
            OffsetDateTime to) {
        String who = participant == null ? "participant is not null" : "participant = ?";
        List<Object> params = new ArrayList<>(List.of(s.tenant(), s.businessId(), s.sessionId(), type, from, to));
        if (participant != null) {
            params.add(participant);
        }
        params.add(stored(detail));
        params.add(stored(otherDetail));
        return !Database.query(ds, "select seq from uc_event where tenant = ? and business_id = ? and session_id = ? and event_type = ?"
                + " and event_time between ? and ? and (" + who + " and detail = ? or participant is null and detail = ?)", 1,
                rs -> rs.getLong(1), params.toArray()).isEmpty();
    }

    private static String stored(String detail) {
        return org.uchub.support.Clip.clip(detail, 4000); // as appendEvent stores it
    }

    /** Logs an event that happened at {@code at}, not now: news that reached the hub late. It changes no state. */
    public void logEventAt(Running s, String type, String source, String participant, String detail, OffsetDateTime at) {
        Database.inTransaction(ds, c -> {
            SessionLog.appendEvent(c, s.tenant(), s.businessId(), s.sessionId(), at, type, source, participant, detail);
            return null;
        });
    }

    /** Sessions of a channel that are not over yet, in the given states (all open ones when none given). */
    public List<Running> open(String channel, String... states) {
        String[] in = states.length > 0 ? states : new String[] {SessionLog.STATE_REQUESTED, PENDING, DIALLING, ACTIVE};
        String sql = inEachState("select s.session_id, s.started_at from uc_session s where s.channel = ? and s.state = ?",
                in.length) + " order by 2";
        return Database.read(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = 1;
                for (String state : in) {
                    ps.setString(i++, channel);
                    ps.setString(i++, state);
                }
                return runningOf(c, ps);
            }
        });
    }

    /**
     * The most recent open sessions of a channel in which the address takes part (compared
     * without letter case), newest first: whom a message from that address may be about.
     */
    public List<Running> withParticipant(String channel, String address, int max) {
        return openWith(channel, address, null, max);
    }

    /**
     * The open sessions of a channel in which the address takes part and whose business ID is
     * one of those given, at most {@code max}: which of the cases a message names are that
     * sender's. Asked by business ID, so a participant of many open sessions is matched against
     * all of them, not only the newest.
     */
    public List<Running> withParticipantNaming(String channel, String address, java.util.Collection<String> businessIds, int max) {
        return businessIds.isEmpty() ? List.of() : openWith(channel, address, businessIds, max);
    }

    /** Open sessions of the channel with the address among their participants, of these business IDs (null: any). */
    private List<Running> openWith(String channel, String address, java.util.Collection<String> businessIds, int max) {
        String[] open = {SessionLog.STATE_REQUESTED, PENDING, DIALLING, ACTIVE};
        // An address stored with a resource (a JID's /phone) is found by its bare part too; the
        // caller compares exactly. '_' and '%' are legal in a JID: escaped, they match only themselves.
        String sql = inEachState("select s.session_id, s.started_at from uc_session s where s.channel = ? and s.state = ?"
                + (businessIds == null ? "" : " and s.business_id in (" + placeholders(businessIds.size()) + ")")
                + " and exists (select 1 from uc_participant p where p.session_id = s.session_id"
                + " and (lower(p.address) = ? or lower(p.address) like ? escape '!'))", open.length) + " order by 2 desc";
        // New rows hold the JID in this form; lower() in the query covers older rows that differ only in case.
        String bare = org.uchub.request.JidForm.bare(address);
        String underBare = bare.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "/%";
        return Database.read(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = 1;
                for (String state : open) {
                    ps.setString(i++, channel);
                    ps.setString(i++, state);
                    if (businessIds != null) {
                        for (String id : businessIds) {
                            ps.setString(i++, id);
                        }
                    }
                    ps.setString(i++, bare);
                    ps.setString(i++, underBare);
                }
                ps.setMaxRows(max);
                return runningOf(c, ps);
            }
        });
    }

    /**
     * The query once per state, joined: each part reads the index on (channel, state) down to
     * its own state. With OR or IN on the state H2 reads every session the channel ever had,
     * ended ones too, so the query would grow with history instead of with the open sessions.
     */
    private static String inEachState(String part, int states) {
        return String.join(" union all ", java.util.Collections.nCopies(states, part));
    }

    /** The sessions whose ids the query selects, read after the query has been read to its end. */
    private List<Running> runningOf(Connection c, PreparedStatement ids) throws SQLException {
        List<String> found = new ArrayList<>();
        try (ResultSet rs = ids.executeQuery()) {
            while (rs.next()) {
                found.add(rs.getString(1));
            }
        }
        List<Running> out = new ArrayList<>();
        for (String id : found) {
            running(c, id).ifPresent(out::add);
        }
        return out;
    }

    private Optional<Running> running(Connection c, String sessionId) throws SQLException {
        Running r = null;
        try (PreparedStatement ps = c.prepareStatement("select session_id, tenant, business_id, channel, state, reserved_number,"
                + " record_requested, video, recording_ref, started_at from uc_session where session_id = ?")) {
            ps.setString(1, sessionId);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    r = new Running(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
                            rs.getBoolean(7), rs.getBoolean(8), rs.getString(9), rs.getObject(10, OffsetDateTime.class), new ArrayList<>());
                }
            }
        }
        if (r == null) {
            return Optional.empty();
        }
        try (PreparedStatement ps = c.prepareStatement(
                "select id, address_type, address, role, state, muted, updated_at, person_id from uc_participant where session_id = ?"
                + " order by id")) {
            ps.setString(1, sessionId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    r.parties().add(new Party(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            rs.getBoolean(6), rs.getObject(7, OffsetDateTime.class), rs.getString(8)));
                }
            }
        }
        return Optional.of(r);
    }

    /**
     * Records one piece of news. Returns false, recording nothing, when it names no session
     * the log knows (another system's call on the same PBX) or changes nothing (news heard before).
     */
    public boolean apply(SessionUpdate update) {
        SessionUpdate u = applied(update);
        return u != null && !u.onlyAsksForAction();
    }

    /**
     * {@link #apply}, with the caller's own writes in the same transaction: the news and what
     * the caller keeps about it are recorded together or not at all, so a failure between the
     * two can neither lose the news nor have it told twice.
     */
    public boolean apply(SessionUpdate update, Database.Work<?> alongside) {
        SessionUpdate u = Database.inTransaction(ds, c -> {
            SessionUpdate a = applied(c, update);
            alongside.apply(c);
            return a;
        });
        return u != null && !u.onlyAsksForAction();
    }

    /**
     * The caller's change and the news it makes, in one transaction: the news is recorded only
     * when the change returns true, and neither stays when the news cannot be recorded.
     * Returns what the change returned.
     */
    public boolean applyIf(Database.Work<Boolean> change, SessionUpdate news) {
        return Database.inTransaction(ds, c -> {
            if (!change.apply(c)) {
                return false;
            }
            applied(c, news);
            return true;
        });
    }

    /** {@link #apply}, returning the news with its session resolved, or null when nothing was recorded. */
    private SessionUpdate applied(SessionUpdate update) {
        return Database.inTransaction(ds, c -> applied(c, update));
    }

    private SessionUpdate applied(Connection c, SessionUpdate update) throws SQLException {
        return applied(c, update, null);
    }

    /**
     * {@link #applied(Connection, SessionUpdate)}, with the sessions this transaction already
     * read and changed in {@code known} (may be null): a session the PBX reports several
     * things about in one batch is read once, not once per piece of news.
     */
    private SessionUpdate applied(Connection c, SessionUpdate update, Map<String, Running> known) throws SQLException {
        if (update.onlyAsksForAction()) {
            return update;
        }
        String sessionId = resolve(c, update);
        if (sessionId == null) {
            return null;
        }
        Running s = known != null ? known.get(sessionId) : null;
        if (s == null) {
            s = locked(c, sessionId);
            if (s != null) {
                // Kept even if this news changes nothing: a late or repeated piece is common.
                remember(known, s);
            }
        }
        if (s == null) {
            return null;
        }
        if (update.sessionId() != null && update.bridgeId() != null && !isOver(s)) {
            // A channel of the session joined this room instance: the session's room, unless it has
            // one already. Not once it is over: a channel outliving its session may join the room of
            // the number's next session. Under the case's lock, taken above, like every other write.
            try (PreparedStatement ps = c.prepareStatement("update uc_session set bridge_id = ? where session_id = ? and bridge_id is null")) {
                ps.setString(1, update.bridgeId());
                ps.setString(2, update.sessionId());
                ps.executeUpdate();
            }
        }
        return applied(c, update, s, known);
    }

    /**
     * {@link #applied(Connection, SessionUpdate)} for a session as {@link #locked} read it in
     * this transaction, or as {@code known} holds it since. What it changes it also puts in
     * {@code known} (when given), so that the session there stays as the transaction sees it;
     * a session it closes leaves it.
     */
    private SessionUpdate applied(Connection c, SessionUpdate update, Running s, Map<String, Running> known) throws SQLException {
        String sessionId = s.sessionId();
        Running after = s;
        SessionUpdate u = update.about(sessionId, s.reservedNumber());
        OffsetDateTime now = happened(c, s, u);
        String address = null;
        boolean changed = false;
        if (u.participantId() != null) {
            Party p = s.parties().stream().filter(x -> x.id() == update.participantId()).findFirst().orElse(null);
            if (p == null) {
                return null;
            }
            address = p.address();
            if (u.participantState() != null) {
                String wanted = u.participantState();
                if (LEFT_IF_REACHED.equals(wanted)) {
                    if (!RINGING.equals(p.state()) && !JOINED.equals(p.state())) {
                        // Behind a Local dial template the first party's own channel shares the
                        // call's Linkedid: its hang-up before the second party was dialled is not
                        // the second party's.
                        return null;
                    }
                    wanted = LEFT;
                }
                // Someone who was in the call and hangs up left it, whatever the cause code says.
                String state = FAILED.equals(wanted) && JOINED.equals(p.state()) ? LEFT : wanted;
                String eventType = u.eventType();
                String detail = u.detail();
                if (LEFT.equals(state) && PBX.equals(u.source()) && (INVITED.equals(p.state()) || SessionLog.P_REQUESTED.equals(p.state()))) {
                    // A phone that never rang cannot leave: a channel that hung up before then (an
                    // answer the trunk never signalled, a ConfBridge that would not start) did not
                    // reach its party. Logged as left, the party would count as reached, and a call
                    // nobody answered would end ENDED instead of FAILED.
                    state = FAILED;
                    eventType = "PARTICIPANT_FAILED";
                    detail = "Hung up before joining" + (detail == null ? "" : " (" + detail + ")");
                } else if (!state.equals(u.participantState())) {
                    eventType = LEFT.equals(state) ? "PARTICIPANT_LEFT" : eventType;
                    if (LEFT.equals(state) && FAILED.equals(u.participantState()) && detail != null) {
                        // Asterisk's Dial() gives the caller its callee's cause (busy, congestion): the
                        // one who was in the call left it; the reason was the other party's.
                        detail = "Left: the call ended (" + detail + ")";
                    }
                }
                if (!advances(PARTICIPANT_RANK, p.state(), state)) {
                    if (PBX.equals(u.source()) && "conference".equals(s.channel()) && (RINGING.equals(state) || JOINED.equals(state))
                            && PARTICIPANT_RANK.getOrDefault(p.state(), 0) >= 4) {
                        return SessionUpdate.outlived(sessionId, s.reservedNumber(), p.id(), u.source(),
                                "A channel of participant " + p.id() + " (" + p.state() + ") " + (JOINED.equals(state) ? "joined" : "rings"));
                    }
                    return null;
                }
                setParticipant(c, p.id(), state, now);
                after = remember(known, after.withParty(p.id(), state, now));
                if (!state.equals(u.participantState()) || !eventType.equals(u.eventType())) {
                    u = new SessionUpdate(sessionId, u.reservedNumber(), u.bridgeId(), u.participantId(), state, u.sessionState(),
                            u.ends(), eventType, u.source(), detail, u.recordingRef(), u.happenedAt());
                }
                changed = true;
            }
        }
        boolean open = !isOver(s);
        if (u.sessionState() != null && open && advances(SESSION_RANK, s.state(), u.sessionState())) {
            setSession(c, sessionId, u.sessionState(), now, false);
            after = remember(known, after.withState(u.sessionState()));
            changed = true;
        }
        if (u.recordingRef() != null) {
            // An empty reference: the recording the session started (the PBX's event does not name the file).
            String ref = u.recordingRef().isEmpty() ? s.recordingRef() : u.recordingRef();
            if (ref == null || (ref.equals(s.recordingRef()) && logged(c, s, u.eventType()))) {
                return null;
            }
            u = new SessionUpdate(sessionId, u.reservedNumber(), u.bridgeId(), u.participantId(), u.participantState(),
                    u.sessionState(), u.ends(), u.eventType(), u.source(), u.detail() != null ? u.detail() : "Recording " + ref, ref,
                    u.happenedAt());
            try (PreparedStatement ps = c.prepareStatement("update uc_session set recording_ref = ? where session_id = ?")) {
                ps.setString(1, u.recordingRef());
                ps.setString(2, sessionId);
                ps.executeUpdate();
            }
            after = remember(known, after.withRecording(u.recordingRef()));
            changed = true;
        }
        if (!changed && !u.ends() && u.participantId() == null && u.sessionState() != null) {
            return null;
        }
        if (u.ends() && !open) {
            return null;
        }
        if (u.ends()) {
            boolean reached = s.parties().stream().anyMatch(p -> JOINED.equals(p.state()) || LEFT.equals(p.state())
                    || DELIVERED.equals(p.state()) || SENT.equals(p.state()));
            if (reached) {
                close(c, s, SessionLog.STATE_ENDED, u.eventType(), u.source(), u.detail(), now);
            } else {
                close(c, s, FAILED, "SESSION_FAILED", u.source(), u.detail() + "; no participant was reached", now);
            }
            forget(known, sessionId);
            return u;
        }
        SessionLog.appendEvent(c, s.tenant(), s.businessId(), sessionId, now, u.eventType(), u.source(), address, u.detail());
        if (open && FAILED.equals(u.participantState()) && nobodyLeft(c, sessionId)) {
            close(c, s, FAILED, "SESSION_FAILED", "hub", "No participant could be reached.", now);
            forget(known, sessionId);
        }
        return u;
    }

    /**
     * The session news is about: named, or by its room. A room's first news (its start) ties
     * the bound session to that room instance; later news of the room must come from the
     * same instance, so the end of an earlier room of the same number is not taken for this one's.
     */
    private static String resolve(Connection c, SessionUpdate u) throws SQLException {
        if (u.sessionId() != null) {
            return u.sessionId();
        }
        if (u.bridgeId() != null) {
            // An open session first: an ended one may have shared the room instance (its people
            // still in it when its number went to the next session).
            try (PreparedStatement ps = c.prepareStatement("select session_id from uc_session where bridge_id = ?"
                    + " order by case when state in (?, ?, ?) then 1 else 0 end")) {
                ps.setString(1, u.bridgeId());
                ps.setString(2, SessionLog.STATE_ENDED);
                ps.setString(3, FAILED);
                ps.setString(4, SessionLog.STATE_NOT_CONNECTED);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return rs.getString(1);
                    }
                }
            }
        }
        String bound = boundTo(c, u.reservedNumber());
        if (bound == null) {
            return null;
        }
        String known;
        try (PreparedStatement ps = c.prepareStatement("select bridge_id from uc_session where session_id = ?")) {
            ps.setString(1, bound);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                known = rs.getString(1);
            }
        }
        if (known != null && u.bridgeId() != null && !known.equals(u.bridgeId())) {
            return null;
        }
        if (known == null && u.bridgeId() != null) {
            // A room instance is taken up only from its start, never from its end or from news
            // that reached the hub before the number was bound: an earlier session's room of the
            // same number, whose news was queued or which was emptied only after its number was
            // released, must not become this session's (its end would end this one).
            if (u.ends() || u.happenedAt() != null && u.happenedAt().isBefore(boundAt(c, u.reservedNumber()))) {
                return null;
            }
            try (PreparedStatement ps = c.prepareStatement("update uc_session set bridge_id = ? where session_id = ?")) {
                ps.setString(1, u.bridgeId());
                ps.setString(2, bound);
                ps.executeUpdate();
            }
        }
        return bound;
    }

    /**
     * Claims a waiting participant for dialling: REQUESTED becomes INVITED, once. Only the
     * caller whose claim completes with true may dial, so a sweep, a modify and another hub
     * instance never dial the same participant twice. {@code first} (the session's own news,
     * such as that it is now dialling; may be null) is recorded in the same transaction just
     * before, and only if the claim succeeds: one commit instead of two, and no news from a
     * caller that lost the claim to another.
     *
     * <p>The caller does not wait: the future completes once the claim is committed and in the
     * file (on one of the session log's own threads, so what follows it must only hand work
     * on). Writes queued after it, by any thread, see it.
     */
    public CompletableFuture<Boolean> claimAsync(String sessionId, long participantId, String source, String detail,
            SessionUpdate first) {
        return Database.submit(ds, claimWork(sessionId, participantId, source, detail, first));
    }

    private Database.Work<Boolean> claimWork(String sessionId, long participantId, String source, String detail, SessionUpdate first) {
        return c -> {
            Running s = locked(c, sessionId);
            if (s == null) {
                return false;
            }
            if (isOver(s)) {
                // Ended (or failed) meanwhile: nobody is dialled into a session that is over.
                return false;
            }
            if (first != null) {
                boolean waits = s.parties().stream().anyMatch(p -> p.id() == participantId && SessionLog.P_REQUESTED.equals(p.state()));
                if (!waits) {
                    return false;
                }
                // As just read in this transaction (under its lock where one is taken): not looked up again.
                if (sessionId.equals(first.sessionId())) {
                    applied(c, first, s, null);
                } else {
                    applied(c, first);
                }
            }
            OffsetDateTime now = log.now();
            try (PreparedStatement ps = c.prepareStatement("update uc_participant set state = ?, updated_at = ? where id = ?"
                    + " and session_id = ? and state = ?")) {
                ps.setString(1, INVITED);
                ps.setObject(2, now);
                ps.setLong(3, participantId);
                ps.setString(4, sessionId);
                ps.setString(5, SessionLog.P_REQUESTED);
                if (ps.executeUpdate() == 0) {
                    return false;
                }
            }
            String address = s.parties().stream().filter(p -> p.id() == participantId).findFirst().map(Party::address).orElse(null);
            SessionLog.appendEvent(c, s.tenant(), s.businessId(), sessionId, now, "PARTICIPANT_INVITED", source, address, detail);
            return true;
        };
    }

    /**
     * Gives a claimed participant back because its dial never reached the PBX: it waits
     * (REQUESTED) again, and its session is PENDING until the PBX is back.
     */
    public void unclaim(String sessionId, long participantId, String source, String detail) {
        Database.inTransaction(ds, c -> {
            Running s = locked(c, sessionId);
            if (s == null) {
                return null;
            }
            OffsetDateTime now = log.now();
            try (PreparedStatement ps = c.prepareStatement("update uc_participant set state = ?, updated_at = ? where id = ?"
                    + " and state = ?")) {
                ps.setString(1, SessionLog.P_REQUESTED);
                ps.setObject(2, now);
                ps.setLong(3, participantId);
                ps.setString(4, INVITED);
                if (ps.executeUpdate() == 0) {
                    return null;
                }
            }
            // A session that has not got going waits as PENDING (and fails if the PBX stays away);
            // a running one stays ACTIVE and its waiting participant is dialled when the PBX is back.
            if (SESSION_RANK.getOrDefault(s.state(), 0) < SESSION_RANK.get(ACTIVE) && !PENDING.equals(s.state())) {
                setSession(c, sessionId, PENDING, now, false);
            }
            if (!isOver(s)) {
                SessionLog.appendEvent(c, s.tenant(), s.businessId(), sessionId, now, "PBX_UNAVAILABLE", source, null, detail);
            }
            return null;
        });
    }

    /**
     * {@link #apply} for the PBX event route: returns the news with its session resolved (so
     * the route can act on it), or null when it was not recorded. While the database is
     * unreachable it waits and tries again (with back-off), holding back the events behind
     * this one so that their order survives the outage.
     */
    public SessionUpdate record(SessionUpdate update) throws InterruptedException {
        long delay = 500;
        while (true) {
            try {
                return applied(update);
            } catch (SessionLogUnavailableException e) {
                LOG.warn(
                        "Session log unreachable while recording {} of session {}: retrying in {} ms", update.eventType(),
                        update.sessionId() != null ? update.sessionId() : "of room " + update.reservedNumber(), delay);
                Thread.sleep(delay);
                delay = Math.min(delay * 2, 30_000);
            }
        }
    }

    /**
     * {@link #record} for news that arrived together: all of it in one transaction, in the
     * order given, each piece seeing what the ones before it recorded. The PBX reports a
     * dozen events per call; recorded one commit each, they would outnumber the requests'
     * own commits several times over. A piece the database refuses is rolled back alone and
     * logged, so it cannot take the rest with it (the batch is then recorded again, a savepoint
     * for each piece; not before, as PostgreSQL slows down past 64 savepoints in one
     * transaction); while the database is unreachable the
     * whole batch waits and is tried again, as {@link #record} does. Returns what was
     * recorded, each with its session resolved, in order, and the channels that outlived their
     * participant ({@link SessionUpdate#isOutlived}), which are not recorded, as is news handed in
     * that only asks for action ({@link SessionUpdate#onlyAsksForAction}), kept in its place; a
     * muted participant's joining is followed by a {@link SessionUpdate#muteDiffers} for them.
     */
    public List<SessionUpdate> recordAll(List<SessionUpdate> updates) throws InterruptedException {
        if (updates.isEmpty()) {
            return List.of();
        }
        long delay = 500;
        while (true) {
            try {
                try {
                    return Database.inTransaction(ds, batch(updates, false));
                } catch (SessionLogUnavailableException e) {
                    throw e;
                } catch (RuntimeException refused) {
                    // One of them was refused, and the whole batch with it: again, each update in a
                    // savepoint of its own, so the others are recorded. Only then, because a savepoint
                    // each costs PostgreSQL dearly beyond 64 in one transaction.
                    LOG.warn("A batch of {} update(s) from {} was refused ({}): recording them one by one", updates.size(),
                            updates.get(0).source(), refused.getMessage());
                }
                return Database.inTransaction(ds, batch(updates, true));
            } catch (SessionLogUnavailableException e) {
                LOG.warn("Session log unreachable while recording {} update(s) from {}: retrying in {} ms", updates.size(),
                        updates.get(0).source(), delay);
                Thread.sleep(delay);
                delay = Math.min(delay * 2, 30_000);
            }
        }
    }

    /**
     * The updates applied in order in one transaction; with {@code eachAlone} each in a savepoint
     * of its own, so that one the database refuses is rolled back and logged without the rest.
     */
    private Database.Work<List<SessionUpdate>> batch(List<SessionUpdate> updates, boolean eachAlone) {
        return c -> {
            List<SessionUpdate> recorded = new ArrayList<>();
            Map<String, Running> known = new HashMap<>();
            for (SessionUpdate update : updates) {
                java.sql.Savepoint sp = eachAlone ? c.setSavepoint() : null;
                try {
                    SessionUpdate u = applied(c, update, known);
                    if (sp != null) {
                        c.releaseSavepoint(sp);
                    }
                    if (u != null) {
                        recorded.add(u);
                        mutedOnJoining(u, known).ifPresent(recorded::add);
                    }
                } catch (SQLException | RuntimeException e) {
                    if (sp == null || (e instanceof SQLException sql && Database.isUnavailable(ds, sql))) {
                        throw e;
                    }
                    c.rollback(sp);
                    // What was remembered of the sessions may include what the rollback undid.
                    known.clear();
                    String session = update.sessionId() != null ? update.sessionId() : "of room " + update.reservedNumber();
                    if (e instanceof SQLException) {
                        LOG.error("The session log refused {} of session {}; it is not recorded: {}", update.eventType(), session,
                                e.getMessage());
                    } else {
                        LOG.error("{} of session {} could not be recorded", update.eventType(), session, e);
                    }
                }
            }
            return recorded;
        };
    }

    /** Fails a session that never got going (the PBX stayed unreachable), releasing what it held. */
    public boolean fail(String sessionId, String source, String detail) {
        return Database.inTransaction(ds, c -> {
            Running s = locked(c, sessionId);
            if (s == null || isOver(s)) {
                return false;
            }
            close(c, s, FAILED, "SESSION_FAILED", source, detail, log.now());
            return true;
        });
    }

    /**
     * Ends an active session that has stayed idle since {@code before} as ENDED, checked again
     * under its business ID's lock (an answer logged since it was found idle keeps it going).
     * As at EndSession of a conversation, who was in leaves and everyone else keeps the state
     * they reached. False when it is over, or no longer idle.
     */
    public boolean endIdle(String sessionId, OffsetDateTime before, String source, String detail) {
        return Database.inTransaction(ds, c -> {
            Running s = locked(c, sessionId);
            if (s == null || !ACTIVE.equals(s.state()) || !stillIdle(c, s, before)) {
                return false;
            }
            OffsetDateTime now = log.now();
            try (PreparedStatement ps = c.prepareStatement("update uc_participant set state = ?, updated_at = ? where session_id = ?"
                    + " and state = ?")) {
                ps.setString(1, LEFT);
                ps.setObject(2, now);
                ps.setString(3, sessionId);
                ps.setString(4, JOINED);
                ps.executeUpdate();
            }
            setSession(c, sessionId, SessionLog.STATE_ENDED, now, true);
            SessionLog.appendEvent(c, s.tenant(), s.businessId(), sessionId, now, "SESSION_ENDED", source, null, detail);
            return true;
        });
    }

    private static boolean stillIdle(Connection c, Running s, OffsetDateTime before) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select 1 from uc_session s where s.session_id = ? and " + IDLE_SINCE)) {
            ps.setString(1, s.sessionId());
            ps.setObject(2, before);
            ps.setObject(3, before);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /**
     * Active sessions of a channel in which nothing has happened since {@code before}: no event
     * of theirs logged, no change to the session. Oldest first, at most {@code max}. Read
     * along the index on (channel, state), and each one's events within its case's own.
     */
    public List<String> idle(String channel, OffsetDateTime before, int max) {
        return Database.query(ds, "select s.session_id from uc_session s where s.channel = ? and s.state = ? and " + IDLE_SINCE
                + " order by s.updated_at", max, rs -> rs.getString(1), channel, ACTIVE, before, before);
    }

    /**
     * Session {@code s} unchanged and without an event since a time, given twice: what makes a
     * session idle, for finding idle ones and for checking one again before it is ended.
     */
    private static final String IDLE_SINCE = "s.updated_at < ? and not exists (select 1 from uc_event e where e.tenant = s.tenant"
            + " and e.business_id = s.business_id and e.session_id = s.session_id and e.event_time >= ?)";

    /** How long a session has waited since it was requested. */
    public static Duration age(Running r, OffsetDateTime now) {
        return Duration.between(r.startedAt(), now);
    }

    private void close(Connection c, Running s, String state, String eventType, String source, String detail, OffsetDateTime now)
            throws SQLException {
        String sessionId = s.sessionId();
        // Who was in leaves; who was still being reached was not reached.
        try (PreparedStatement ps = c.prepareStatement("update uc_participant set state = case when state = ? then ? else ? end,"
                + " updated_at = ? where session_id = ? and state in (?, ?, ?, ?)")) {
            ps.setString(1, JOINED);
            ps.setString(2, LEFT);
            ps.setString(3, FAILED);
            ps.setObject(4, now);
            ps.setString(5, sessionId);
            ps.setString(6, JOINED);
            ps.setString(7, INVITED);
            ps.setString(8, RINGING);
            ps.setString(9, SessionLog.P_REQUESTED);
            ps.executeUpdate();
        }
        setSession(c, sessionId, state, now, true);
        SessionLog.appendEvent(c, s.tenant(), s.businessId(), sessionId, now, eventType, source, null, detail);
        String number = pool.release(c, sessionId, now);
        if (number != null) {
            SessionLog.appendEvent(c, s.tenant(), s.businessId(), sessionId, now, "NUMBER_RELEASED", "hub", null,
                    "Reserved number " + number + " released");
        }
    }

    /**
     * News that a conference's participant joined, whom the log has muted (a mute recorded
     * while they rang): asks for the mute to be carried out in the room. Read from the copy
     * this batch holds, so the other joins, nearly all, cost nothing more.
     */
    private static Optional<SessionUpdate> mutedOnJoining(SessionUpdate joined, Map<String, Running> known) {
        if (!JOINED.equals(joined.participantState()) || joined.participantId() == null || !joined.aboutRoom()) {
            return Optional.empty();
        }
        Running s = known.get(joined.sessionId());
        return s == null ? Optional.empty() : s.parties().stream().filter(p -> p.id() == joined.participantId() && p.muted()).findFirst()
                .map(p -> SessionUpdate.muteDiffers(joined.sessionId(), joined.reservedNumber(), p.id(), joined.source(),
                        "a mute recorded before they joined"));
    }

    private static Running remember(Map<String, Running> known, Running s) {
        if (known != null) {
            known.put(s.sessionId(), s);
        }
        return s;
    }

    /** A closed session changed more than the copy shows (its participants, its state): read again if news follows. */
    private static void forget(Map<String, Running> known, String sessionId) {
        if (known != null) {
            known.remove(sessionId);
        }
    }

    private static boolean advances(Map<String, Integer> rank, String from, String to) {
        int a = rank.getOrDefault(from, 0);
        int b = rank.getOrDefault(to, 0);
        return b > a || (b == 4 && a < 4);
    }

    private static boolean nobodyLeft(Connection c, String sessionId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select state from uc_participant where session_id = ?")) {
            ps.setString(1, sessionId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String st = rs.getString(1);
                    if (!FAILED.equals(st) && !REMOVED.equals(st)) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /** Whether the session has an event of the type; found through the business ID's events (the key), not all events. */
    private static boolean logged(Connection c, Running s, String type) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select 1 from uc_event where tenant = ? and business_id = ? and session_id = ?"
                + " and event_type = ?")) {
            ps.setString(1, s.tenant());
            ps.setString(2, s.businessId());
            ps.setString(3, s.sessionId());
            ps.setString(4, type);
            ps.setMaxRows(1);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static OffsetDateTime boundAt(Connection c, String reservedNumber) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select bound_at from uc_reserved_number where reserved_number = ?")) {
            ps.setString(1, reservedNumber);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getObject(1, OffsetDateTime.class);
            }
        }
    }

    private static String boundTo(Connection c, String reservedNumber) throws SQLException {
        if (reservedNumber == null) {
            return null;
        }
        try (PreparedStatement ps = c.prepareStatement("select session_id from uc_reserved_number where reserved_number = ?")) {
            ps.setString(1, reservedNumber);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /**
     * The session as read under its business ID's row lock, taken for the rest of the
     * transaction so that what was read stays true until the commit; null when it is unknown.
     * Where the group committer is the database's only writer ({@link SessionLogDataSource#soleWriter})
     * there is nobody to lock out, and neither the lock nor the lookup of whose it is is paid:
     * they were a fifth of the statement time of each PBX event.
     */
    private Running locked(Connection c, String sessionId) throws SQLException {
        if (!(ds instanceof SessionLogDataSource sl && sl.soleWriter())) {
            String[] owner = owner(c, sessionId);
            if (owner == null) {
                return null;
            }
            SessionLog.lockCase(c, owner[0], owner[1]);
        }
        return running(c, sessionId).orElse(null);
    }

    /**
     * When the news happened. News recorded within a second of reaching the hub is logged now,
     * as everything else. News that waited longer (the session log was out of reach, or events
     * queued up behind it) keeps the time it reached the hub, so that "who joined when" stays
     * true; but never earlier than the business ID's last logged event, so that the times of
     * its events still rise with their seq.
     */
    private OffsetDateTime happened(Connection c, Running s, SessionUpdate u) throws SQLException {
        OffsetDateTime now = log.now();
        if (u.happenedAt() == null || !u.happenedAt().isBefore(now.minusSeconds(1))) {
            return now;
        }
        OffsetDateTime at = u.happenedAt().withOffsetSameInstant(java.time.ZoneOffset.UTC).truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        try (PreparedStatement ps = c.prepareStatement("select e.event_time from uc_case k join uc_event e on e.tenant = k.tenant"
                + " and e.business_id = k.business_id and e.seq = k.last_seq where k.tenant = ? and k.business_id = ?")) {
            ps.setString(1, s.tenant());
            ps.setString(2, s.businessId());
            try (ResultSet rs = ps.executeQuery()) {
                OffsetDateTime last = rs.next() ? rs.getObject(1, OffsetDateTime.class) : null;
                return last != null && last.isAfter(at) ? last : at;
            }
        }
    }

    /** Whether the session has ended, failed or was never connected. */
    public static boolean isOver(Running s) {
        return isOver(s.state());
    }

    /** Whether a session in this state has ended, failed or was never connected: no channel acts on it any more. */
    public static boolean isOver(String sessionState) {
        return SESSION_RANK.getOrDefault(sessionState, 0) >= 4;
    }

    private static String[] owner(Connection c, String sessionId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select tenant, business_id from uc_session where session_id = ?")) {
            ps.setString(1, sessionId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new String[] {rs.getString(1), rs.getString(2)} : null;
            }
        }
    }

    private static void setParticipant(Connection c, long id, String state, OffsetDateTime now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update uc_participant set state = ?, updated_at = ? where id = ?")) {
            ps.setString(1, state);
            ps.setObject(2, now);
            ps.setLong(3, id);
            ps.executeUpdate();
        }
    }

    private static void setSession(Connection c, String sessionId, String state, OffsetDateTime now, boolean ended) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update uc_session set state = ?, updated_at = ?"
                + (ended ? ", ended_at = ?" : "") + " where session_id = ?")) {
            ps.setString(1, state);
            ps.setObject(2, now);
            if (ended) {
                ps.setObject(3, now);
                ps.setString(4, sessionId);
            } else {
                ps.setString(3, sessionId);
            }
            ps.executeUpdate();
        }
    }
}
