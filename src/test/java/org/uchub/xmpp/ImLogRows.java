package org.uchub.xmpp;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.OffsetDateTime;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.uchub.sessionlog.ChannelProgress;
import org.uchub.sessionlog.NumberPool;
import org.uchub.sessionlog.SessionLog;

/** A session log of its own (H2, migrated as the hub migrates it) with IM sessions written into it row by row. */
final class ImLogRows {
    final JdbcDataSource ds = new JdbcDataSource();
    final ChannelProgress progress;

    ImLogRows(String name) {
        ds.setURL("jdbc:h2:mem:" + name + "-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
        ds.setUser("sa");
        Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
        progress = new ChannelProgress(ds, new SessionLog(ds, new NumberPool("8000-8009"), java.time.Clock.systemUTC()),
                new NumberPool("8000-8009"));
    }

    /** An ACTIVE IM session started at {@code startedAt}, with one participant whose address is stored exactly as given. */
    void session(String id, String tenant, String businessId, OffsetDateTime startedAt, String address) {
        sql("merge into uc_case (tenant, business_id, last_seq, created_at) key (tenant, business_id) values ('" + tenant + "', '"
                + businessId + "', 0, current_timestamp)");
        sql("insert into uc_session (session_id, tenant, business_id, channel, state, record_requested, video, started_at, updated_at)"
                + " values ('" + id + "', '" + tenant + "', '" + businessId + "', 'im', 'ACTIVE', false, false, timestamp with time zone '"
                + startedAt + "', current_timestamp)");
        sql("insert into uc_participant (session_id, address_type, address, role, state, muted, updated_at) values ('" + id
                + "', 'jid', '" + address + "', 'participant', 'NOTIFIED', false, current_timestamp)");
    }

    int events(String sessionId, String type) throws Exception {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("select count(*) from uc_event where session_id = ? and event_type = ?")) {
            ps.setString(1, sessionId);
            ps.setString(2, type);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    void sql(String statement) {
        try (Connection c = ds.getConnection(); java.sql.Statement st = c.createStatement()) {
            st.execute(statement);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
