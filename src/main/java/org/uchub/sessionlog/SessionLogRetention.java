package org.uchub.sessionlog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.uchub.sessionlog.FinishedCases.Case;

/**
 * The session log's retention ({@code hub.session-log.retention-days}): deletes the whole
 * record of each business ID that is finished (see {@link FinishedCases}) and whose last
 * event is older than the retention, so that names and numbers are not kept for ever.
 *
 * <p>A run walks the business IDs of each tenant in key order, a page at a time on a pooled
 * connection, and deletes the finished ones of each page in short transactions of their own
 * through the session log's write queue: the one thread that commits every write is held by
 * a few business IDs at a time, never by the whole purge.
 */
public final class SessionLogRetention {
    private static final Logger LOG = LoggerFactory.getLogger(SessionLogRetention.class);
    /**
     * The shortest retention taken: the retention is also how long a resent request is known
     * as applied (its requestId is deleted with the rest), and a client or broker resends
     * within hours, not seconds.
     */
    public static final Duration SHORTEST = Duration.ofDays(1);
    /**
     * Most events deleted in one transaction, unless its first business ID alone has more: a
     * business ID used for years holds thousands, and a batch is bounded by its rows, not only its count.
     */
    static final int EVENTS_PER_TRANSACTION = 5_000;
    /**
     * Unpublished events read at most: a longer outbox means the events topic is far behind
     * (the broker away for long), and the run waits for it rather than read it all per page.
     */
    static final int OUTBOX_READ_LIMIT = 10_000;

    /**
     * @param retention zero: keep for ever; else at least {@link #SHORTEST}
     * @param interval  how often the purge runs (read by the route, not here)
     * @param batchSize business IDs read per page and deleted per transaction at most
     */
    public record Settings(Duration retention, Duration interval, int batchSize) {
        public Settings {
            if (retention.isNegative() || (!retention.isZero() && retention.compareTo(SHORTEST) < 0)) {
                throw new IllegalArgumentException("a retention is 0 (for ever) or at least " + SHORTEST.toDays() + " day");
            }
            if (interval.isZero() || interval.isNegative()) {
                throw new IllegalArgumentException("the purge interval must be more than 0");
            }
            if (batchSize < 1 || batchSize > 10_000) {
                throw new IllegalArgumentException("the purge batch size must be 1 to 10000");
            }
        }

        public boolean enabled() {
            return !retention.isZero();
        }
    }

    private final DataSource ds;
    private final Clock clock;
    private final Settings settings;
    private volatile boolean stopped;

    public SessionLogRetention(DataSource ds, Clock clock, Settings settings) {
        this.ds = ds;
        this.clock = clock;
        this.settings = settings;
    }

    public boolean enabled() {
        return settings.enabled();
    }

    /** The hub is stopping: a run under way ends after the transaction in hand, the rest left for the next start. */
    public void stop() {
        stopped = true;
    }

    /** One purge run; returns how many business IDs it deleted (none when the retention is 0). */
    public int purge() {
        if (!enabled()) {
            return 0;
        }
        OffsetDateTime cutoff = OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC).minus(settings.retention());
        Tally tally = new Tally();
        try {
            for (String tenant = nextTenant(""); tenant != null && !stopped; tenant = nextTenant(tenant)) {
                purgeTenant(tenant, cutoff, tally);
            }
        } catch (SessionLogUnavailableException e) {
            LOG.warn("Session log retention: the session log is out of reach ({}); the rest waits for the next run", e.getMessage());
        } catch (EventsBehind e) {
            LOG.warn("Session log retention: more than {} events wait for the events topic; nothing more is purged until they"
                    + " are published", OUTBOX_READ_LIMIT);
        }
        if (tally.purged > 0) {
            LOG.info("Session log retention: purged {} business ID(s) finished and silent for more than {} day(s)", tally.purged,
                    days());
        }
        if (tally.failed > 0) {
            LOG.warn("Session log retention: {} business ID(s) could not be deleted (SQLState {}); they are tried again at the next"
                    + " run", tally.failed, tally.firstFailure);
        }
        return tally.purged;
    }

    private void purgeTenant(String tenant, OffsetDateTime cutoff, Tally tally) {
        String after = "";
        while (!stopped) {
            String from = after;
            Page page = Database.read(ds, c -> page(c, tenant, from, cutoff));
            List<Case> finished = page.finished().isEmpty() ? page.finished() : withoutUnpublishedEvents(page.finished());
            delete(finished, tally);
            if (page.read() < settings.batchSize()) {
                return;
            }
            after = page.last();
        }
    }

    /** What a page of a tenant's business IDs (in key order, after {@code after}) holds that is finished and old. */
    private record Page(int read, String last, List<Case> finished) {
    }

    private Page page(Connection c, String tenant, String after, OffsetDateTime cutoff) throws SQLException {
        List<Case> old = new ArrayList<>();
        int read = 0;
        String last = after;
        // Ordered by the whole key, so that the read stops after a page (ordered by business_id
        // alone, H2 sorts every business ID of the tenant after the cursor first).
        try (PreparedStatement ps = c.prepareStatement("select k.business_id, k.last_seq, coalesce(e.event_time, k.created_at)"
                + " from uc_case k left join uc_event e on e.tenant = k.tenant and e.business_id = k.business_id and e.seq = k.last_seq"
                + " where k.tenant = ? and k.business_id > ? order by k.tenant, k.business_id fetch first ? rows only")) {
            ps.setString(1, tenant);
            ps.setString(2, after);
            // In the statement, not only setMaxRows: PostgreSQL plans a LIMIT, not a cursor it stops reading.
            ps.setInt(3, settings.batchSize());
            ps.setMaxRows(settings.batchSize());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    read++;
                    last = rs.getString(1);
                    if (rs.getObject(3, OffsetDateTime.class).isBefore(cutoff)) {
                        old.add(new Case(tenant, last, rs.getLong(2)));
                    }
                }
            }
        }
        List<Case> finished = new ArrayList<>();
        for (Case k : old) {
            if (FinishedCases.sessionsIfFinished(c, k) != null) {
                finished.add(k);
            }
        }
        return new Page(read, last, finished);
    }

    /**
     * Leaves out business IDs with an event still in the outbox. Read after the page: an event
     * the page counted is by now either still there or published, and a later one raises
     * last_seq, which the deletion checks ({@link FinishedCases#lockUnchanged}). The outbox has
     * no index by business ID, and needs none for this: it holds what a poll has yet to publish.
     */
    private List<Case> withoutUnpublishedEvents(List<Case> finished) {
        List<String> rows = Database.query(ds, "select tenant, business_id from uc_event_outbox", OUTBOX_READ_LIMIT + 1,
                rs -> key(rs.getString(1), rs.getString(2)));
        if (rows.size() > OUTBOX_READ_LIMIT) {
            throw new EventsBehind();
        }
        Set<String> waiting = new HashSet<>(rows);
        return finished.stream().filter(k -> !waiting.contains(key(k.tenant(), k.businessId()))).toList();
    }

    private static String key(String tenant, String businessId) {
        return tenant + '\u0000' + businessId;
    }

    /** Deletes the business IDs in transactions of at most a page's worth of them and about {@link #EVENTS_PER_TRANSACTION} events. */
    private void delete(List<Case> finished, Tally tally) {
        List<Case> batch = new ArrayList<>();
        long events = 0;
        for (Case k : finished) {
            if (!batch.isEmpty() && events + k.lastSeq() > EVENTS_PER_TRANSACTION) {
                deleteBatch(batch, tally);
                batch = new ArrayList<>();
                events = 0;
            }
            batch.add(k);
            events += k.lastSeq();
        }
        if (!batch.isEmpty()) {
            deleteBatch(batch, tally);
        }
    }

    private void deleteBatch(List<Case> batch, Tally tally) {
        if (stopped) {
            return;
        }
        Tally done = Database.inTransaction(ds, c -> {
            Tally t = new Tally();
            for (Case k : batch) {
                // Each on its own: one that cannot be deleted (a row of a kind this code does not
                // know refers to it) must not keep the others, nor leave PostgreSQL's transaction aborted.
                Savepoint sp = c.setSavepoint();
                try {
                    List<String> sessions = FinishedCases.lockUnchanged(c, k) ? FinishedCases.sessionsIfFinished(c, k) : null;
                    if (sessions != null) {
                        FinishedCases.delete(c, k, sessions);
                        t.purged++;
                    }
                    c.releaseSavepoint(sp);
                } catch (SQLException e) {
                    if (heldElsewhere(e)) {
                        // A row of it locked past the lock timeout: the business ID is busy, not
                        // broken, and the other writes sharing this transaction must not fail with it.
                        c.rollback(sp);
                        continue;
                    }
                    if (Database.isUnavailable(ds, e)) {
                        throw e;
                    }
                    c.rollback(sp);
                    t.fail(e);
                }
            }
            return t;
        });
        tally.add(done);
    }

    /** A lock wait that ran out (PostgreSQL, H2) or a deadlock: the business ID's rows were another transaction's. */
    private static boolean heldElsewhere(SQLException e) {
        String state = e.getSQLState();
        return "55P03".equals(state) || "HYT00".equals(state) || "40P01".equals(state) || "40001".equals(state);
    }

    private String nextTenant(String after) {
        List<String> next = Database.query(ds, "select min(tenant) from uc_case where tenant > ?", 1, rs -> rs.getString(1), after);
        next = next.stream().filter(java.util.Objects::nonNull).toList();
        return next.isEmpty() ? null : next.get(0);
    }

    private String days() {
        return java.math.BigDecimal.valueOf(settings.retention().toMillis()).divide(java.math.BigDecimal.valueOf(Duration.ofDays(1).toMillis()),
                3, java.math.RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }

    private static final class Tally {
        int purged;
        int failed;
        String firstFailure;

        void fail(SQLException e) {
            failed++;
            if (firstFailure == null) {
                firstFailure = e.getSQLState();
            }
        }

        void add(Tally t) {
            purged += t.purged;
            failed += t.failed;
            if (firstFailure == null) {
                firstFailure = t.firstFailure;
            }
        }
    }

    private static final class EventsBehind extends RuntimeException {
        EventsBehind() {
            super(null, null, false, false);
        }
    }
}
