package org.uchub.fax;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.uchub.sessionlog.Database;

/**
 * The fax channel's queue (tables {@code uc_fax} and {@code uc_fax_document}): what is to be
 * mailed to the gateway, claimed by one sender at a time, and how far each fax got.
 */
public class FaxOutbox {
    public static final String PENDING = "PENDING";
    public static final String SENDING = "SENDING";
    public static final String SENT = "SENT";
    public static final String DELIVERED = "DELIVERED";
    public static final String FAILED = "FAILED";
    public static final String UNKNOWN = "UNKNOWN";
    public static final String CANCELLED = "CANCELLED";

    private static final String COLUMNS = "id, session_id, participant_id, fax_number, recipient, subject, cover_text, state, attempts,"
            + " created_at, sent_at, message_id, last_error, claimed_at";

    private final DataSource ds;
    /** A claim older than this belongs to a sender that died (the hub stopped mid-send): the fax is sent again. */
    private final Duration staleClaim;

    public FaxOutbox(DataSource ds, Duration staleClaim) {
        this.ds = ds;
        this.staleClaim = staleClaim;
    }

    public record Document(String fileName, String mimeType, byte[] content) {
    }

    public record NewFax(long participantId, String number, String recipient, String subject, String coverText) {
    }

    public record Fax(long id, String sessionId, long participantId, String number, String recipient, String subject, String coverText,
            String state, int attempts, OffsetDateTime createdAt, OffsetDateTime sentAt, String messageId, String lastError,
            OffsetDateTime claimedAt) {
    }

    /**
     * Stores the session's document and its faxes; what a resumed request stored before is kept as it is. The document
     * comes with the session's first faxes only: one forgotten once the session was over is not stored again.
     */
    public int add(String sessionId, Document document, List<NewFax> faxes) {
        return Database.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement("insert into uc_fax_document (session_id, file_name, mime_type, content)"
                    + " select ?, ?, ?, ? where not exists (select 1 from uc_fax_document where session_id = ?)"
                    + " and not exists (select 1 from uc_fax where session_id = ?)")) {
                ps.setString(1, sessionId);
                ps.setString(2, document.fileName());
                ps.setString(3, document.mimeType());
                ps.setBytes(4, document.content());
                ps.setString(5, sessionId);
                ps.setString(6, sessionId);
                ps.executeUpdate();
            }
            int added = 0;
            OffsetDateTime now = now();
            try (PreparedStatement ps = c.prepareStatement("insert into uc_fax (session_id, participant_id, fax_number, recipient, subject,"
                    + " cover_text, state, attempts, created_at, next_attempt_at) select ?, ?, ?, ?, ?, ?, ?, 0, ?, ?"
                    + " where not exists (select 1 from uc_fax where session_id = ? and participant_id = ?)")) {
                for (NewFax f : faxes) {
                    ps.setString(1, sessionId);
                    ps.setLong(2, f.participantId());
                    ps.setString(3, f.number());
                    ps.setString(4, f.recipient());
                    ps.setString(5, f.subject());
                    ps.setString(6, f.coverText());
                    ps.setString(7, PENDING);
                    ps.setObject(8, now);
                    ps.setObject(9, now);
                    ps.setString(10, sessionId);
                    ps.setLong(11, f.participantId());
                    added += ps.executeUpdate();
                }
            }
            return added;
        });
    }

    public Optional<Document> document(String sessionId) {
        return Database.read(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement("select file_name, mime_type, content from uc_fax_document where session_id = ?")) {
                ps.setString(1, sessionId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(new Document(rs.getString(1), rs.getString(2), rs.getBytes(3))) : Optional.empty();
                }
            }
        });
    }

    /**
     * Forgets the session's document (up to the request size limit, kept in the session log
     * otherwise for ever) unless a fax of it may still be mailed. Only for a session that is
     * over: a running one may get more numbers, which get the same document.
     */
    public boolean forgetDocument(String sessionId) {
        return update("delete from uc_fax_document where session_id = ? and not exists (select 1 from uc_fax where session_id = ?"
                + " and state in (?, ?))", sessionId, sessionId, PENDING, SENDING) > 0;
    }

    /** Faxes that are due, or whose sender died mid-send, oldest first; each is claimed on its own just before it is sent. */
    public List<Long> due(int max) {
        OffsetDateTime now = now();
        // Each part seeks the index on (state, next_attempt_at) by its state: joined by OR, the two
        // made H2 read every fax ever sent, at every poll.
        return Database.query(ds, "select id from (select id from uc_fax where state = ? and next_attempt_at <= ?"
                + " union all select id from uc_fax where state = ? and claimed_at < ?) d order by id", max, rs -> rs.getLong(1), PENDING,
                now, SENDING, now.minus(staleClaim));
    }

    /**
     * Claims one fax for this caller alone: only the caller whose update moved it to SENDING
     * gets it. The attempt number it carries is the claim: a later claimant's outcome is the
     * one recorded.
     */
    public Optional<Fax> claim(long id) {
        OffsetDateTime now = now();
        Optional<Fax> f = byId(id);
        if (f.isEmpty()) {
            return Optional.empty();
        }
        Fax x = f.get();
        boolean due = x.state().equals(PENDING) || (x.state().equals(SENDING) && x.claimedAt() != null
                && x.claimedAt().isBefore(now.minus(staleClaim)));
        // The claim read is the claim taken over: a renewal by its sender since then keeps it.
        if (!due || update("update uc_fax set state = ?, claimed_at = ?, attempts = attempts + 1 where id = ? and state = ?"
                + " and attempts = ? and (state = ? or claimed_at = ?)", SENDING, now, id, x.state(), x.attempts(), PENDING,
                x.claimedAt()) != 1) {
            return Optional.empty();
        }
        return byId(id);
    }

    /** The claim's sender is still at it: the claim stays fresh, so no one takes the fax for abandoned. */
    public boolean renewClaim(Fax f) {
        return update("update uc_fax set claimed_at = ? where id = ? and state = ? and attempts = ?", now(), f.id(), SENDING,
                f.attempts()) == 1;
    }

    public void sent(Fax f, String messageId) {
        update("update uc_fax set state = ?, sent_at = ?, message_id = ?, last_error = null where id = ? and state = ? and attempts = ?",
                SENT, now(), messageId, f.id(), SENDING, f.attempts());
    }

    public void retryAt(Fax f, OffsetDateTime at, String error) {
        update("update uc_fax set state = ?, next_attempt_at = ?, last_error = ? where id = ? and state = ? and attempts = ?", PENDING,
                at, clip(error), f.id(), SENDING, f.attempts());
    }

    /*
     * The changes below that come with news for the session log are made in the caller's
     * transaction, the one that logs the news (ChannelProgress.applyIf): a session log failing
     * between two commits would otherwise leave the fax changed and its news never told.
     */

    /** The fax failed for good; true when it was this claim's to fail. */
    static boolean failedToSend(java.sql.Connection c, Fax f, String error) throws java.sql.SQLException {
        return update(c, "update uc_fax set state = ?, last_error = ? where id = ? and state = ? and attempts = ?", FAILED, clip(error),
                f.id(), SENDING, f.attempts()) == 1;
    }

    /** A claimed fax that must not go out any more (its session ended, its number was removed). */
    static boolean cancelClaimed(java.sql.Connection c, Fax f) throws java.sql.SQLException {
        return update(c, "update uc_fax set state = ? where id = ? and state = ? and attempts = ?", CANCELLED, f.id(), SENDING,
                f.attempts()) == 1;
    }

    /** Records the gateway's verdict (or its absence) for a sent fax; false when it was settled already. */
    static boolean settle(java.sql.Connection c, long id, String state) throws java.sql.SQLException {
        return update(c, "update uc_fax set state = ? where id = ? and state in (?, ?)", state, id, SENT, UNKNOWN) > 0;
    }

    /** A fax not mailed yet is cancelled; false when a sender took it meanwhile. */
    static boolean cancelPending(java.sql.Connection c, long id) throws java.sql.SQLException {
        return update(c, "update uc_fax set state = ? where id = ? and state = ?", CANCELLED, id, PENDING) == 1;
    }

    /** Faxes of the session (or of one participant of it) not mailed yet. */
    public List<Fax> pending(String sessionId, Long participantId) {
        return participantId == null ? faxes("session_id = ? and state = ? order by id", 1000, sessionId, PENDING)
                : faxes("session_id = ? and participant_id = ? and state = ? order by id", 1000, sessionId, participantId, PENDING);
    }

    /** Whether no fax of these waits for the SMTP server or the gateway's report any more. */
    static boolean allSettled(List<Fax> faxes) {
        return faxes.stream().noneMatch(f -> f.state().equals(PENDING) || f.state().equals(SENDING) || f.state().equals(SENT));
    }

    private static int update(java.sql.Connection c, String sql, Object... params) throws java.sql.SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            return ps.executeUpdate();
        }
    }

    public Optional<Fax> byId(long id) {
        return faxes("id = ?", 1, id).stream().findFirst();
    }

    /** The fax a report answers, by the Message-ID the hub gave it. */
    public Optional<Fax> byMessageId(String messageId) {
        return faxes("message_id = ?", 1, messageId).stream().findFirst();
    }

    public List<Fax> ofSession(String sessionId) {
        return faxes("session_id = ? order by id", 1000, sessionId);
    }

    /** Sent before the time and still without a report. */
    public List<Fax> unreported(OffsetDateTime sentBefore) {
        return faxes("state = ? and sent_at < ? order by id", 1000, SENT, sentBefore);
    }

    /** The events logged for the report mail with this key (see {@code uc_fax_report}). */
    public java.util.Set<String> reportEvents(String reportKey) {
        return new java.util.HashSet<>(Database.query(ds, "select event_type from uc_fax_report where report_key = ?", 100,
                rs -> rs.getString(1), reportKey));
    }

    /** Records, in the caller's transaction, that the report mail with this key had this event logged about the fax. */
    static void reportLogged(java.sql.Connection c, String reportKey, String eventType, Fax fax) throws java.sql.SQLException {
        try (PreparedStatement ps = c.prepareStatement("insert into uc_fax_report (report_key, event_type, session_id, fax_id, logged_at)"
                + " values (?, ?, ?, ?, ?)")) {
            ps.setString(1, reportKey);
            ps.setString(2, eventType);
            ps.setString(3, fax.sessionId());
            ps.setLong(4, fax.id());
            ps.setObject(5, now());
            ps.executeUpdate();
        }
    }

    private int update(String sql, Object... params) {
        return Database.update(ds, sql, params);
    }

    private List<Fax> faxes(String condition, int max, Object... params) {
        return Database.query(ds, "select " + COLUMNS + " from uc_fax where " + condition, max, rs -> new Fax(rs.getLong(1),
                rs.getString(2), rs.getLong(3), rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8),
                rs.getInt(9), rs.getObject(10, OffsetDateTime.class), rs.getObject(11, OffsetDateTime.class), rs.getString(12),
                rs.getString(13), rs.getObject(14, OffsetDateTime.class)), params);
    }

    private static String clip(String s) {
        return s == null || s.length() <= 1000 ? s : s.substring(0, 1000);
    }

    static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
    }
}
