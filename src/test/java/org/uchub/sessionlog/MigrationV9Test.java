package org.uchub.sessionlog;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/**
 * A session log written by a hub before the first party's claim moved its call to DIALLING:
 * a call left DIALLING with its first party never dialled becomes PENDING, for the retry
 * sweep to dial or give up; every other session keeps its state.
 */
class MigrationV9Test {
    @Test
    void aCallDiallingWhoseFirstPartyWasNeverDialledWaitsAgainAndNothingElseMoves() throws Exception {
        String url = "jdbc:h2:mem:v9;DB_CLOSE_DELAY=-1";
        Flyway.configure().dataSource(url, "sa", "").locations("classpath:db/migration").target("8").load().migrate();
        try (Connection c = DriverManager.getConnection(url, "sa", ""); Statement st = c.createStatement()) {
            st.execute("insert into uc_case (tenant, business_id, last_seq, created_at) values ('t', 'b', 0, current_timestamp)");
            session(st, "stuck", "call", "DIALLING", "REQUESTED", "REQUESTED");
            session(st, "ringing", "call", "DIALLING", "INVITED", "REQUESTED");
            session(st, "room", "conference", "DIALLING", "REQUESTED", "REQUESTED");
            Flyway.configure().dataSource(url, "sa", "").locations("classpath:db/migration").load().migrate();
            assertEquals("PENDING", state(st, "stuck"));
            assertEquals("DIALLING", state(st, "ringing"), "its first party was dialled: the PBX dials the second");
            assertEquals("DIALLING", state(st, "room"), "a conference is swept in every open state anyway");
        }
    }

    private static void session(Statement st, String id, String channel, String state, String first, String second) throws Exception {
        st.execute("insert into uc_session (session_id, tenant, business_id, channel, state, record_requested, video, started_at,"
                + " updated_at) values ('" + id + "', 't', 'b', '" + channel + "', '" + state + "', false, false, current_timestamp,"
                + " current_timestamp)");
        for (String p : new String[] {first, second}) {
            st.execute("insert into uc_participant (session_id, address_type, address, role, state, muted, updated_at) values ('" + id
                    + "', 'number', '+4930" + Math.abs(p.hashCode() % 1000000) + "', 'participant', '" + p + "', false, current_timestamp)");
        }
    }

    private static String state(Statement st, String id) throws Exception {
        try (ResultSet rs = st.executeQuery("select state from uc_session where session_id = '" + id + "'")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
