package org.uchub.sessionlog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A duty only one of the hub instances sharing a session log may do at a time, held as a
 * lease in {@code uc_duty}: taken when nobody holds it or the holder's lease has run out,
 * renewed every quarter of its length. Times are the database's, so the instances' clocks
 * need not agree. This instance counts the duty as its own only for three quarters of the
 * lease after a renewal began: one that cannot reach the database stops before another can
 * take over. A single hub holds its duties while it reaches the session log (after a kill -9
 * it finds its own lease again, its instance name being stable across restarts); on an
 * embedded H2 log, which no other process can open, the hub takes no leases at all.
 */
public final class DutyLease {
    private static final Logger LOG = LoggerFactory.getLogger(DutyLease.class);

    private final DataSource ds;
    private final String duty;
    private final String instance;
    private final int seconds;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    /** System.nanoTime() until which this instance holds the duty; 0 when it does not. */
    private volatile long heldUntil;
    private volatile String holder = "";
    private ScheduledExecutorService timer;
    private volatile boolean stopped;
    /** Whether the listeners were last told this instance holds the duty. */
    private volatile boolean told;

    public DutyLease(DataSource ds, String duty, String instance, int seconds) {
        if (seconds < 4) {
            throw new IllegalArgumentException("a duty lease lasts at least 4 s, not " + seconds);
        }
        this.ds = ds;
        this.duty = duty;
        this.instance = instance;
        this.seconds = seconds;
    }

    public String duty() {
        return duty;
    }

    public String instance() {
        return instance;
    }

    /**
     * A duty this instance always holds, with no lease: for a session log no other hub can
     * share (embedded H2, which one process opens at a time), where a lease would only make
     * the hub drop its duties whenever the log is out of reach.
     */
    public static DutyLease sole(String duty, String instance) {
        DutyLease lease = new DutyLease(null, duty, instance, 4);
        lease.holder = instance;
        return lease;
    }

    private boolean isSole() {
        return ds == null;
    }

    /** How often a user of the duty should look again whether it still holds it: an eighth of the lease. */
    public long recheckMillis() {
        return isSole() ? 5_000 : TimeUnit.SECONDS.toMillis(seconds) / 8;
    }

    /** Whether this instance does the duty now. */
    public boolean held() {
        if (isSole()) {
            return true;
        }
        long until = heldUntil;
        return until != 0 && System.nanoTime() - until < 0;
    }

    /** The instance that held the duty at the last look (this one, another, or "" if unknown). */
    public String holder() {
        return holder;
    }

    /** Called (on the lease's thread) whenever this instance takes the duty or loses it. */
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    /** Takes or keeps the duty if it is free or this instance's; returns whether this instance holds it. */
    public synchronized boolean renew() {
        if (isSole()) {
            return true;
        }
        if (stopped) {
            return false;
        }
        // What the listeners were last told, not held() now: a lease can run out between two
        // renewals with no call in between (a renewal waiting seconds for an unreachable
        // database starts after it), and its loss must still be told.
        boolean was = told;
        long began = System.nanoTime();
        try {
            String now = take();
            holder = now;
            heldUntil = instance.equals(now) ? nonZero(began + TimeUnit.SECONDS.toNanos(seconds) * 3 / 4) : 0;
        } catch (SQLException | RuntimeException e) {
            // Out of reach of the database: the lease may run out unseen, so this instance does
            // not count on it beyond the time already granted.
            LOG.warn("The lease on duty {} could not be renewed ({})", duty, e.toString());
        }
        boolean is = held();
        if (was != is) {
            told = is;
            if (is) {
                LOG.info("This hub instance ({}) now does duty {}", instance, duty);
            } else {
                LOG.warn("This hub instance ({}) no longer does duty {}{}", instance, duty,
                        holder.isEmpty() || holder.equals(instance) ? "" : ": instance " + holder + " holds it");
            }
            listeners.forEach(Runnable::run);
        }
        return is;
    }

    /**
     * One short transaction on a connection of its own, not in the group commit: a renewal must
     * not wait behind a queue of writes for longer than the lease leaves it.
     */
    private String take() throws SQLException {
        String interval = "current_timestamp + interval '" + seconds + "' second";
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try {
                String now = take(c, interval);
                c.commit();
                return now;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    private String take(Connection c, String interval) throws SQLException {
        // A renewal that waits longer than a quarter of the lease is of no use, and must not hold up a stop.
        int timeout = Math.max(1, seconds / 4);
        try (PreparedStatement ps = c.prepareStatement("update uc_duty set holder = ?, expires_at = " + interval
                + " where name = ? and (holder = ? or expires_at < current_timestamp)")) {
            ps.setQueryTimeout(timeout);
            ps.setString(1, instance);
            ps.setString(2, duty);
            ps.setString(3, instance);
            if (ps.executeUpdate() == 1) {
                return instance;
            }
        }
        try (PreparedStatement ps = c.prepareStatement("insert into uc_duty (name, holder, expires_at) select ?, ?, " + interval
                + " where not exists (select 1 from uc_duty where name = ?)")) {
            ps.setQueryTimeout(timeout);
            ps.setString(1, duty);
            ps.setString(2, instance);
            ps.setString(3, duty);
            // Inserted only where no row exists; a row another instance inserted meanwhile is a duplicate key.
            Savepoint sp = c.setSavepoint();
            try {
                int inserted = ps.executeUpdate();
                c.releaseSavepoint(sp);
                if (inserted == 1) {
                    return instance;
                }
            } catch (SQLException e) {
                if (!Database.isDuplicateKey(e)) {
                    throw e;
                }
                c.rollback(sp);
            }
        }
        try (PreparedStatement ps = c.prepareStatement("select holder from uc_duty where name = ?")) {
            ps.setString(1, duty);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : "";
            }
        }
    }

    private static long nonZero(long nanos) {
        return nanos == 0 ? 1 : nanos;
    }

    /** Takes the duty if it can now, and keeps trying every quarter of the lease. */
    public synchronized void start() {
        if (timer != null || isSole()) {
            return;
        }
        stopped = false;
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "uc-duty-" + duty);
            t.setDaemon(true);
            return t;
        });
        renewQuietly();
        long every = TimeUnit.SECONDS.toMillis(seconds) / 4;
        timer.scheduleWithFixedDelay(this::renewQuietly, every, every, TimeUnit.MILLISECONDS);
    }

    private void renewQuietly() {
        try {
            renew();
        } catch (RuntimeException e) {
            LOG.warn("Duty {}: {}", duty, e.toString());
        }
    }

    /** Stops renewing and hands the duty back at once, so another instance need not wait for the lease to run out. */
    public void stop() {
        // Before the lock: a renewal waiting for it must not take the lease again after the hand-back.
        stopped = true;
        stopNow();
    }

    private synchronized void stopNow() {
        if (isSole()) {
            return;
        }
        if (timer != null) {
            timer.shutdownNow();
            timer = null;
        }
        if (heldUntil != 0) {
            heldUntil = 0;
            told = false;
            listeners.forEach(Runnable::run);
            // At most a second: a hub stopping because its session log is gone must not wait for the pool's timeout.
            Thread handBack = new Thread(() -> {
                try {
                    Database.update(ds, "update uc_duty set expires_at = current_timestamp where name = ? and holder = ?", duty, instance);
                } catch (RuntimeException e) {
                    LOG.warn("Duty {} not handed back ({}): another instance takes it when the lease runs out", duty, e.toString());
                }
            }, "uc-duty-" + duty + "-hand-back");
            handBack.setDaemon(true);
            handBack.start();
            try {
                handBack.join(1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
