package org.uchub.sessionlog;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The business ID's row lock is left out only where the group committer is the database's
 * only writer; wherever another process may write, it is taken.
 */
class SoleWriterTest {
    @TempDir
    Path dir;

    @Test
    void anEmbeddedH2WrittenThroughTheGroupCommitterHasOneWriter() {
        try (SessionLogDataSource ds = Database.open("jdbc:h2:file:" + dir.resolve("one"), "sa", "", 4, 32)) {
            assertTrue(ds.soleWriter());
        }
    }

    @Test
    void withoutGroupCommitEachCallerWritesOnItsOwn() {
        try (SessionLogDataSource ds = Database.open("jdbc:h2:file:" + dir.resolve("each"), "sa", "", 4, 1)) {
            assertFalse(ds.soleWriter());
        }
    }

    @Test
    void anH2OpenToOtherProcessesIsNotOnlyOurs() {
        try (SessionLogDataSource ds = Database.open("jdbc:h2:file:" + dir.resolve("shared") + ";auto_server=true", "sa", "", 4, 32)) {
            assertFalse(ds.soleWriter());
        }
    }

    @Test
    void everyWayH2SpellsServingOtherProcessesCounts() {
        assertTrue(SessionLogDataSource.onlyThisProcessOpens("jdbc:h2:file:/data/sessionlog;WRITE_DELAY=500;AUTO_SERVER=FALSE"));
        assertTrue(SessionLogDataSource.onlyThisProcessOpens("jdbc:h2:mem:sessionlog;DB_CLOSE_DELAY=-1"));
        for (String on : new String[] {"TRUE", "true", "1", "yes", "Y", "t"}) {
            assertFalse(SessionLogDataSource.onlyThisProcessOpens("jdbc:h2:file:/data/sessionlog;auto_server=" + on), on);
        }
        assertFalse(SessionLogDataSource.onlyThisProcessOpens("jdbc:h2:file:/data/sessionlog;FILE_LOCK=NO"));
        assertFalse(SessionLogDataSource.onlyThisProcessOpens("jdbc:h2:tcp://dbhost/sessionlog"));
        assertFalse(SessionLogDataSource.onlyThisProcessOpens("jdbc:postgresql://dbhost:5432/uchub"));
    }

    @Test
    void postgresqlMayBeWrittenByAnotherHub() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setPort(org.uchub.HubTestSupport.freePort()).start();
                SessionLogDataSource ds = Database.open(pg.getJdbcUrl("postgres", "postgres"), "postgres", "postgres", 4, 32)) {
            assertFalse(ds.soleWriter());
        }
    }
}
