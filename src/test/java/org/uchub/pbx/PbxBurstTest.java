package org.uchub.pbx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;
import org.uchub.contract.ReplyStatus;

/**
 * A burst of 1,000 call requests: every originate reaches the PBX, and every one of the
 * thousands of events that come back reaches the session log, none dropped on the way
 * (Asterisk-Java's own event queue drops when its listeners are slow).
 */
class PbxBurstTest extends HubTestSupport {
    private static final int CALLS = Integer.getInteger("burst.calls", 1000);

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        p.setProperty("pbx.originates-per-second", "2000");
        return p;
    }

    private long count(String sql) throws Exception {
        DataSource ds = context.getRegistry().lookupByNameAndType("dataSource", DataSource.class);
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private String histogram(String sql) throws Exception {
        DataSource ds = context.getRegistry().lookupByNameAndType("dataSource", DataSource.class);
        StringBuilder sb = new StringBuilder();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                sb.append(rs.getString(1)).append('=').append(rs.getLong(2)).append(' ');
            }
        }
        return sb.toString();
    }

    @Test
    void aThousandStartRequestsAtOnceLoseNoOriginateAndNoEvent() throws Exception {
        PbxConnection pbx = context.getRegistry().lookupByNameAndType("pbxConnection", PbxConnection.class);
        await(pbx::isConnected, 10_000, "connected");
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<ReplyStatus>> replies = new ArrayList<>();
        for (int i = 0; i < CALLS; i++) {
            String businessId = "burst-" + i;
            String a = String.format("+4931%06d", i);
            String b = String.format("+4932%06d", i);
            replies.add(pool.submit(() -> ok("default", "<StartSession " + NS + "><businessId>" + businessId
                    + "</businessId><channel>call</channel><participants><participant><number>" + a + "</number></participant>"
                    + "<participant><number>" + b + "</number></participant></participants></StartSession>").getStatus()));
        }
        for (Future<ReplyStatus> f : replies) {
            assertEquals(ReplyStatus.ACCEPTED, f.get());
        }
        pool.shutdown();
        long t0 = System.nanoTime();
        try {
            await(() -> count("select count(*) from uc_participant where state = 'JOINED'") == 2L * CALLS, 120_000,
                    "every party of every call joined");
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; participants " + histogram("select state, count(*) from uc_participant group by state")
                    + "; events " + histogram("select event_type, count(*) from uc_event group by event_type")
                    + "; left " + histogram("select detail, count(*) from uc_event where event_type = 'PARTICIPANT_LEFT' group by detail"));
        }
        System.out.printf("burst: %d calls joined %.1f s after the last reply%n", CALLS, (System.nanoTime() - t0) / 1e9);
        assertEquals(CALLS, count("select count(*) from uc_session where state = 'ACTIVE'"));
        assertEquals(2L * CALLS, count("select count(*) from uc_event where event_type = 'PARTICIPANT_RINGING'"));
        assertEquals(CALLS, count("select count(*) from uc_event where event_type = 'CALL_ANSWERED'"));
        assertEquals(0, count("select count(*) from uc_event where event_type in ('PARTICIPANT_FAILED', 'PBX_UNAVAILABLE')"));
    }
}
