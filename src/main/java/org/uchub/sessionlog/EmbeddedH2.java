package org.uchub.sessionlog;

import java.sql.Connection;
import java.sql.SQLException;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.db.Store;

/**
 * An embedded H2 database with a write delay commits in memory and writes its file later,
 * in the background. Such a commit is not yet durable: the hub writes the file itself
 * before it tells anyone a write is done. Writing once for many commits, off the thread
 * that commits, is what lets a write delay pay off without losing what was acknowledged.
 */
final class EmbeddedH2 {
    private EmbeddedH2() {
    }

    /**
     * The store whose commits must be written out before they count, or null when a commit is
     * durable by itself: another database (PostgreSQL flushes its WAL in the commit), an
     * in-memory H2, an embedded H2 without a write delay, or an H2 server, whose file is the
     * server's to write (its URL needs WRITE_DELAY=0).
     */
    static Store deferredStore(Connection c) {
        try {
            if (!c.isWrapperFor(JdbcConnection.class)
                    || !(c.unwrap(JdbcConnection.class).getSession() instanceof SessionLocal session)) {
                return null;
            }
            Store store = session.getDatabase().getStore();
            if (store == null || !store.getMvStore().isPersistent() || store.getMvStore().getAutoCommitDelay() == 0) {
                return null;
            }
            return store;
        } catch (SQLException e) {
            throw new SessionLogUnavailableException("cannot tell how the session log's commits reach its file: " + e.getMessage(), e);
        }
    }

    /**
     * Writes everything committed so far to the file, and returns once it is written. H2's own
     * background writer and its commits under memory pressure hand a store to H2's
     * serialization and file threads without waiting; a commit that finds nothing left unsaved
     * returns at once, maybe while such a store is still on its way. Draining those threads
     * afterwards waits for it too.
     */
    static void write(Store store) {
        MVStore mv = store.getMvStore();
        try {
            mv.commit();
            mv.executeFilestoreOperation(() -> {
            });
        } catch (RuntimeException e) {
            throw new SessionLogUnavailableException("session log could not write its file (what it committed may or may not"
                    + " be there after a restart): " + e.getMessage(), e);
        }
    }

    /** Makes what this connection has committed durable, if its commits are not by themselves. */
    static void writeCommitted(Connection c) {
        Store store = deferredStore(c);
        if (store != null) {
            write(store);
        }
    }
}
