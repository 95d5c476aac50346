package org.uchub.sessionlog;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A number just released goes to the back of the pool for every hub instance sharing the
 * session log and across restarts, not only for the instance that released it: a room whose
 * people the PBX has not cleared yet must not be the next conference's.
 */
class NumberPoolTest {
    @TempDir
    Path dir;

    @Test
    void aNumberReleasedByOneInstanceGoesLastForAnotherAndAfterARestart() {
        try (SessionLogDataSource ds = Database.open("jdbc:h2:file:" + dir.resolve("pool"), "sa", "", 4, 32)) {
            NumberPool a = new NumberPool("8000-8002");
            OffsetDateTime t = OffsetDateTime.now(ZoneOffset.UTC);
            assertEquals("8000", Database.inTransaction(ds, c -> a.reserve(c, "erp", "4711", "s1", t)));
            assertEquals("8000", Database.inTransaction(ds, c -> a.release(c, "s1", t.plusSeconds(1))));
            // Another instance, or this one restarted: it never saw the release.
            NumberPool b = new NumberPool("8000-8002");
            assertEquals("8001", Database.inTransaction(ds, c -> b.reserve(c, "erp", "4712", "s2", t.plusSeconds(2))));
            assertEquals("8002", Database.inTransaction(ds, c -> b.reserve(c, "erp", "4713", "s3", t.plusSeconds(2))));
            Database.inTransaction(ds, c -> b.release(c, "s3", t.plusSeconds(3)));
            Database.inTransaction(ds, c -> b.release(c, "s2", t.plusSeconds(4)));
            // Free now: 8000 (released first), 8002, 8001 (released last).
            assertEquals("8000", Database.inTransaction(ds, c -> a.reserve(c, "erp", "4714", "s4", t.plusSeconds(5))));
            assertEquals("8002", Database.inTransaction(ds, c -> new NumberPool("8000-8002").reserve(c, "erp", "4715", "s5",
                    t.plusSeconds(5))));
        }
    }

    /**
     * A clock that stepped back (NTP, a VM resumed), or another instance's clock behind this
     * one's: the number released last still goes last, not first.
     */
    @Test
    void theNumberReleasedLastGoesLastEvenWhenItsReleaseTimeReadsEarlier() {
        try (SessionLogDataSource ds = Database.open("jdbc:h2:file:" + dir.resolve("pool2"), "sa", "", 4, 32)) {
            NumberPool pool = new NumberPool("8000-8002");
            OffsetDateTime t = OffsetDateTime.now(ZoneOffset.UTC);
            for (int i = 0; i < 3; i++) {
                int n = i;
                Database.inTransaction(ds, c -> pool.reserve(c, "erp", "case-" + n, "s" + n, t));
            }
            Database.inTransaction(ds, c -> pool.release(c, "s0", t.plusMinutes(60)));
            Database.inTransaction(ds, c -> pool.release(c, "s1", t.plusMinutes(30)));
            assertEquals("8000", Database.inTransaction(ds, c -> pool.reserve(c, "erp", "case-3", "s3", t.plusMinutes(61))),
                    "8001 was released last, with a clock half an hour behind");
        }
    }
}
