package org.uchub.pbx;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Properties;
import org.asteriskjava.manager.action.EventsAction;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;
import org.uchub.contract.SessionReply;

/**
 * News the hub never heard (here: the PBX sends the hub no events any more, as if they were
 * lost on the way) is found by the routine reconciliation while the connection lasts: the
 * conference that ended on the PBX ends in the log and gives its number back.
 */
class PbxRoutineCheckTest extends HubTestSupport {

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        p.setProperty("pbx.reconcile-interval-minutes", "0.02");
        p.setProperty("pbx.simulator.script", "+4930888001=hangup-after-1,*=answer");
        return p;
    }

    @Test
    void aConferenceThatEndedUnheardEndsInTheLogAtTheRoutineCheck() throws Exception {
        PbxConnection pbx = context.getRegistry().lookupByNameAndType("pbxConnection", PbxConnection.class);
        await(pbx::isReady, 10_000, "PBX ready");
        ok("default", startConference("R-1", null, "+4930888001"));
        awaitEvent("R-1", "PARTICIPANT_JOINED", 1);
        pbx.send(new EventsAction("off"));
        // The party hangs up a second after answering; the hub hears nothing of it.
        await(() -> "ENDED".equals(logOf("R-1").getSessions().getSession().get(0).getState()), 15_000, "R-1 ended");
        SessionReply log = logOf("R-1");
        assertTrue(log.getEvents().getEvent().stream().anyMatch(e -> e.getType().equals("SESSION_ENDED")
                && e.getDetail().contains("noticed by the routine check")), String.valueOf(described(log)));
        assertTrue(log.getEvents().getEvent().stream().anyMatch(e -> e.getType().equals("NUMBER_RELEASED")));
    }
}
