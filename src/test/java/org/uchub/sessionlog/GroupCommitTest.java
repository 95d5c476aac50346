package org.uchub.sessionlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Works committed together still succeed and fail one by one, and a failure never leaks into the next group. */
class GroupCommitTest {
    @TempDir
    Path dir;
    private HikariDataSource ds;
    private final ExecutorService callers = Executors.newFixedThreadPool(4);
    private final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void open() {
        // H2's default write delay: commits are written to the file by the group commit's writer.
        ds = Database.open("jdbc:h2:file:" + dir.resolve("gc"), "sa", "", 4);
        Database.read(ds, c -> c.createStatement().execute("create table gc_test (id int primary key)"));
    }

    @AfterEach
    void close() {
        callers.shutdownNow();
        ds.close();
    }

    private void awaitRelease() {
        try {
            release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Database.Work<Object> insert(int id) {
        return c -> {
            try (PreparedStatement ps = c.prepareStatement("insert into gc_test (id) values (?)")) {
                ps.setInt(1, id);
                ps.executeUpdate();
            }
            return id;
        };
    }

    private List<Integer> rows() {
        return Database.read(ds, c -> {
            List<Integer> out = new ArrayList<>();
            try (ResultSet rs = c.createStatement().executeQuery("select id from gc_test order by id")) {
                while (rs.next()) {
                    out.add(rs.getInt(1));
                }
            }
            return out;
        });
    }

    /** Holds the committer in a work of its own until {@link #release} opens, so the next submissions form one group. */
    private Future<Object> holdCommitter(GroupCommit g) throws InterruptedException {
        CountDownLatch inside = new CountDownLatch(1);
        Future<Object> f = callers.submit(() -> g.inTransaction(c -> {
            inside.countDown();
            awaitRelease();
            return insert(1).apply(c);
        }));
        assertTrue(inside.await(10, TimeUnit.SECONDS));
        return f;
    }

    private Future<Object> submit(GroupCommit g, Database.Work<Object> work) throws InterruptedException {
        Future<Object> f = callers.submit(() -> g.inTransaction(work));
        Thread.sleep(200);
        return f;
    }

    @Test
    void aFailingWorkIsRolledBackAloneAndTheRestOfItsGroupCommits() throws Exception {
        try (GroupCommit g = new GroupCommit(ds, 8, 10_000)) {
            Future<Object> first = holdCommitter(g);
            Future<Object> failing = submit(g, c -> {
                insert(2).apply(c);
                throw new IllegalArgumentException("refused");
            });
            Future<Object> after = submit(g, insert(3));
            release.countDown();
            assertEquals(1, first.get());
            assertEquals(3, after.get());
            ExecutionException e = assertThrows(ExecutionException.class, failing::get);
            assertInstanceOf(IllegalArgumentException.class, e.getCause());
        }
        assertEquals(List.of(1, 3), rows());
    }

    /**
     * A work that waits in vain for a row another transaction holds (another hub instance on
     * the same PostgreSQL, a person's open SQL session) fails alone: the rest of its group, up
     * to 31 unrelated requests, commits instead of being told the session log is unavailable.
     */
    @Test
    void aWorkThatCannotGetARowLockFailsAloneAndTheRestOfItsGroupCommits() throws Exception {
        try (GroupCommit g = new GroupCommit(ds, 8, 6_000); java.sql.Connection other = ds.getConnection()) {
            g.inTransaction(insert(50));
            other.setAutoCommit(false);
            other.createStatement().executeUpdate("update gc_test set id = 50 where id = 50");
            Future<Object> first = holdCommitter(g);
            // Several works on the held row: each waiting a whole lock timeout in turn, the
            // group would outlast what its callers wait (6 s here).
            List<Future<Object>> locked = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                locked.add(submit(g, c -> c.createStatement().executeUpdate("update gc_test set id = 50 where id = 50")));
            }
            Future<Object> after = submit(g, insert(3));
            release.countDown();
            assertEquals(1, first.get());
            assertEquals(3, after.get());
            for (Future<Object> f : locked) {
                assertInstanceOf(SessionLogUnavailableException.class, assertThrows(ExecutionException.class, f::get).getCause());
            }
            assertEquals(4, g.inTransaction(insert(4)), "the next group, with the usual lock wait");
            other.rollback();
        }
        assertEquals(List.of(1, 3, 4, 50), rows());
    }

    @Test
    void anErrorInAWorkLeavesNothingHalfWrittenForTheNextGroup() throws Exception {
        try (GroupCommit g = new GroupCommit(ds, 8, 10_000)) {
            Future<Object> first = holdCommitter(g);
            Future<Object> sameGroup = submit(g, insert(2));
            Future<Object> broken = submit(g, c -> {
                insert(3).apply(c);
                throw new AssertionError("a bug, not a database failure");
            });
            release.countDown();
            first.get();
            assertInstanceOf(SessionLogUnavailableException.class, assertThrows(ExecutionException.class, sameGroup::get).getCause());
            assertInstanceOf(SessionLogUnavailableException.class, assertThrows(ExecutionException.class, broken::get).getCause());
            assertEquals(4, g.inTransaction(insert(4)));
        }
        assertEquals(List.of(1, 4), rows());
    }

    @Test
    void aCallerThatGivesUpBeforeItsTurnIsNeverApplied() throws Exception {
        try (GroupCommit g = new GroupCommit(ds, 8, 500)) {
            Future<Object> first = callers.submit(() -> g.inTransaction(c -> {
                awaitRelease();
                return insert(1).apply(c);
            }));
            Thread.sleep(100);
            SessionLogUnavailableException late = assertThrows(SessionLogUnavailableException.class, () -> g.inTransaction(insert(2)));
            assertTrue(late.getMessage().contains("withdrawn"), late.getMessage());
            release.countDown();
            // The first caller gave up too, but its work had started: it commits, and says it may.
            ExecutionException e = assertThrows(ExecutionException.class, first::get);
            assertTrue(e.getCause().getMessage().contains("may still commit"), e.getCause().getMessage());
            assertEquals(5, g.inTransaction(insert(5)));
        }
        assertEquals(List.of(1, 5), rows());
    }

    @Test
    void closingCommitsWhatIsQueuedAndThenRefuses() throws Exception {
        GroupCommit g = new GroupCommit(ds, 8, 10_000);
        Future<Object> first = holdCommitter(g);
        Future<Object> queued = submit(g, insert(2));
        Thread closer = new Thread(g::close);
        closer.start();
        Thread.sleep(100);
        release.countDown();
        closer.join(10_000);
        assertEquals(1, first.get());
        assertEquals(2, queued.get());
        assertThrows(SessionLogUnavailableException.class, () -> g.inTransaction(insert(3)));
        assertEquals(List.of(1, 2), rows());
    }

    @Test
    void aWorkQueuedWithoutWaitingCompletesOnlyOnceCommittedAndTheNextWriteSeesIt() throws Exception {
        try (GroupCommit g = new GroupCommit(ds, 8, 10_000)) {
            Future<Object> first = holdCommitter(g);
            java.util.concurrent.CompletableFuture<Object> queued = g.submit(insert(2));
            Thread.sleep(200);
            // Not yet applied, so certainly not committed: it must not say it is.
            assertTrue(!queued.isDone());
            assertEquals(List.of(), rows());
            release.countDown();
            assertEquals(1, first.get());
            assertEquals(2, queued.get(10, TimeUnit.SECONDS));
            // A reader on another connection sees it: completion means committed, not merely run.
            assertEquals(List.of(1, 2), rows());
            // A write queued after it, as a request's stored reply is after its claim, reads it.
            assertEquals(1L, (Long) g.inTransaction(c -> {
                try (ResultSet rs = c.createStatement().executeQuery("select count(*) from gc_test where id = 2")) {
                    rs.next();
                    return rs.getLong(1);
                }
            }));
            java.util.concurrent.CompletableFuture<Object> failing = g.submit(c -> {
                insert(3).apply(c);
                throw new IllegalArgumentException("refused");
            });
            ExecutionException e = assertThrows(ExecutionException.class, () -> failing.get(10, TimeUnit.SECONDS));
            assertInstanceOf(IllegalArgumentException.class, e.getCause());
        }
        assertEquals(List.of(1, 2), rows());
    }
}
