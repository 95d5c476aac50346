package org.uchub.xmpp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.uchub.sessionlog.ChannelProgress;
import org.uchub.sessionlog.NumberPool;
import org.uchub.sessionlog.SessionLog;

/**
 * A direct answer from someone taking part in more open IM sessions than the newest few: it
 * is matched against all of them, by its thread and by the business ID it names.
 */
class ImRepliesManySessionsTest {
    private static final String ALICE = "alice@hub.test";
    /** More open sessions of one participant than a page of the newest would hold. */
    private static final int NEWER = 50;

    private JdbcDataSource ds;
    private ImReplies replies;
    private final OffsetDateTime t0 = OffsetDateTime.now(ZoneOffset.UTC).minusHours(2);

    @BeforeEach
    void migrate() {
        ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:im-replies-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
        ds.setUser("sa");
        Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
        ChannelProgress progress = new ChannelProgress(ds, new SessionLog(ds, new NumberPool("8000-8009"), java.time.Clock.systemUTC()),
                new NumberPool("8000-8009"));
        replies = new ImReplies(new ImOutbox(ds), progress, "hub.test", null, 60_000, 1_000);
        // The oldest: tenant A's case 4711; then 50 newer ones, among them tenant B's 4711.
        session("a-4711", "tenant-a", "4711", 0, ALICE);
        for (int i = 1; i <= NEWER; i++) {
            session("s-" + i, "tenant-a", "C-" + i, i, ALICE);
        }
        session("b-4711", "tenant-b", "4711", NEWER + 1, ALICE);
    }

    @Test
    void anAnswerOnTheThreadOfItsOldestOpenSessionIsLoggedThere() throws Exception {
        assertTrue(replies.record(direct("a-4711", "Done, see attachment")));
        assertEquals(1, replies("a-4711"));
    }

    @Test
    void aBusinessIdOpenInTwoTenantsIsNoAnswerToEitherHowOldTheOtherSessionIs() throws Exception {
        assertFalse(replies.record(direct(null, "re 4711: done")));
        assertEquals(0, replies("a-4711"));
        assertEquals(0, replies("b-4711"));
    }

    @Test
    void aBusinessIdOfTheOldestOpenSessionNamedInTheTextIsLoggedThere() throws Exception {
        sql("update uc_session set state = 'ENDED' where session_id = 'b-4711'");
        assertTrue(replies.record(direct(null, "About 4711.")));
        assertEquals(1, replies("a-4711"));
    }

    private InboundMessage direct(String thread, String body) {
        return new InboundMessage(InboundMessage.Kind.DIRECT, ALICE, null, null, thread, body, "x-" + System.nanoTime(), null,
                OffsetDateTime.now(ZoneOffset.UTC));
    }

    private void session(String id, String tenant, String businessId, int minutes, String jid) {
        sql("merge into uc_case (tenant, business_id, last_seq, created_at) key (tenant, business_id) values ('" + tenant + "', '"
                + businessId + "', 0, current_timestamp)");
        sql("insert into uc_session (session_id, tenant, business_id, channel, state, record_requested, video, started_at, updated_at)"
                + " values ('" + id + "', '" + tenant + "', '" + businessId + "', 'im', 'ACTIVE', false, false, timestamp with time zone '"
                + t0.plusMinutes(minutes) + "', current_timestamp)");
        sql("insert into uc_participant (session_id, address_type, address, role, state, muted, updated_at) values ('" + id
                + "', 'jid', '" + jid + "', 'participant', 'NOTIFIED', false, current_timestamp)");
    }

    private int replies(String sessionId) throws Exception {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("select count(*) from uc_event where session_id = ? and event_type = 'IM_REPLY'")) {
            ps.setString(1, sessionId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private void sql(String statement) {
        try (Connection c = ds.getConnection(); java.sql.Statement st = c.createStatement()) {
            st.execute(statement);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
