package org.uchub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Properties;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.uchub.contract.ErrorReply;
import org.uchub.contract.SessionReply;

/**
 * The retention in a running hub, through routes/housekeeping.xml: a conference ended longer
 * ago than the retention is gone, its query answers NOT_FOUND, and its requestId is forgotten
 * with it; a conference still running stays however old its events.
 */
class SessionLogPurgeTest extends HubTestSupport {

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        p.setProperty("hub.session-log.retention-days", "1");
        p.setProperty("hub.session-log.purge-interval-minutes", "0.005");
        return p;
    }

    @Test
    void aConferenceEndedLongerAgoThanTheRetentionIsPurgedAndItsQueryAnswersNotFound() throws Exception {
        assertNotNull(context.getRoute("housekeeping-purge-session-log"), "the purge route runs once a retention is set");
        SessionReply started = ok("default", startConference("PURGE-1", "req-purge-1", "+4930111111", "+4930222222"));
        ok("default", startConference("KEEP-1", null, "+4930333333"));
        awaitEvent("PURGE-1", "PARTICIPANT_JOINED", 2);
        awaitEvent("KEEP-1", "PARTICIPANT_JOINED", 1);
        ok("default", end("PURGE-1"));
        awaitEvent("PURGE-1", "NUMBER_RELEASED", 1);

        // As if two days had passed: aged again at each look, since the PBX's last news of the
        // end may still come in (and, new, would keep the business ID another day).
        await(() -> {
            age("PURGE-1");
            age("KEEP-1");
            return notFound("PURGE-1");
        }, 15_000, "PURGE-1 was not purged: " + described(logOf("PURGE-1")));

        assertEquals("ACTIVE", logOf("KEEP-1").getSessions().getSession().get(0).getState(), "a running conference stays");
        // The retention is also the window of duplicate detection: the old request, resent, is applied anew.
        SessionReply again = ok("default", startConference("PURGE-1", "req-purge-1", "+4930111111", "+4930222222"));
        assertNotEquals(Boolean.TRUE, again.isReplayed());
        assertNotEquals(started.getSessionId(), again.getSessionId());
    }

    private boolean notFound(String businessId) {
        Object reply = parse(call("default", query(businessId)));
        String code = reply instanceof ErrorReply e ? e.getError().getCode()
                : ((SessionReply) reply).getError() == null ? null : ((SessionReply) reply).getError().getCode();
        return "NOT_FOUND".equals(code);
    }

    private void age(String businessId) throws Exception {
        DataSource ds = context.getRegistry().lookupByNameAndType("dataSource", DataSource.class);
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("update uc_event set event_time = ? where tenant = ? and business_id = ?")) {
            c.setAutoCommit(true);
            ps.setObject(1, OffsetDateTime.now(ZoneOffset.UTC).minusDays(2));
            ps.setString(2, "default");
            ps.setString(3, businessId);
            ps.executeUpdate();
        }
    }
}
