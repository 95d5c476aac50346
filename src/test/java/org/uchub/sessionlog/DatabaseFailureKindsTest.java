package org.uchub.sessionlog;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;

/** Which database failures are worth waiting for and which are the data's fault. */
class DatabaseFailureKindsTest {
    @Test
    void connectionFailuresAreUnavailability() {
        assertTrue(Database.isUnavailable(null, new SQLException("refused", "08001")));
        assertTrue(Database.isUnavailable(null, new SQLException("terminating connection", "57P01")));
        assertTrue(Database.isUnavailable(null, new SQLTransientConnectionException("pool timeout")));
        assertTrue(Database.isUnavailable(null, new SQLException("database closed", "90098")));
    }

    @Test
    void aConnectionLostMidWorkIsUnavailabilityEvenWhenTheRollbackFailsToo() {
        // What HikariCP hands back once it has evicted a broken connection: every call fails
        // with "Connection is closed" and no SQL state, the rollback and the reset included.
        java.sql.Connection evicted = (java.sql.Connection) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {java.sql.Connection.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "setAutoCommit":
                            if (Boolean.FALSE.equals(args[0])) {
                                return null;
                            }
                            throw new SQLException("Connection is closed");
                        case "close":
                            return null;
                        default:
                            throw new SQLException("Connection is closed");
                    }
                });
        javax.sql.DataSource ds = (javax.sql.DataSource) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {javax.sql.DataSource.class}, (proxy, method, args) -> evicted);
        org.junit.jupiter.api.Assertions.assertThrows(SessionLogUnavailableException.class, () -> Database.read(ds, c -> {
            throw new SQLException("An I/O error occurred while sending to the backend.", "08006");
        }));
    }

    /**
     * The group commit bounds lock waits (PostgreSQL's lock_timeout, H2's LOCK_TIMEOUT) so a row
     * another hub instance holds cannot stall every writer; running out of that wait is not the
     * data's fault, and taking it for a refusal dropped the PBX's news and failed requests.
     */
    @Test
    void aLockWaitThatRanOutIsWorthRetrying() throws SQLException {
        assertTrue(Database.isUnavailable(null, new SQLException("canceling statement due to lock timeout", "55P03")));
        String url = "jdbc:h2:mem:lockwait" + System.nanoTime() + ";DB_CLOSE_DELAY=-1";
        try (java.sql.Connection holder = java.sql.DriverManager.getConnection(url);
                java.sql.Connection waiter = java.sql.DriverManager.getConnection(url)) {
            holder.createStatement().execute("create table t (id int primary key, v int)");
            holder.createStatement().execute("insert into t values (1, 0)");
            holder.setAutoCommit(false);
            holder.createStatement().executeUpdate("update t set v = 1 where id = 1");
            waiter.createStatement().execute("SET LOCK_TIMEOUT 100");
            waiter.setAutoCommit(false);
            SQLException e = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class,
                    () -> waiter.createStatement().executeUpdate("update t set v = 2 where id = 1"));
            assertTrue(Database.isUnavailable(null, e), e.getSQLState() + " " + e);
        }
    }

    @Test
    void dataErrorsAreNot() {
        assertFalse(Database.isUnavailable(null, new SQLException("value too long", "22001")));
        assertFalse(Database.isUnavailable(null, new SQLException("invalid byte sequence", "22021")));
        assertFalse(Database.isUnavailable(null, new SQLException("duplicate key", "23505")));
    }
}
