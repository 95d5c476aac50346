package org.uchub.sessionlog;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/** The session log's connection pool, with the schema migrated to the current version on open. */
public final class Database {
    private Database() {
    }

    public static SessionLogDataSource open(String url, String user, String password, int poolSize) {
        return open(url, user, password, poolSize, 1);
    }

    /**
     * @param groupCommit most write transactions committed together; 1 commits each on its own
     */
    public static SessionLogDataSource open(String url, String user, String password, int poolSize, int groupCommit) {
        HikariConfig cfg = new HikariConfig();
        cfg.setJdbcUrl(absoluteH2Path(url));
        cfg.setUsername(user);
        cfg.setPassword(password);
        cfg.setMaximumPoolSize(poolSize);
        cfg.setPoolName("session-log");
        cfg.setAutoCommit(true);
        // A dead database must fail a request within seconds, not hang an ingress thread.
        cfg.setConnectionTimeout(5000);
        cfg.setInitializationFailTimeout(10000);
        SessionLogDataSource ds = new SessionLogDataSource(cfg);
        Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
        if (groupCommit > 1) {
            ds.groupCommit(new GroupCommit(ds, groupCommit, cfg.getConnectionTimeout() + 25_000));
        }
        return ds;
    }

    /**
     * H2 refuses file paths that are implicitly relative; the hub's are relative to where it
     * starts, like every other path in its configuration.
     */
    static String absoluteH2Path(String url) {
        String prefix = "jdbc:h2:file:";
        if (!url.startsWith(prefix)) {
            return url;
        }
        String rest = url.substring(prefix.length());
        int semi = rest.indexOf(';');
        String path = semi < 0 ? rest : rest.substring(0, semi);
        if (path.startsWith("~")) {
            return url;
        }
        return prefix + java.nio.file.Path.of(path).toAbsolutePath().normalize() + (semi < 0 ? "" : rest.substring(semi));
    }

    /** Work done in one transaction: committed when it returns, rolled back when it throws. */
    @FunctionalInterface
    public interface Work<T> {
        T apply(Connection c) throws SQLException;
    }

    /**
     * Work that writes, in a transaction of its own or, on a data source with group commit, in
     * a savepoint of a transaction shared with other writers. Either way it is committed when
     * this returns and rolled back alone when it throws.
     */
    public static <T> T inTransaction(DataSource ds, Work<T> work) {
        if (ds instanceof SessionLogDataSource s && s.groupCommit() != null) {
            return s.groupCommit().inTransaction(work);
        }
        return run(ds, work, true);
    }

    /**
     * {@link #inTransaction} for a write that may trail what it records: the caller is answered
     * once it has committed, without waiting for the file that makes it durable (embedded H2
     * with a write delay, see {@link EmbeddedH2}); elsewhere the same as inTransaction. Only
     * for writes whose loss in a crash costs nothing but work done again, such as the stored
     * copy of a reply, which the request ledger rebuilds when it is missing.
     */
    public static <T> T inTransactionUnflushed(DataSource ds, Work<T> work) {
        if (ds instanceof SessionLogDataSource s && s.groupCommit() != null) {
            return s.groupCommit().inTransaction(work, false);
        }
        return run(ds, work, false);
    }

    /**
     * Work that only reads, and acts on what it read outside the session log (publishes it, for
     * instance): it sees only writes that are durable by the time this returns. With group
     * commit it runs in the write queue, answered once the file holding what it saw is written.
     */
    public static <T> T readDurable(DataSource ds, Work<T> work) {
        return inTransaction(ds, work);
    }

    /**
     * {@link #inTransaction} without waiting: on a data source with group commit the work is
     * queued behind the writes before it and the future completes when its group has
     * committed; otherwise it runs now, in the caller's thread.
     */
    public static <T> CompletableFuture<T> submit(DataSource ds, Work<T> work) {
        if (ds instanceof SessionLogDataSource s && s.groupCommit() != null) {
            return s.groupCommit().submit(work);
        }
        try {
            return CompletableFuture.completedFuture(run(ds, work, true));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** One statement that writes, with its parameters in order; returns the rows it changed. */
    public static int update(DataSource ds, String sql, Object... params) {
        return inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < params.length; i++) {
                    ps.setObject(i + 1, params[i]);
                }
                return ps.executeUpdate();
            }
        });
    }

    /** A row of a query, as its reader makes it into an object. */
    @FunctionalInterface
    public interface Row<T> {
        T read(ResultSet rs) throws SQLException;
    }

    /** One query, with its parameters in order, read into at most {@code max} objects. */
    public static <T> List<T> query(DataSource ds, String sql, int max, Row<T> row, Object... params) {
        return read(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < params.length; i++) {
                    ps.setObject(i + 1, params[i]);
                }
                ps.setMaxRows(max);
                List<T> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(row.read(rs));
                    }
                }
                return out;
            }
        });
    }

    /**
     * Work that only reads and whose result a client is told: on the caller's thread (not in
     * the write queue), and what it saw is written to the file before it returns, so nothing
     * it reports can be undone by a crash (with a write delay, a commit other connections
     * already see may not be in the file yet).
     */
    public static <T> T readAnswered(DataSource ds, Work<T> work) {
        return run(ds, work, true);
    }

    /** Work that only reads, in a transaction of its own on a pooled connection. */
    public static <T> T read(DataSource ds, Work<T> work) {
        return run(ds, work, false);
    }

    private static <T> T run(DataSource ds, Work<T> work, boolean writes) {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.apply(c);
                c.commit();
                if (writes) {
                    EmbeddedH2.writeCommitted(c);
                }
                return result;
            } catch (SQLException | RuntimeException e) {
                // On a connection the pool has just evicted as broken, rollback and reset fail
                // too ("Connection is closed", no SQL state): the first failure is the one that
                // tells whether the database is out of reach, so it must not be replaced.
                quietly(e, () -> c.rollback());
                throw e;
            } finally {
                quietly(null, () -> c.setAutoCommit(true));
            }
        } catch (SQLException e) {
            if (isUnavailable(ds, e)) {
                throw new SessionLogUnavailableException("session log unavailable: " + e.getMessage(), e);
            }
            // A statement the database refuses (a value too long, a constraint) fails the same
            // way every time: retrying it would only block everything behind it.
            throw new SessionLogRejectedException("session log refused a write: " + e.getMessage(), e);
        }
    }

    private interface Cleanup {
        void run() throws SQLException;
    }

    /** Cleans up after work; a failure of the cleanup is kept beside the work's own failure, never instead of it. */
    private static void quietly(Exception primary, Cleanup cleanup) {
        try {
            cleanup.run();
        } catch (SQLException e) {
            if (primary != null) {
                primary.addSuppressed(e);
            }
        }
    }

    /**
     * A lock the statement waited for in vain, or a deadlock or serialization failure: the
     * transaction is fine once rolled back to before the statement, and the statement is
     * worth trying again later. PostgreSQL 55P03 and class 40, H2's lock timeout HYT00 and
     * deadlock 40001.
     */
    static boolean isLockConflict(SQLException e) {
        for (SQLException x = e; x != null; x = x.getNextException()) {
            String state = x.getSQLState();
            if (state != null && (state.startsWith("40") || state.equals("55P03") || state.equals("HYT00"))) {
                return true;
            }
            if (x.getNextException() == x) {
                break;
            }
        }
        return false;
    }

    /** Whether the failure is the database being out of reach (worth retrying), not the data. */
    static boolean isUnavailable(DataSource ds, SQLException e) {
        if (ds instanceof HikariDataSource h && h.isClosed()) {
            return true;
        }
        for (SQLException x = e; x != null; x = x.getNextException()) {
            String state = x.getSQLState();
            if (x instanceof java.sql.SQLTransientException || x instanceof java.sql.SQLRecoverableException
                    || x instanceof java.sql.SQLNonTransientConnectionException
                    || (state != null && (state.startsWith("08") || state.startsWith("57P") || state.equals("53300")
                            // 40: deadlock or serialization failure, which a retry resolves
                            || state.startsWith("40")
                            // a lock wait that hit lock_timeout: another transaction (another
                            // hub instance) held the row; it is released when that one ends
                            || state.equals("55P03")
                            || state.equals("90098") || state.equals("90067")))) {
                return true;
            }
            if (x.getNextException() == x) {
                break;
            }
        }
        return false;
    }

    /**
     * Runs an insert that may hit a key another transaction holds, inside a savepoint, so the
     * caller's transaction stays usable (PostgreSQL aborts a transaction on any error
     * otherwise). Returns false, with nothing inserted, when the key was taken.
     */
    static boolean insertUnlessTaken(Connection c, PreparedStatement insert) throws SQLException {
        Savepoint sp = c.setSavepoint();
        try {
            insert.executeUpdate();
            c.releaseSavepoint(sp);
            return true;
        } catch (SQLException e) {
            if (!isDuplicateKey(e)) {
                throw e;
            }
            c.rollback(sp);
            return false;
        }
    }

    /** SQLState 23505 is a unique or primary key violation on both H2 and PostgreSQL. */
    public static boolean isDuplicateKey(SQLException e) {
        return "23505".equals(e.getSQLState());
    }
}
