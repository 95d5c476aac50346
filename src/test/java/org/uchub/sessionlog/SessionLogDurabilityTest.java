package org.uchub.sessionlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * With H2's write delay a commit lives in memory until the file is written. What a caller is
 * told is done must already be in the file: a copy of the file taken the moment the caller
 * returns is what a hub killed at that moment would restart from.
 */
class SessionLogDurabilityTest {
    // Long enough that H2's own background writer never writes the file during a test.
    private static final String DELAYED = ";WRITE_DELAY=600000";
    @TempDir
    Path dir;
    private HikariDataSource ds;

    @AfterEach
    void close() {
        if (ds != null) {
            ds.close();
        }
    }

    private void open(int groupCommit) {
        ds = Database.open("jdbc:h2:file:" + dir.resolve("log") + DELAYED, "sa", "", 4, groupCommit);
        Database.inTransaction(ds, c -> c.createStatement().execute("create table durable_test (id int primary key)"));
    }

    private static Database.Work<Integer> insert(int id) {
        return c -> {
            try (PreparedStatement ps = c.prepareStatement("insert into durable_test (id) values (?)")) {
                ps.setInt(1, id);
                return ps.executeUpdate();
            }
        };
    }

    /** The rows a restart would find: those in a copy of the file as it is now. */
    private List<Integer> rowsInTheFile() throws Exception {
        Path copy = Files.createTempDirectory(dir, "copy");
        Files.copy(dir.resolve("log.mv.db"), copy.resolve("log.mv.db"));
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + copy.resolve("log"), "sa", "");
                ResultSet rs = c.createStatement().executeQuery("select id from durable_test order by id")) {
            List<Integer> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getInt(1));
            }
            return out;
        }
    }

    @Test
    void aCommitOnItsOwnIsNotInTheFileYetSoTheOtherTestsCanFail() throws Exception {
        open(32);
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(true);
            c.createStatement().executeUpdate("insert into durable_test (id) values (99)");
        }
        assertEquals(List.of(), rowsInTheFile());
    }

    /** 32: committed in a group, written by the group commit's writer; 1: committed alone and written after its commit. */
    @ParameterizedTest
    @ValueSource(ints = {32, 1})
    void aWriteIsInTheFileWhenItsCallerIsAnswered(int groupCommit) throws Exception {
        open(groupCommit);
        Database.inTransaction(ds, insert(1));
        assertEquals(List.of(1), rowsInTheFile());
    }

    @Test
    void aWriteQueuedWithoutWaitingIsInTheFileWhenItsFutureCompletes() throws Exception {
        open(32);
        var first = Database.submit(ds, insert(1));
        var second = Database.submit(ds, insert(2));
        second.get(10, TimeUnit.SECONDS);
        first.get(10, TimeUnit.SECONDS);
        assertEquals(List.of(1, 2), rowsInTheFile());
    }

    @Test
    void aCommittedWriteIsNotAnsweredWhileItsFileCannotBeWritten() throws Exception {
        open(32);
        CompletableFuture<Integer> write;
        try (FileHeld held = holdTheFile()) {
            write = Database.submit(ds, insert(5));
            awaitCommittedRows(1);
            Thread.sleep(300);
            assertFalse(write.isDone(), "answered before its commit was in the file");
        }
        assertEquals(1, write.get(10, TimeUnit.SECONDS));
        assertEquals(List.of(5), rowsInTheFile());
    }

    @Test
    void aWriteThatMayTrailIsAnsweredAtItsCommitAndStillReachesTheFile() throws Exception {
        open(32);
        CompletableFuture<Integer> durable;
        try (FileHeld held = holdTheFile()) {
            // Answered while nothing can write the file: it waited for its commit only.
            assertEquals(1, Database.inTransactionUnflushed(ds, insert(6)));
            durable = Database.submit(ds, insert(7));
            Thread.sleep(300);
            assertFalse(durable.isDone(), "an ordinary write in the same state is still waiting for the file");
        }
        assertEquals(1, durable.get(10, TimeUnit.SECONDS));
        assertEquals(List.of(6, 7), rowsInTheFile());
    }

    /** H2 runs a file operation under its store lock: while this one waits, nothing can write the file. */
    private final class FileHeld implements AutoCloseable {
        private final CountDownLatch release = new CountDownLatch(1);
        private final Thread holder;

        FileHeld(MVStore store) throws InterruptedException {
            CountDownLatch held = new CountDownLatch(1);
            holder = new Thread(() -> store.executeFilestoreOperation(() -> {
                held.countDown();
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            holder.start();
            assertTrue(held.await(10, TimeUnit.SECONDS));
        }

        @Override
        public void close() throws InterruptedException {
            release.countDown();
            holder.join(10_000);
        }
    }

    private FileHeld holdTheFile() throws Exception {
        try (Connection c = ds.getConnection()) {
            return new FileHeld(EmbeddedH2.deferredStore(c).getMvStore());
        }
    }

    private void awaitCommittedRows(int n) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (committedRows() < n && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(n, committedRows(), "committed, visible to readers");
    }

    private int committedRows() {
        return Database.read(ds, SessionLogDurabilityTest::count);
    }

    private static int count(Connection c) throws java.sql.SQLException {
        try (ResultSet rs = c.createStatement().executeQuery("select count(*) from durable_test")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void aDurableReadSeesWhatWasCommittedBeforeIt() throws Exception {
        open(32);
        Database.submit(ds, insert(4));
        assertEquals(1, (int) Database.readDurable(ds, SessionLogDurabilityTest::count));
        assertEquals(List.of(4), rowsInTheFile());
    }
}
