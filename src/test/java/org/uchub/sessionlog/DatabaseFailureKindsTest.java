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
    void dataErrorsAreNot() {
        assertFalse(Database.isUnavailable(null, new SQLException("value too long", "22001")));
        assertFalse(Database.isUnavailable(null, new SQLException("invalid byte sequence", "22021")));
        assertFalse(Database.isUnavailable(null, new SQLException("duplicate key", "23505")));
    }
}
