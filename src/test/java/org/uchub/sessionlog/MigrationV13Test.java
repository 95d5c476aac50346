package org.uchub.sessionlog;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

/**
 * An IM outbox written before V13, on H2 and on PostgreSQL: the openings of rooms whose CLOSE
 * has run become CLOSED, and a message settled while it waited to be sent again becomes DONE;
 * rooms still open or being closed, and work still to send, stay as they were.
 */
class MigrationV13Test {
    @Test
    void settledRoomsAndMessagesLeaveThePendingAndOpenStatesOnH2() throws Exception {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL("jdbc:h2:mem:v13;DB_CLOSE_DELAY=-1");
        h2.setUser("sa");
        migrateAndCheck(h2);
    }

    @Test
    void settledRoomsAndMessagesLeaveThePendingAndOpenStatesOnPostgres() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setPort(org.uchub.HubTestSupport.freePort()).start()) {
            migrateAndCheck(pg.getPostgresDatabase());
        }
    }

    private static void migrateAndCheck(DataSource ds) throws Exception {
        Flyway.configure().dataSource(ds).locations("classpath:db/migration").target("12").load().migrate();
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            st.execute("insert into uc_case (tenant, business_id, last_seq, created_at) values ('t', 'b', 0, current_timestamp)");
            room(st, "closed", "DONE");
            room(st, "close-given-up", "FAILED");
            room(st, "closing", "PENDING");
            room(st, "open", null);
            session(st, "dm");
            item(st, "dm", "DIRECT", "PENDING", "DELIVERED");
            item(st, "dm", "DIRECT", "PENDING", null);
            item(st, "dm", "DIRECT", "DONE", null);
            Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
            assertEquals("CLOSED", state(st, "closed", "ROOM_OPEN"));
            assertEquals("CLOSED", state(st, "close-given-up", "ROOM_OPEN"));
            assertEquals("DONE", state(st, "closing", "ROOM_OPEN"), "its CLOSE has yet to run");
            assertEquals("DONE", state(st, "open", "ROOM_OPEN"));
            assertEquals("DONE,DONE,PENDING", state(st, "dm", "DIRECT"), "only the settled one moves on");
        }
    }

    private static void room(Statement st, String id, String closeState) throws Exception {
        session(st, id);
        item(st, id, "ROOM_OPEN", "DONE", null);
        if (closeState != null) {
            item(st, id, "CLOSE", closeState, null);
        }
    }

    private static void session(Statement st, String id) throws Exception {
        st.execute("insert into uc_session (session_id, tenant, business_id, channel, state, record_requested, video, started_at,"
                + " updated_at) values ('" + id + "', 't', 'b', 'im', 'ACTIVE', false, false, current_timestamp, current_timestamp)");
    }

    private static void item(Statement st, String id, String kind, String state, String confirmed) throws Exception {
        st.execute("insert into uc_im_outbox (session_id, kind, target, state, created_at, confirmed) values ('" + id + "', '" + kind
                + "', 'x@hub.test', '" + state + "', current_timestamp, " + (confirmed == null ? "null" : "'" + confirmed + "'") + ")");
    }

    private static String state(Statement st, String id, String kind) throws Exception {
        StringBuilder b = new StringBuilder();
        try (ResultSet rs = st.executeQuery("select state from uc_im_outbox where session_id = '" + id + "' and kind = '" + kind
                + "' order by state")) {
            while (rs.next()) {
                b.append(b.length() == 0 ? "" : ",").append(rs.getString(1));
            }
        }
        return b.toString();
    }
}
