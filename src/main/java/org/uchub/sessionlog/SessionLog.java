package org.uchub.sessionlog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.uchub.contract.AddressType;
import org.uchub.contract.Channel;
import org.uchub.contract.EndSessionRequest;
import org.uchub.contract.Event;
import org.uchub.contract.EventList;
import org.uchub.contract.ModifySessionRequest;
import org.uchub.contract.ParticipantState;
import org.uchub.contract.ParticipantStateList;
import org.uchub.contract.ReplyStatus;
import org.uchub.contract.Role;
import org.uchub.contract.QuerySessionLogRequest;
import org.uchub.contract.Session;
import org.uchub.contract.SessionList;
import org.uchub.contract.SessionOptions;
import org.uchub.contract.SessionReply;
import org.uchub.contract.StartSessionRequest;
import org.uchub.request.ErrorCode;
import org.uchub.request.HubRequest;
import org.uchub.request.RequestRejectedException;
import org.uchub.request.JidForm;
import org.uchub.request.RequestRules;
import org.uchub.request.ResolvedParticipant;

/**
 * The durable record per business ID: sessions, their participants and an append-only,
 * gap-free numbered list of events. Every method is one transaction; a business ID is only
 * ever visible to the tenant that created it.
 */
public class SessionLog {
    public static final String STATE_REQUESTED = "REQUESTED";
    public static final String STATE_NOT_CONNECTED = "NOT_CONNECTED";
    public static final String STATE_ENDED = "ENDED";
    public static final String P_REQUESTED = "REQUESTED";
    public static final String P_JOINED = "JOINED";
    public static final String P_LEFT = "LEFT";
    public static final String P_REMOVED = "REMOVED";
    public static final String P_NOT_CONNECTED = "NOT_CONNECTED";

    private final DataSource ds;
    private final NumberPool pool;
    private final Clock clock;
    private volatile int maxSessions = 20;
    private volatile int maxEvents = 250;

    public SessionLog(DataSource ds, NumberPool pool, Clock clock) {
        this.ds = ds;
        this.pool = pool;
        this.clock = clock;
    }

    /**
     * How much one query answers: a business ID used for years holds thousands of sessions and
     * events, and a reply of megabytes exceeds what SOAP stacks (WCF: 64 KiB by default) and
     * brokers take, and the heap of a hub answering many such queries at once.
     */
    public void limitQueries(int maxSessions, int maxEvents) {
        if (maxSessions < 1 || maxEvents < 1) {
            throw new IllegalArgumentException("hub.query.max-sessions and hub.query.max-events must be at least 1");
        }
        this.maxSessions = maxSessions;
        this.maxEvents = maxEvents;
    }

    OffsetDateTime now() {
        // Microseconds: what both H2 and PostgreSQL store, so a value reads back as written.
        return OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
    }

    // ------------------------------------------------------------------ start

    /** Opens a session for a validated, enriched StartSession; binds a reserved number to a conference. */
    public HubRequest start(HubRequest r) {
        StartSessionRequest start = (StartSessionRequest) r.getPayload();
        SessionOptions o = start.getOptions();
        String sessionId = SessionIds.next();
        Database.inTransaction(ds, c -> {
            OffsetDateTime now = now();
            ensureCase(c, r.getTenant(), r.getBusinessId(), now);
            claimRequestId(c, r, sessionId, now);
            OffsetDateTime startedAt = notBeforeLatestStart(c, r.getTenant(), r.getBusinessId(), now);
            try (PreparedStatement ps = c.prepareStatement("insert into uc_session (session_id, tenant, business_id, channel, state,"
                    + " subject, record_requested, video, started_at, updated_at) values (?,?,?,?,?,?,?,?,?,?)")) {
                ps.setString(1, sessionId);
                ps.setString(2, r.getTenant());
                ps.setString(3, r.getBusinessId());
                ps.setString(4, start.getChannel().value());
                ps.setString(5, STATE_REQUESTED);
                ps.setString(6, o == null ? null : o.getSubject());
                ps.setBoolean(7, o != null && Boolean.TRUE.equals(o.isRecord()));
                ps.setBoolean(8, o != null && Boolean.TRUE.equals(o.isVideo()));
                ps.setObject(9, startedAt);
                ps.setObject(10, now);
                ps.executeUpdate();
            }
            for (ResolvedParticipant p : r.getParticipants()) {
                insertParticipant(c, sessionId, p, now);
            }
            appendEvent(c, r.getTenant(), r.getBusinessId(), sessionId, now, "REQUEST_RECEIVED", "ingress:" + r.getIngress(), null,
                    "StartSession " + start.getChannel().value() + " with " + r.getParticipants().size()
                            + " participant(s), validated" + requestIdNote(r));
            if (start.getChannel() == Channel.CONFERENCE) {
                String number = pool.reserve(c, r.getTenant(), r.getBusinessId(), sessionId, now);
                setReservedNumber(c, sessionId, number);
                r.setReservedNumber(number);
                appendEvent(c, r.getTenant(), r.getBusinessId(), sessionId, now, "NUMBER_RESERVED", "hub", null,
                        "Reserved number " + number + " bound to business ID " + r.getBusinessId());
            }
            return null;
        });
        r.setSessionId(sessionId);
        r.setChannel(start.getChannel());
        return r;
    }

    /**
     * When a new session of the business ID starts: now, or just after its latest session's
     * start if the clock says earlier (it stepped back, or another instance's is behind).
     * The latest start is what a request without a sessionId is about, so it must be the
     * session started last. (Two starts of one business ID at the same moment on two instances
     * may read the same latest start; either may then be the latest, as it always was.)
     */
    private static OffsetDateTime notBeforeLatestStart(Connection c, String tenant, String businessId, OffsetDateTime now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select max(started_at) from uc_session where tenant = ? and business_id = ?")) {
            ps.setString(1, tenant);
            ps.setString(2, businessId);
            try (ResultSet rs = ps.executeQuery()) {
                OffsetDateTime latest = rs.next() ? rs.getObject(1, OffsetDateTime.class) : null;
                return latest != null && !now.isAfter(latest) ? latest.plusNanos(1_000) : now;
            }
        }
    }

    // ------------------------------------------------------------------ lookup

    /** The session a modify/end/query is about: the named one, or the business ID's most recent. */
    public Optional<SessionRef> find(String tenant, String businessId, String sessionId) {
        return sessionId != null
                ? sessionRef("tenant = ? and business_id = ? and session_id = ?", tenant, businessId, sessionId)
                : sessionRef("tenant = ? and business_id = ? order by started_at desc, session_id desc", tenant, businessId);
    }

    /** The first session matching the condition, reduced to what routing needs. */
    private Optional<SessionRef> sessionRef(String condition, String... params) {
        String sql = "select session_id, channel, state, reserved_number from uc_session where " + condition;
        return Database.read(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < params.length; i++) {
                    ps.setString(i + 1, params[i]);
                }
                ps.setMaxRows(1);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(new SessionRef(rs.getString(1), Channel.fromValue(rs.getString(2)), rs.getString(3),
                            rs.getString(4))) : Optional.<SessionRef>empty();
                }
            }
        });
    }

    /** A session as the log knows it: enough to route a request to its channel. */
    public record SessionRef(String sessionId, Channel channel, String state, String reservedNumber) {
        public boolean isEnded() {
            return STATE_ENDED.equals(state) || "FAILED".equals(state);
        }
    }

    // ------------------------------------------------------------------ modify

    public HubRequest modify(HubRequest r) {
        ModifySessionRequest m = (ModifySessionRequest) r.getPayload();
        String sessionId = r.getSessionId();
        Database.inTransaction(ds, c -> {
            OffsetDateTime now = now();
            lockCase(c, r.getTenant(), r.getBusinessId());
            requireOpen(c, sessionId);
            claimRequestId(c, r, sessionId, now);
            String source = "ingress:" + r.getIngress();
            appendEvent(c, r.getTenant(), r.getBusinessId(), sessionId, now, "REQUEST_RECEIVED", source, null,
                    "ModifySession, validated" + requestIdNote(r));
            List<Participant> present = participants(c, sessionId);
            List<Participant> staying = present.stream().filter(x -> r.getRemoved().stream().noneMatch(
                    gone -> gone.addressType().value().equals(x.addressType) && JidForm.sameAddress(gone.address(), x.address))).toList();
            for (ResolvedParticipant p : r.getAdded()) {
                // Another resource of someone this request removes is a swap, not a second participant.
                Optional<Participant> there = active(present, p).or(() -> sameAccount(staying, p));
                if (there.isPresent()) {
                    throw new RequestRejectedException(ErrorCode.PARTICIPANT_ALREADY_PRESENT, p.address()
                            + " is already a participant of session " + sessionId
                            + (JidForm.sameAddress(there.get().address, p.address()) ? "." : " (as " + there.get().address + ")."));
                }
                insertParticipant(c, sessionId, p, now);
                appendEvent(c, r.getTenant(), r.getBusinessId(), sessionId, now, "PARTICIPANT_ADDED", source, p.address(),
                        describe(p));
            }
            for (ResolvedParticipant p : r.getRemoved()) {
                Participant row = mustBeActive(present, p, sessionId);
                updateParticipant(c, row.id, P_REMOVED, row.muted, now);
                appendEvent(c, r.getTenant(), r.getBusinessId(), sessionId, now, "PARTICIPANT_REMOVED", source, p.address(), null);
            }
            for (ResolvedParticipant p : r.getMuted()) {
                Participant row = mustBeActive(present, p, sessionId);
                updateParticipant(c, row.id, row.state, true, now);
                appendEvent(c, r.getTenant(), r.getBusinessId(), sessionId, now, "PARTICIPANT_MUTED", source, p.address(), null);
            }
            for (ResolvedParticipant p : r.getUnmuted()) {
                Participant row = mustBeActive(present, p, sessionId);
                updateParticipant(c, row.id, row.state, false, now);
                appendEvent(c, r.getTenant(), r.getBusinessId(), sessionId, now, "PARTICIPANT_UNMUTED", source, p.address(), null);
            }
            if (m.getText() != null && !m.getText().isEmpty()) {
                appendEvent(c, r.getTenant(), r.getBusinessId(), sessionId, now, "MESSAGE_REQUESTED", source, null, m.getText());
            }
            touch(c, sessionId, now);
            return null;
        });
        return r;
    }

    // ------------------------------------------------------------------ end

    public HubRequest end(HubRequest r) {
        EndSessionRequest e = (EndSessionRequest) r.getPayload();
        String sessionId = r.getSessionId();
        Database.inTransaction(ds, c -> {
            OffsetDateTime now = now();
            lockCase(c, r.getTenant(), r.getBusinessId());
            requireOpen(c, sessionId);
            claimRequestId(c, r, sessionId, now);
            appendEvent(c, r.getTenant(), r.getBusinessId(), sessionId, now, "REQUEST_RECEIVED", "ingress:" + r.getIngress(), null,
                    "EndSession, validated" + requestIdNote(r));
            // Who was in leaves. On the PBX, whoever was still being dialled was not reached, as
            // when the PBX ends the session: their hang-up comes after the end and is not recorded.
            // An IM invitation or a fax keeps the state it reached.
            boolean dialled = r.getChannel() == Channel.CALL || r.getChannel() == Channel.CONFERENCE;
            try (PreparedStatement ps = c.prepareStatement("update uc_participant set state = case when state = ? then ? else ? end,"
                    + " updated_at = ? where session_id = ? and state in (?, ?, ?, ?)")) {
                ps.setString(1, P_JOINED);
                ps.setString(2, P_LEFT);
                ps.setString(3, ChannelProgress.FAILED);
                ps.setObject(4, now);
                ps.setString(5, sessionId);
                ps.setString(6, P_JOINED);
                ps.setString(7, dialled ? ChannelProgress.INVITED : P_JOINED);
                ps.setString(8, dialled ? ChannelProgress.RINGING : P_JOINED);
                ps.setString(9, dialled ? P_REQUESTED : P_JOINED);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "update uc_session set state = ?, ended_at = ?, updated_at = ? where session_id = ?")) {
                ps.setString(1, STATE_ENDED);
                ps.setObject(2, now);
                ps.setObject(3, now);
                ps.setString(4, sessionId);
                ps.executeUpdate();
            }
            appendEvent(c, r.getTenant(), r.getBusinessId(), sessionId, now, "SESSION_ENDED", "hub", null,
                    e.getReason() == null ? "Ended on request" : "Ended on request: " + e.getReason());
            String number = pool.release(c, sessionId, now);
            if (number != null) {
                appendEvent(c, r.getTenant(), r.getBusinessId(), sessionId, now, "NUMBER_RELEASED", "hub", null,
                        "Reserved number " + number + " released");
            }
            return null;
        });
        return r;
    }

    // ------------------------------------------------------------------ channel outcomes

    /**
     * Records that the session's channel has no server behind it yet: the session and its
     * waiting participants are NOT_CONNECTED and the event says so in plain words.
     */
    public void markNotConnected(HubRequest r, String detail) {
        Database.inTransaction(ds, c -> {
            OffsetDateTime now = now();
            lockCase(c, r.getTenant(), r.getBusinessId());
            try (PreparedStatement ps = c.prepareStatement(
                    "update uc_participant set state = ?, updated_at = ? where session_id = ? and state = ?")) {
                ps.setString(1, P_NOT_CONNECTED);
                ps.setObject(2, now);
                ps.setString(3, r.getSessionId());
                ps.setString(4, P_REQUESTED);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "update uc_session set state = ?, updated_at = ? where session_id = ? and state <> ?")) {
                ps.setString(1, STATE_NOT_CONNECTED);
                ps.setObject(2, now);
                ps.setString(3, r.getSessionId());
                ps.setString(4, STATE_ENDED);
                ps.executeUpdate();
            }
            appendEvent(c, r.getTenant(), r.getBusinessId(), r.getSessionId(), now, "CHANNEL_NOT_CONNECTED",
                    "channel:" + r.getChannelKey(), null, detail);
            recordOutcome(c, r);
            return null;
        });
    }

    /**
     * Stores the request's outcome with its dedupe key, in the caller's transaction, so the
     * outcome and the effects that produced it commit together.
     */
    static void recordOutcome(Connection c, HubRequest r) throws SQLException {
        if (r.getDedupeKey() == null || r.getStatus() == null) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(
                "update uc_request set outcome_status = ?, outcome_message = ? where tenant = ? and request_id = ?")) {
            ps.setString(1, r.getStatus().value());
            ps.setString(2, org.uchub.support.Clip.clip(r.getMessage(), 1000));
            ps.setString(3, r.getTenant());
            ps.setString(4, r.getDedupeKey());
            ps.executeUpdate();
        }
    }

    /** Appends one event in its own transaction, for steps that change nothing else. */
    public void append(String tenant, String businessId, String sessionId, String type, String source, String participant,
            String detail) {
        Database.inTransaction(ds, c -> {
            lockCase(c, tenant, businessId);
            appendEvent(c, tenant, businessId, sessionId, now(), type, source, participant, detail);
            return null;
        });
    }

    /** The session a claimed request created or changed, for resuming it. */
    public Optional<SessionRef> session(String tenant, String sessionId) {
        return sessionRef("tenant = ? and session_id = ?", tenant, sessionId);
    }

    public boolean caseExists(String tenant, String businessId) {
        return Database.read(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement("select 1 from uc_case where tenant = ? and business_id = ?")) {
                ps.setString(1, tenant);
                ps.setString(2, businessId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    // ------------------------------------------------------------------ replies

    /** The reply to an applied start, modify or end: the outcome and the session as it now stands. */
    public SessionReply reply(HubRequest r) {
        return Database.read(ds, c -> reply(c, r));
    }

    /** {@link #reply(HubRequest)} in the caller's transaction. */
    public SessionReply reply(Connection c, HubRequest r) throws SQLException {
        SessionReply reply = new SessionReply();
        reply.setStatus(r.getStatus() != null ? r.getStatus() : ReplyStatus.ACCEPTED);
        reply.setRequestId(r.getRequestId());
        reply.setBusinessId(r.getBusinessId());
        reply.setSessionId(r.getSessionId());
        reply.setMessage(r.getMessage());
        if (r.getErrorCode() != null) {
            org.uchub.contract.ErrorDetail error = new org.uchub.contract.ErrorDetail();
            error.setCode(r.getErrorCode().name());
            error.setMessage(r.getMessage());
            reply.setError(error);
        }
        SessionList list = new SessionList();
        list.getSession().addAll(sessions(c, r.getTenant(), r.getBusinessId(), r.getSessionId(), 1));
        if (!list.getSession().isEmpty()) {
            Session s = list.getSession().get(0);
            String number = r.getReservedNumber() != null ? r.getReservedNumber() : s.getReservedNumber();
            boolean over = STATE_ENDED.equals(s.getState()) || ChannelProgress.FAILED.equals(s.getState())
                    || STATE_NOT_CONNECTED.equals(s.getState());
            // As in a query's reply: the number to dial in now, never one the end just released
            // (it may be another tenant's room by the time the reply is read).
            reply.setReservedNumber(over && number != null ? boundNumber(c, r.getTenant(), r.getBusinessId(), s.getSessionId()) : number);
        }
        reply.setSessions(list);
        return reply;
    }

    /** Sets the whole record of a business ID (or of one of its sessions) as the reply; own tenant only. */
    public HubRequest query(HubRequest r) {
        r.setReply(record(r));
        return r;
    }

    private SessionReply record(HubRequest r) {
        String only = r.getRequestedSessionId();
        SessionReply reply = new SessionReply();
        reply.setStatus(ReplyStatus.OK);
        reply.setRequestId(r.getRequestId());
        reply.setBusinessId(r.getBusinessId());
        reply.setSessionId(only);
        SessionList sessions = new SessionList();
        EventList events = new EventList();
        // What a client is told must survive a crash: read, then written to the file before the answer.
        Long afterSeq = r.getPayload() instanceof QuerySessionLogRequest q ? q.getAfterSeq() : null;
        int sessionCap = maxSessions;
        int eventCap = maxEvents;
        String bound = Database.readAnswered(ds, c -> {
            // One snapshot for the three reads: under read committed a session could end between
            // them, and the reply show it ACTIVE beside its SESSION_ENDED event. PostgreSQL's
            // repeatable read is one snapshot of the whole database; H2's fixes each table only
            // when a statement first reads it, and only its serializable level fixes all at once
            // (for a reader, without locks). The pool puts the isolation back on return.
            c.setTransactionIsolation(c.getMetaData().getDatabaseProductName().toLowerCase(java.util.Locale.ROOT).contains("h2")
                    ? Connection.TRANSACTION_SERIALIZABLE : Connection.TRANSACTION_REPEATABLE_READ);
            List<Session> found = sessions(c, r.getTenant(), r.getBusinessId(), only, sessionCap + 1);
            if (found.size() > sessionCap) {
                found = found.subList(found.size() - sessionCap, found.size());
                sessions.setMore(true);
            }
            sessions.getSession().addAll(found);
            List<Event> read = events(c, r.getTenant(), r.getBusinessId(), only, afterSeq == null ? 0 : afterSeq, eventCap + 1);
            if (read.size() > eventCap) {
                read = read.subList(0, eventCap);
                events.setMore(true);
            }
            events.getEvent().addAll(read);
            return boundNumber(c, r.getTenant(), r.getBusinessId(), only);
        });
        if (sessions.getSession().isEmpty()) {
            throw notFound(r.getBusinessId());
        }
        // The number a caller dials in with now: one still bound to the business ID's session,
        // never that of a session that is over (released, it may be another tenant's room by now).
        reply.setReservedNumber(bound);
        reply.setSessions(sessions);
        reply.setEvents(events);
        return reply;
    }

    public static RequestRejectedException notFound(String businessId) {
        return new RequestRejectedException(ErrorCode.NOT_FOUND, "No session is known for business ID " + businessId + ".");
    }

    /** The business ID's most recent sessions, at most {@code max}, oldest first. */
    private List<Session> sessions(Connection c, String tenant, String businessId, String sessionId, int max) throws SQLException {
        List<Session> out = new ArrayList<>();
        String sql = "select session_id, channel, state, reserved_number, subject, recording_ref, started_at, ended_at"
                + " from uc_session where tenant = ? and business_id = ?" + (sessionId != null ? " and session_id = ?" : "")
                + " order by started_at desc, session_id desc";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, tenant);
            ps.setString(2, businessId);
            if (sessionId != null) {
                ps.setString(3, sessionId);
            }
            ps.setMaxRows(max);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Session s = new Session();
                    s.setSessionId(rs.getString(1));
                    s.setChannel(Channel.fromValue(rs.getString(2)));
                    s.setState(rs.getString(3));
                    s.setReservedNumber(rs.getString(4));
                    s.setSubject(rs.getString(5));
                    s.setRecording(rs.getString(6));
                    s.setStartedAt(rs.getObject(7, OffsetDateTime.class));
                    s.setEndedAt(rs.getObject(8, OffsetDateTime.class));
                    out.add(s);
                }
            }
        }
        java.util.Collections.reverse(out);
        for (Session s : out) {
            ParticipantStateList list = new ParticipantStateList();
            for (Participant p : participants(c, s.getSessionId())) {
                ParticipantState ps = new ParticipantState();
                ps.setAddress(p.address);
                ps.setAddressType(AddressType.fromValue(p.addressType));
                ps.setPersonId(p.personId);
                ps.setDisplayName(p.displayName);
                ps.setRole(Role.fromValue(p.role));
                ps.setState(p.state);
                ps.setMuted(p.muted);
                ps.setUpdatedAt(p.updatedAt);
                list.getParticipant().add(ps);
            }
            s.setParticipants(list);
        }
        return out;
    }

    private static String boundNumber(Connection c, String tenant, String businessId, String sessionId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select reserved_number from uc_reserved_number where tenant = ? and business_id = ?"
                + (sessionId != null ? " and session_id = ?" : "") + " order by bound_at desc")) {
            ps.setString(1, tenant);
            ps.setString(2, businessId);
            if (sessionId != null) {
                ps.setString(3, sessionId);
            }
            ps.setMaxRows(1);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private List<Event> events(Connection c, String tenant, String businessId, String sessionId, long afterSeq, int max) throws SQLException {
        List<Event> out = new ArrayList<>();
        String sql = "select seq, event_time, event_type, source, session_id, participant, detail from uc_event"
                + " where tenant = ? and business_id = ? and seq > ?" + (sessionId != null ? " and session_id = ?" : "") + " order by seq";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, tenant);
            ps.setString(2, businessId);
            ps.setLong(3, afterSeq);
            if (sessionId != null) {
                ps.setString(4, sessionId);
            }
            ps.setMaxRows(max);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Event e = new Event();
                    e.setSeq(rs.getLong(1));
                    e.setTime(rs.getObject(2, OffsetDateTime.class));
                    e.setType(rs.getString(3));
                    e.setSource(rs.getString(4));
                    e.setSessionId(rs.getString(5));
                    e.setParticipant(rs.getString(6));
                    e.setDetail(rs.getString(7));
                    out.add(e);
                }
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ rows

    private record Participant(long id, String addressType, String address, String personId, String displayName, String role,
            String state, boolean muted, OffsetDateTime updatedAt) {
        boolean isActive() {
            return !P_REMOVED.equals(state) && !P_LEFT.equals(state);
        }
    }

    private static List<Participant> participants(Connection c, String sessionId) throws SQLException {
        List<Participant> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select id, address_type, address, person_id, display_name, role, state,"
                + " muted, updated_at from uc_participant where session_id = ? order by id")) {
            ps.setString(1, sessionId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Participant(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            rs.getString(6), rs.getString(7), rs.getBoolean(8), rs.getObject(9, OffsetDateTime.class)));
                }
            }
        }
        return out;
    }

    private static Optional<Participant> active(List<Participant> present, ResolvedParticipant p) {
        return present.stream()
                .filter(x -> x.isActive() && x.addressType.equals(p.addressType().value()) && JidForm.sameAddress(x.address, p.address()))
                .findFirst();
    }

    /**
     * An active participant with the same bare JID, another resource of it: the hub writes to
     * and invites the bare JID, so two would get every message twice, and removing one would
     * take the other's room membership with it.
     */
    private static Optional<Participant> sameAccount(List<Participant> present, ResolvedParticipant p) {
        if (p.addressType() != AddressType.JID) {
            return Optional.empty();
        }
        String bare = RequestRules.bareJid(p.address());
        return present.stream()
                .filter(x -> x.isActive() && x.addressType.equals(p.addressType().value()) && RequestRules.bareJid(x.address).equals(bare))
                .findFirst();
    }

    private static Participant mustBeActive(List<Participant> present, ResolvedParticipant p, String sessionId) {
        return active(present, p).orElseThrow(() -> new RequestRejectedException(ErrorCode.PARTICIPANT_NOT_FOUND,
                p.address() + " is not a participant of session " + sessionId + "."));
    }

    private static void insertParticipant(Connection c, String sessionId, ResolvedParticipant p, OffsetDateTime now)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into uc_participant (session_id, address_type, address, person_id,"
                + " display_name, role, state, muted, updated_at) values (?,?,?,?,?,?,?,?,?)")) {
            ps.setString(1, sessionId);
            ps.setString(2, p.addressType().value());
            ps.setString(3, p.address());
            ps.setString(4, p.personId());
            ps.setString(5, p.displayName());
            ps.setString(6, p.role().value());
            ps.setString(7, P_REQUESTED);
            ps.setBoolean(8, false);
            ps.setObject(9, now);
            ps.executeUpdate();
        }
    }

    private static void updateParticipant(Connection c, long id, String state, boolean muted, OffsetDateTime now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update uc_participant set state = ?, muted = ?, updated_at = ? where id = ?")) {
            ps.setString(1, state);
            ps.setBoolean(2, muted);
            ps.setObject(3, now);
            ps.setLong(4, id);
            ps.executeUpdate();
        }
    }

    private static void setReservedNumber(Connection c, String sessionId, String number) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update uc_session set reserved_number = ? where session_id = ?")) {
            ps.setString(1, number);
            ps.setString(2, sessionId);
            ps.executeUpdate();
        }
    }

    private static void touch(Connection c, String sessionId, OffsetDateTime now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("update uc_session set updated_at = ? where session_id = ?")) {
            ps.setObject(1, now);
            ps.setString(2, sessionId);
            ps.executeUpdate();
        }
    }

    /** Re-reads the state under the case lock, so two concurrent ends cannot both succeed. */
    private static void requireOpen(Connection c, String sessionId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select state from uc_session where session_id = ?")) {
            ps.setString(1, sessionId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new RequestRejectedException(ErrorCode.NOT_FOUND, "Session " + sessionId + " does not exist.");
                }
                if (new SessionRef(sessionId, null, rs.getString(1), null).isEnded()) {
                    // Failed since the request was routed (the PBX gave up, say): over as much as ended.
                    throw new RequestRejectedException(ErrorCode.SESSION_ENDED, "Session " + sessionId + " has already ended.");
                }
            }
        }
    }

    /** Creates the business ID's row on its first request, in the caller's transaction. */
    private static void ensureCase(Connection c, String tenant, String businessId, OffsetDateTime now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "insert into uc_case (tenant, business_id, last_seq, created_at) select ?, ?, 0, ? where not exists"
                        + " (select 1 from uc_case where tenant = ? and business_id = ?)")) {
            ps.setString(1, tenant);
            ps.setString(2, businessId);
            ps.setObject(3, now);
            ps.setString(4, tenant);
            ps.setString(5, businessId);
            // False when two first requests for one business ID raced and the other one created
            // the row: the rest of this transaction uses that one.
            Database.insertUnlessTaken(c, ps);
        }
    }

    /** Takes the business ID's row lock for the rest of the transaction. */
    static void lockCase(Connection c, String tenant, String businessId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "update uc_case set last_seq = last_seq where tenant = ? and business_id = ?")) {
            ps.setString(1, tenant);
            ps.setString(2, businessId);
            if (ps.executeUpdate() == 0) {
                throw notFound(businessId);
            }
        }
    }

    static void appendEvent(Connection c, String tenant, String businessId, String sessionId, OffsetDateTime time, String type,
            String source, String participant, String detail) throws SQLException {
        long seq;
        // The next number and the number itself in one statement, in each database's words.
        try (PreparedStatement ps = c.prepareStatement(c.isWrapperFor(org.h2.jdbc.JdbcConnection.class)
                ? "select last_seq from final table (update uc_case set last_seq = last_seq + 1 where tenant = ? and business_id = ?)"
                : "update uc_case set last_seq = last_seq + 1 where tenant = ? and business_id = ? returning last_seq")) {
            ps.setString(1, tenant);
            ps.setString(2, businessId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw notFound(businessId);
                }
                seq = rs.getLong(1);
            }
        }
        try (PreparedStatement ps = c.prepareStatement("insert into uc_event (tenant, business_id, seq, session_id, event_time,"
                + " event_type, source, participant, detail) values (?,?,?,?,?,?,?,?,?)")) {
            ps.setString(1, tenant);
            ps.setString(2, businessId);
            ps.setLong(3, seq);
            ps.setString(4, sessionId);
            ps.setObject(5, time);
            ps.setString(6, type);
            ps.setString(7, source);
            ps.setString(8, participant);
            ps.setString(9, org.uchub.support.Clip.clip(detail, 4000));
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("insert into uc_event_outbox (tenant, business_id, seq) values (?,?,?)")) {
            ps.setString(1, tenant);
            ps.setString(2, businessId);
            ps.setLong(3, seq);
            ps.executeUpdate();
        }
    }

    /** Records the requestId in the same transaction as its effects: applied at most once. */
    private static void claimRequestId(Connection c, HubRequest r, String sessionId, OffsetDateTime now) throws SQLException {
        if (r.getDedupeKey() == null) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("insert into uc_request (tenant, request_id, action, business_id, session_id,"
                + " created_at, outcome_status, outcome_message) values (?,?,?,?,?,?,?,?)")) {
            ps.setString(1, r.getTenant());
            ps.setString(2, r.getDedupeKey());
            ps.setString(3, r.getAction().key());
            ps.setString(4, r.getBusinessId());
            ps.setString(5, sessionId);
            ps.setObject(6, now);
            ps.setString(7, r.getStatus() == null ? null : r.getStatus().value());
            ps.setString(8, r.getMessage());
            if (!Database.insertUnlessTaken(c, ps)) {
                throw new RequestRejectedException(ErrorCode.REQUEST_IN_PROGRESS,
                        "This request is being applied by another delivery; ask again for its reply.");
            }
        }
    }

    private static String requestIdNote(HubRequest r) {
        return r.getRequestId() == null ? "" : " (requestId " + r.getRequestId() + ")";
    }

    private static String describe(ResolvedParticipant p) {
        StringBuilder sb = new StringBuilder(p.addressType().value()).append(' ').append(p.address());
        if (p.displayName() != null) {
            sb.append(" (").append(p.displayName()).append(')');
        }
        sb.append(", role ").append(p.role().value());
        return sb.toString();
    }
}
