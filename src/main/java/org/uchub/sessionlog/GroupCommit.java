package org.uchub.sessionlog;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;
import org.h2.mvstore.db.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit: the session log's write transactions, from however many ingress threads,
 * run one after another on one connection and are committed together. Each caller still
 * gets its own transaction's semantics: its work runs inside a savepoint, so a work that
 * throws is rolled back alone and its caller gets the exception, and a caller returns only
 * after the commit that holds its work has succeeded. What is saved is the database's cost
 * per commit (H2 writes a chunk of pages, PostgreSQL flushes its WAL), paid once per group
 * instead of once per request.
 *
 * <p>On an embedded H2 file database with a write delay, a commit is only in memory. Then a
 * second thread writes the file once for every group committed since its last write, while
 * the committer goes on with the next group, and callers are answered only after the write
 * that holds their commit. Serializing pages was most of the committer's time; now it is
 * done once for several groups, and beside them instead of between them.
 */
public final class GroupCommit implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GroupCommit.class);

    /** A caller's work; {@code awaitsFile}: answered once written, else once committed. */
    private record Unit(Database.Work<?> work, CompletableFuture<Object> done, boolean awaitsFile) {
    }

    /** A group committed in memory, waiting for its store to be written. */
    private record Committed(List<Unit> units, Object[] results, RuntimeException[] failures, Store store) {
        /** Answers each caller: its own failure, else the group's (if not written), else its result. */
        void complete(RuntimeException groupFailure) {
            for (int i = 0; i < units.size(); i++) {
                if (failures[i] != null) {
                    units.get(i).done().completeExceptionally(failures[i]);
                } else if (groupFailure != null) {
                    units.get(i).done().completeExceptionally(groupFailure);
                } else {
                    units.get(i).done().complete(results[i]);
                }
            }
        }
    }

    private final DataSource ds;
    private final int maxGroup;
    private final long waitMillis;
    /** Bounded: a database that has stopped answering must not collect requests without end. */
    private final LinkedBlockingQueue<Unit> queue = new LinkedBlockingQueue<>(10_000);
    private final Thread committer;
    /** Bounded: the committer may run ahead of the file only by so many groups, then it waits. */
    private final LinkedBlockingQueue<Committed> unwritten = new LinkedBlockingQueue<>(64);
    private final Thread writer;
    private volatile boolean open = true;
    private final LongAdder works = new LongAdder();
    private final LongAdder commits = new LongAdder();
    private final LongAdder writes = new LongAdder();
    private Connection connection;

    /**
     * @param maxGroup   most works in one commit
     * @param waitMillis how long a caller waits for its commit before it is told the session
     *                   log is unavailable (its work may still commit: the ledger's dedupe key
     *                   makes the retry safe)
     */
    public GroupCommit(DataSource ds, int maxGroup, long waitMillis) {
        this.ds = ds;
        this.maxGroup = Math.max(1, maxGroup);
        this.waitMillis = waitMillis;
        this.committer = new Thread(this::run, "session-log-committer");
        committer.setDaemon(true);
        this.writer = new Thread(this::write, "session-log-writer");
        writer.setDaemon(true);
        committer.start();
        writer.start();
    }

    /**
     * Queues a work without waiting for it. The future completes on the committer's or the
     * writer's thread once the work's group has committed (and is written), so what depends
     * on it must not write to the session log in that thread (it would wait for itself); it
     * may hand work to another thread.
     */
    @SuppressWarnings("unchecked")
    public <T> CompletableFuture<T> submit(Database.Work<T> work) {
        if (!open) {
            return CompletableFuture.failedFuture(new SessionLogUnavailableException("session log closed", null));
        }
        CompletableFuture<Object> done = new CompletableFuture<>();
        if (!queue.offer(new Unit(work, done, true))) {
            return CompletableFuture.failedFuture(new SessionLogUnavailableException("session log is " + queue.size()
                    + " writes behind", null));
        }
        return (CompletableFuture<T>) done;
    }

    public <T> T inTransaction(Database.Work<T> work) {
        return inTransaction(work, true);
    }

    /**
     * Runs the work in the next group and waits for it: with {@code awaitsFile} until the file
     * holds it, otherwise only until it has committed (see {@link Database#inTransactionUnflushed}).
     */
    @SuppressWarnings("unchecked")
    public <T> T inTransaction(Database.Work<T> work, boolean awaitsFile) {
        if (Thread.currentThread() == committer || Thread.currentThread() == writer) {
            throw new IllegalStateException("a session-log work must not start another transaction");
        }
        if (!open) {
            throw new SessionLogUnavailableException("session log closed", null);
        }
        CompletableFuture<Object> done = new CompletableFuture<>();
        Unit unit = new Unit(work, done, awaitsFile);
        if (!queue.offer(unit)) {
            throw new SessionLogUnavailableException("session log is " + queue.size() + " writes behind", null);
        }
        try {
            return (T) done.get(waitMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            // Taken back before the committer reached it, it was not applied; otherwise it may
            // still commit, and only the dedupe key of a resend keeps it from applying twice.
            boolean withdrawn = queue.remove(unit);
            throw new SessionLogUnavailableException("session log did not commit within " + waitMillis + " ms"
                    + (withdrawn ? "; the write was withdrawn" : "; the write may still commit"), e);
        }
    }

    private void run() {
        List<Unit> group = new ArrayList<>(maxGroup);
        while (open || !queue.isEmpty()) {
            try {
                Unit first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                group.add(first);
                queue.drainTo(group, maxGroup - 1);
                commit(group);
            } catch (InterruptedException e) {
                open = false;
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException | Error e) {
                // Never let the committer die (every caller would wait for nothing), and never let
                // the next group commit what this one left half done.
                LOG.error("session-log committer failed a group", e);
                closeConnection();
                fail(group, new SessionLogUnavailableException("session log committer failed: " + e, e));
            } finally {
                group.clear();
            }
        }
        fail(new ArrayList<>(queue), new SessionLogUnavailableException("session log closed", null));
        closeConnection();
    }

    private void commit(List<Unit> group) {
        works.add(group.size());
        commits.increment();
        Object[] results = new Object[group.size()];
        RuntimeException[] failures = new RuntimeException[group.size()];
        Store store;
        try {
            Connection c = connection();
            boolean waitedInVain = false;
            for (int i = 0; i < group.size(); i++) {
                Savepoint sp = c.setSavepoint();
                try {
                    results[i] = group.get(i).work().apply(c);
                    c.releaseSavepoint(sp);
                } catch (SQLException e) {
                    if (Database.isLockConflict(e)) {
                        // A row another transaction holds (another hub instance, a deadlock
                        // between two groups): this work is tried again by its caller, the rest
                        // of the group, unrelated requests, commits. (A failed rollback to the
                        // savepoint fails the whole group below, as a broken connection does.)
                        c.rollback(sp);
                        failures[i] = new SessionLogUnavailableException("session log busy: " + e.getMessage(), e);
                        if (!waitedInVain) {
                            // The rest of the group waits briefly for a lock, or a few works on
                            // the held rows would take a whole lock timeout each, one after the
                            // other, and every caller of the group would give up waiting.
                            lockWait(c, AFTER_A_VAIN_WAIT_MS);
                            waitedInVain = true;
                        }
                        continue;
                    }
                    if (Database.isUnavailable(ds, e)) {
                        throw e;
                    }
                    c.rollback(sp);
                    failures[i] = new SessionLogRejectedException("session log refused a write: " + e.getMessage(), e);
                } catch (RuntimeException e) {
                    c.rollback(sp);
                    failures[i] = e;
                }
            }
            c.commit();
            store = EmbeddedH2.deferredStore(c);
            if (waitedInVain) {
                try {
                    boundLockWaits(c);
                } catch (SQLException e) {
                    // The group has committed: it is not failed for this. The next connection
                    // gets the usual lock wait when it is opened.
                    closeConnection();
                }
            }
        } catch (SQLException e) {
            // The connection or the commit failed, not one work: every work of the group is
            // worth trying again, each in a group of its own time.
            closeConnection();
            fail(group, new SessionLogUnavailableException("session log unavailable: " + e.getMessage(), e));
            return;
        }
        for (int i = 0; i < group.size(); i++) {
            if (!group.get(i).awaitsFile() && failures[i] == null) {
                // Completing it again once written changes nothing: a future completes once.
                group.get(i).done().complete(results[i]);
            }
        }
        Committed done = new Committed(List.copyOf(group), results, failures, store);
        if (store == null) {
            done.complete(null);
        } else {
            try {
                // A committed group is not failed for being slow to write (its callers might act as
                // if it had not committed): the committer waits for the writer instead.
                while (!unwritten.offer(done, 1, TimeUnit.SECONDS)) {
                    if (!writer.isAlive()) {
                        done.complete(new SessionLogUnavailableException("session log writer stopped; what was committed may"
                                + " or may not be in the file", null));
                        return;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                done.complete(new SessionLogUnavailableException("session log stopped before it wrote its file", e));
            }
        }
    }

    /** Null once the store's file holds everything committed so far; else why not. */
    private static RuntimeException written(Store store) {
        try {
            EmbeddedH2.write(store);
            return null;
        } catch (RuntimeException e) {
            LOG.error("session log could not write its file", e);
            return e;
        }
    }

    /** The writer: writes the file once for all groups committed since its last write, then answers their callers. */
    private void write() {
        List<Committed> batch = new ArrayList<>();
        while (true) {
            try {
                Committed first = unwritten.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (!committer.isAlive() && unwritten.isEmpty()) {
                        return;
                    }
                    continue;
                }
                batch.add(first);
                unwritten.drainTo(batch);
                writes.increment();
                Map<Store, RuntimeException> failures = new IdentityHashMap<>();
                for (Committed c : batch) {
                    if (!failures.containsKey(c.store())) {
                        failures.put(c.store(), written(c.store()));
                    }
                    c.complete(failures.get(c.store()));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException | Error e) {
                LOG.error("session-log writer failed", e);
                for (Committed c : batch) {
                    c.complete(new SessionLogUnavailableException("session log writer failed: " + e, e));
                }
            } finally {
                batch.clear();
            }
        }
    }

    private Connection connection() throws SQLException {
        if (connection == null) {
            Connection c = ds.getConnection();
            c.setAutoCommit(false);
            boundLockWaits(c);
            connection = c;
        }
        return connection;
    }

    /**
     * All writers share this one connection, so a lock held elsewhere (another hub instance on
     * the same PostgreSQL) must not stall them all for longer than a caller waits.
     */
    private void boundLockWaits(Connection c) throws SQLException {
        lockWait(c, Math.max(1000, waitMillis / 3));
        c.commit();
    }

    /** How long a statement of the rest of a group waits for a lock once one of it waited in vain. */
    static final long AFTER_A_VAIN_WAIT_MS = 200;

    /** Sets the connection's lock wait; neither H2's nor PostgreSQL's SET ends the transaction. */
    private static void lockWait(Connection c, long millis) throws SQLException {
        String product = c.getMetaData().getDatabaseProductName().toLowerCase(java.util.Locale.ROOT);
        try (java.sql.Statement st = c.createStatement()) {
            if (product.contains("h2")) {
                st.execute("SET LOCK_TIMEOUT " + millis);
            } else if (product.contains("postgres")) {
                st.execute("SET lock_timeout = " + millis);
            }
        }
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.rollback();
            } catch (SQLException ignored) {
                // the connection is being thrown away
            }
            try {
                connection.close();
            } catch (SQLException ignored) {
                // the connection is being thrown away
            }
            connection = null;
        }
    }

    private static void fail(List<Unit> group, RuntimeException e) {
        for (Unit u : group) {
            u.done().completeExceptionally(e);
        }
    }

    /** Works committed so far (each caller's transaction is one). */
    public long works() {
        return works.sum();
    }

    /** Rounds of the writer so far (embedded H2 with a write delay only): commits per round is how many groups one write carried. */
    public long writes() {
        return writes.sum();
    }

    /** Commits so far: {@link #works()} divided by this is the average group. */
    public long commits() {
        return commits.sum();
    }

    /** Commits what is queued, then stops; later callers are told the session log is closed. */
    @Override
    public void close() {
        open = false;
        try {
            committer.join(10_000);
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
