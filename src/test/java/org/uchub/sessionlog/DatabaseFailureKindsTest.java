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

    @Test
    void dataErrorsAreNot() {
        assertFalse(Database.isUnavailable(null, new SQLException("value too long", "22001")));
        assertFalse(Database.isUnavailable(null, new SQLException("invalid byte sequence", "22021")));
        assertFalse(Database.isUnavailable(null, new SQLException("duplicate key", "23505")));
    }
}
