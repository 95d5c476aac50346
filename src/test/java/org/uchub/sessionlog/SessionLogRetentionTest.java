package org.uchub.sessionlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.uchub.HubTestSupport;

/**
 * The session log's retention on H2 and on a real PostgreSQL, each test on a fresh log with
 * the group commit the hub runs: what is finished and silent for longer than the retention
 * goes from every table; what still runs, speaks or waits stays.
 */
class SessionLogRetentionTest {
    private static final Instant NOW = Instant.parse("2027-03-01T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final Duration RETENTION = Duration.ofDays(30);
    /** The rows of each table a business ID of {@link Rows#finished} has. */
    private static final Map<String, Integer> PER_CASE = orderedMap("uc_case", 1, "uc_session", 1, "uc_participant", 2, "uc_event", 3,
            "uc_request", 1, "uc_im_outbox", 1, "uc_fax", 1, "uc_fax_document", 1);
    private static final List<String> TABLES = List.copyOf(PER_CASE.keySet());
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static EmbeddedPostgres postgres;

    @TempDir
    Path dir;
    private SessionLogDataSource ds;

    @AfterAll
    static void stopPostgres() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
    }

    @AfterEach
    void close() {
        if (ds != null) {
            ds.close();
        }
    }

    private void open(String database) throws Exception {
        open(database, 32, "");
    }

    private void open(String database, int groupCommit, String urlSuffix) throws Exception {
        if (database.equals("h2")) {
            ds = Database.open("jdbc:h2:file:" + dir.resolve("log") + urlSuffix, "sa", "", 4, groupCommit);
            return;
        }
        synchronized (SessionLogRetentionTest.class) {
            if (postgres == null) {
                postgres = EmbeddedPostgres.builder().setPort(HubTestSupport.freePort()).start();
            }
        }
        String db = "retention" + DATABASES.incrementAndGet();
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("create database " + db);
        }
        ds = Database.open(postgres.getJdbcUrl("postgres", db) + urlSuffix, "postgres", "postgres", 4, groupCommit);
    }

    private SessionLogRetention retention(Duration retention, int batchSize) {
        return new SessionLogRetention(ds, CLOCK, new SessionLogRetention.Settings(retention, Duration.ofHours(1), batchSize));
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void anOldFinishedBusinessIdGoesFromEveryTableWhileOnesStillOpenRecentOrWaitingStay(String database) throws Exception {
        open(database);
        Rows.finished(ds, "erp", "old", 40);
        Rows.finished(ds, "erp", "open", 40);
        Database.update(ds, "update uc_session set state = 'ACTIVE', ended_at = null where business_id = 'open'");
        Rows.finished(ds, "erp", "recent", 29);
        Rows.finished(ds, "erp", "unpublished", 40);
        Database.update(ds, "insert into uc_event_outbox (tenant, business_id, seq) values ('erp', 'unpublished', 3)");
        Rows.finished(ds, "erp", "bound-number", 40);
        Database.update(ds, "insert into uc_reserved_number (reserved_number, tenant, business_id, session_id, bound_at)"
                + " values ('8000', 'erp', 'bound-number', 's-bound-number', current_timestamp)");
        Rows.finished(ds, "erp", "fax-unreported", 40);
        Database.update(ds, "update uc_fax set state = 'SENT' where session_id = 's-fax-unreported'");
        Rows.finished(ds, "erp", "receipt-awaited", 40);
        Database.update(ds, "update uc_im_outbox set confirmed = null where session_id = 's-receipt-awaited'");
        Rows.finished(ds, "erp", "room-open", 40);
        Database.update(ds, "update uc_im_outbox set kind = 'ROOM_OPEN' where session_id = 's-room-open'");
        // The same business ID of another tenant, finished and old too: a business ID is a tenant's.
        Rows.finished(ds, "crm", "old", 40);
        Map<String, Integer> before = counts();

        assertEquals(2, retention(RETENTION, 100).purge());

        Map<String, Integer> after = counts();
        for (String table : TABLES) {
            assertEquals(before.get(table) - 2 * PER_CASE.get(table), after.get(table), table);
        }
        for (String gone : List.of("erp/old", "crm/old")) {
            assertEquals(0, rowsOf(gone), gone + " left rows behind");
        }
        int whole = PER_CASE.values().stream().mapToInt(Integer::intValue).sum();
        for (String kept : List.of("open", "recent", "unpublished", "bound-number", "fax-unreported", "receipt-awaited", "room-open")) {
            assertEquals(whole, rowsOf("erp/" + kept), kept + " lost rows");
        }
        assertEquals(1, count("select count(*) from uc_event_outbox"));
        assertEquals(1, count("select count(*) from uc_reserved_number"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void aRetentionOfZeroPurgesNothing(String database) throws Exception {
        open(database);
        Rows.finished(ds, "erp", "ancient", 4000);
        Map<String, Integer> before = counts();
        SessionLogRetention forever = retention(Duration.ZERO, 100);
        assertEquals(false, forever.enabled());
        assertEquals(0, forever.purge());
        assertEquals(before, counts());
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void aPurgeOfMoreThanOneBatchDeletesThemAllInTransactionsOfABatchEach(String database) throws Exception {
        open(database);
        for (int i = 0; i < 7; i++) {
            Rows.finished(ds, "erp", "b" + i, 40);
        }
        for (int i = 0; i < 3; i++) {
            Rows.finished(ds, "crm", "b" + i, 40);
        }
        Rows.finished(ds, "crm", "still-running", 40);
        Database.update(ds, "update uc_session set state = 'ACTIVE' where business_id = 'still-running'");
        long works = ds.groupCommit().works();

        assertEquals(10, retention(RETENTION, 3).purge());

        assertEquals(1, count("select count(*) from uc_case"));
        assertEquals(1, count("select count(*) from uc_case where business_id = 'still-running'"));
        // erp: pages of 3, 3, 1; crm: 3 and the page that finds the one still running.
        assertEquals(4, ds.groupCommit().works() - works, "one transaction per page with anything to delete");
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void businessIdsWithManyEventsAreDeletedAFewThousandEventsATransaction(String database) throws Exception {
        open(database);
        Rows.finished(ds, "erp", "long-a", 40, 3_000);
        Rows.finished(ds, "erp", "long-b", 40, 3_000);
        Rows.finished(ds, "erp", "short", 40);
        long works = ds.groupCommit().works();

        assertEquals(3, retention(RETENTION, 100).purge());

        assertEquals(0, count("select count(*) from uc_event"));
        assertEquals(2, ds.groupCommit().works() - works, "long-a alone, then long-b with short");
    }

    @Test
    void thePurgeReadsNoGrowingTableWhole() throws Exception {
        open("h2");
        for (int i = 0; i < 5; i++) {
            Rows.finished(ds, "erp", "old" + i, 40);
            Rows.finished(ds, "erp", "recent" + i, 1);
        }
        QueryPlans.record(ds);
        assertEquals(5, retention(RETENTION, 3).purge());
        QueryPlans.Result plans = QueryPlans.wholeTableReads(ds);
        assertTrue(plans.clean(), plans.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void aBusinessIdAnotherTransactionHoldsIsLeftForTheNextRunWithoutWaitingForIt(String database) throws Exception {
        open(database);
        Rows.finished(ds, "erp", "busy", 40);
        Rows.finished(ds, "erp", "idle", 40);
        // Another hub instance writing to the business ID: its row lock is held until it commits.
        try (Connection other = ds.getConnection()) {
            other.setAutoCommit(false);
            try (Statement st = other.createStatement()) {
                st.executeUpdate("update uc_case set last_seq = last_seq where business_id = 'busy'");
            }
            long start = System.nanoTime();
            assertEquals(1, retention(RETENTION, 100).purge());
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos(), "the purge waited for the lock");
            other.rollback();
        }
        assertEquals(1, count("select count(*) from uc_case where business_id = 'busy'"));
        assertEquals(1, retention(RETENTION, 100).purge(), "purged once it is free");
    }

    @ParameterizedTest
    @ValueSource(strings = {"h2", "postgres"})
    void aBusinessIdWhoseRowsStayLockedPastTheLockTimeoutIsKeptAndTheOthersPurged(String database) throws Exception {
        // Without group commit each transaction waits a lock timeout of 1 s, not the committer's 10 s.
        open(database, 1, database.equals("h2") ? "" : "&options=-c%20lock_timeout=1000");
        Rows.finished(ds, "erp", "a-busy", 40);
        Rows.finished(ds, "erp", "b-idle", 40);
        try (Connection other = ds.getConnection()) {
            other.setAutoCommit(false);
            try (Statement st = other.createStatement()) {
                // A late gateway report being recorded for its fax by a transaction that does not end.
                st.executeUpdate("update uc_fax set state = state where session_id = 's-a-busy'");
            }
            assertEquals(1, retention(RETENTION, 100).purge());
            other.rollback();
        }
        assertEquals(List.of("a-busy"), Database.query(ds, "select business_id from uc_case", 10, rs -> rs.getString(1)));
        assertEquals(PER_CASE.values().stream().mapToInt(Integer::intValue).sum(), rowsOf("erp/a-busy"), "kept whole");
    }

    @Test
    void aBusinessIdWrittenToSinceThePageWasReadIsKept() throws Exception {
        open("h2");
        Rows.finished(ds, "erp", "old", 40);
        FinishedCases.Case read = new FinishedCases.Case("erp", "old", 3);
        Database.update(ds, "update uc_case set last_seq = 4 where business_id = 'old'");
        assertEquals(false, Database.inTransaction(ds, c -> FinishedCases.lockUnchanged(c, read)));
        assertEquals(true, Database.inTransaction(ds, c -> FinishedCases.lockUnchanged(c, new FinishedCases.Case("erp", "old", 4))));
    }

    // ------------------------------------------------------------------ reading back

    private Map<String, Integer> counts() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (String table : TABLES) {
            out.put(table, count("select count(*) from " + table));
        }
        return out;
    }

    private int count(String sql) {
        return Database.query(ds, sql, 1, rs -> rs.getInt(1)).get(0);
    }

    private static Map<String, Integer> orderedMap(Object... pairs) {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            out.put((String) pairs[i], (Integer) pairs[i + 1]);
        }
        return out;
    }

    /** All rows of a business ID ("tenant/id") in every table. */
    private int rowsOf(String key) {
        String tenant = key.substring(0, key.indexOf('/'));
        String id = key.substring(key.indexOf('/') + 1);
        String session = "(select session_id from uc_session where tenant = ? and business_id = ?)";
        int n = 0;
        for (String sql : List.of("select count(*) from uc_case where tenant = ? and business_id = ?",
                "select count(*) from uc_session where tenant = ? and business_id = ?",
                "select count(*) from uc_event where tenant = ? and business_id = ?",
                "select count(*) from uc_request where tenant = ? and business_id = ?",
                "select count(*) from uc_participant where session_id in " + session,
                "select count(*) from uc_im_outbox where session_id in " + session,
                "select count(*) from uc_fax where session_id in " + session,
                "select count(*) from uc_fax_document where session_id in " + session)) {
            n += Database.query(ds, sql, 1, rs -> rs.getInt(1), tenant, id).get(0);
        }
        return n;
    }

    /** A business ID's rows as the hub writes them, its last event {@code daysAgo} before {@link #NOW}. */
    static final class Rows {
        private Rows() {
        }

        static void finished(javax.sql.DataSource ds, String tenant, String businessId, int daysAgo) {
            finished(ds, tenant, businessId, daysAgo, 3);
        }

        /**
         * One session, ENDED, with two participants, {@code events} events, an applied requestId, a
         * direct message delivered, a fax delivered and its document.
         */
        static void finished(javax.sql.DataSource ds, String tenant, String businessId, int daysAgo, int events) {
            OffsetDateTime last = NOW.atOffset(ZoneOffset.UTC).minus(daysAgo, ChronoUnit.DAYS);
            OffsetDateTime first = last.minusMinutes(5);
            // Session ids are unique across tenants; the tests name them by business ID, the other tenant's with its name.
            String session = tenant.equals("erp") ? "s-" + businessId : "s-" + tenant + "-" + businessId;
            Database.inTransaction(ds, c -> {
                exec(c, "insert into uc_case (tenant, business_id, last_seq, created_at) values (?, ?, ?, ?)", tenant, businessId,
                        (long) events, first);
                exec(c, "insert into uc_session (session_id, tenant, business_id, channel, state, record_requested, video, started_at,"
                        + " updated_at, ended_at) values (?, ?, ?, 'conference', 'ENDED', false, false, ?, ?, ?)", session, tenant,
                        businessId, first, last, last);
                for (String number : List.of("+4930111111", "+4930222222")) {
                    exec(c, "insert into uc_participant (session_id, address_type, address, display_name, role, state, muted, updated_at)"
                            + " values (?, 'number', ?, 'Alice Example', 'participant', 'LEFT', false, ?)", session, number, last);
                }
                try (PreparedStatement ps = c.prepareStatement("insert into uc_event (tenant, business_id, seq, session_id, event_time,"
                        + " event_type, source, detail) values (?, ?, ?, ?, ?, 'PARTICIPANT_LEFT', 'pbx', 'Alice Example')")) {
                    for (long seq = 1; seq <= events; seq++) {
                        ps.setString(1, tenant);
                        ps.setString(2, businessId);
                        ps.setLong(3, seq);
                        ps.setString(4, session);
                        ps.setObject(5, seq == events ? last : first);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                exec(c, "insert into uc_request (tenant, request_id, action, business_id, session_id, created_at) values (?, ?, 'start',"
                        + " ?, ?, ?)", tenant, "r-" + session, businessId, session, first);
                exec(c, "insert into uc_im_outbox (session_id, kind, target, state, created_at, confirmed) values (?, 'DIRECT',"
                        + " 'alice@hub.test', 'DONE', ?, 'DELIVERED')", session, first);
                exec(c, "insert into uc_fax (session_id, participant_id, fax_number, recipient, subject, state, attempts, created_at,"
                        + " next_attempt_at) values (?, 1, '+4930111111', 'fax@gw.test', 'Contract', 'DELIVERED', 1, ?, ?)", session,
                        first, first);
                exec(c, "insert into uc_fax_document (session_id, file_name, mime_type, content) values (?, 'c.pdf', 'application/pdf',"
                        + " ?)", session, new byte[] {1, 2, 3});
                return null;
            });
        }

        private static void exec(Connection c, String sql, Object... params) throws java.sql.SQLException {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < params.length; i++) {
                    ps.setObject(i + 1, params[i]);
                }
                ps.executeUpdate();
            }
        }
    }
}
