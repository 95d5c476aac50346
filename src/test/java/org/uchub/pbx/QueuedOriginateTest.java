package org.uchub.pbx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Properties;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;
import org.uchub.contract.SessionReply;
import org.uchub.pbx.sim.AmiSimulator;
import org.uchub.sessionlog.Database;

/**
 * An originate waits its turn in the pacer (the per-PBX rate limit); what the session log
 * learns meanwhile decides whether it still goes out: a participant removed, or a session
 * ended by another hub instance sharing the log, is not rung.
 */
class QueuedOriginateTest extends HubTestSupport {
    private static final String T = "erp";

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        // One originate a second: the second and third participants wait in the pacer.
        p.setProperty("pbx.originates-per-second", "1");
        return p;
    }

    private AmiSimulator simulator() {
        return context.getRegistry().lookupByNameAndType("amiSimulator", AmiSimulator.class);
    }

    private void awaitLogin() throws Exception {
        PbxConnection pbx = context.getRegistry().lookupByNameAndType("pbxConnection", PbxConnection.class);
        await(pbx::isConnected, 10_000, "PBX logged in");
    }

    @Test
    void aParticipantRemovedWhileItsOriginateWaitsIsNotRung() throws Exception {
        awaitLogin();
        long before = simulator().actionCount("Originate");
        ok(T, startConference("Q-1", null, "+4930111111", "+4930222222", "+4930333333"));
        ok(T, "<ModifySession " + NS + "><businessId>Q-1</businessId><remove><participant><number>+4930333333</number></participant>"
                + "</remove></ModifySession>");
        Thread.sleep(3_500);
        assertEquals(2, simulator().actionCount("Originate") - before, "the removed participant was dialled");
    }

    @Test
    void aSessionAnotherInstanceEndedIsNotDialledFromThisOnesQueue() throws Exception {
        awaitLogin();
        long before = simulator().actionCount("Originate");
        SessionReply r = ok(T, startConference("Q-2", null, "+4930111111", "+4930222222", "+4930333333"));
        // What the other instance's EndSession leaves in the shared log; this instance never heard of it.
        DataSource ds = context.getRegistry().lookupByNameAndType("dataSource", DataSource.class);
        Database.update(ds, "update uc_session set state = 'ENDED' where session_id = ?", r.getSessionId());
        Thread.sleep(3_000);
        assertEquals(1, simulator().actionCount("Originate") - before, "a session over was dialled into");
    }
}
