package org.uchub.pbx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;
import org.uchub.contract.SessionReply;
import org.uchub.request.HubRequest;

/**
 * An EndSession delivered again after the log had ended its session (the hub stopped before
 * the PBX step, a retry after a failed reply) finds its number perhaps bound to another
 * conference by then: the room is that conference's, and is not emptied for the old one.
 */
class ResentEndSessionTest extends HubTestSupport {

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        // One room, so the next conference gets the number the first one released.
        p.setProperty("hub.pool.numbers", "8000");
        p.setProperty("pbx.simulator.script", "*=answer");
        return p;
    }

    private static String stateOf(SessionReply log, String number) {
        return log.getSessions().getSession().get(0).getParticipants().getParticipant().stream()
                .filter(x -> x.getAddress().equals(number)).findFirst().orElseThrow().getState();
    }

    @Test
    void anEndSessionResentAfterItsNumberWentToAnotherConferenceLeavesThatConferenceAlone() throws Exception {
        ok("default", startConference("resent-a", "ra-1", "+4930111111"));
        await(() -> "JOINED".equals(stateOf(logOf("resent-a"), "+4930111111")), 15_000, "a's participant in the room");

        // The first delivery of a's EndSession, as far as the log: the hub stopped before the PBX step.
        String endA = "<EndSession " + NS + "><requestId>ra-end</requestId><businessId>resent-a</businessId></EndSession>";
        HubRequest first = readAndEnriched("default", endA);
        context.getRegistry().lookupByNameAndType("sessionLog", org.uchub.sessionlog.SessionLog.class).end(first);

        SessionReply b = ok("erp", startConference("resent-b", "rb-1", "+4930222222"));
        assertEquals("8000", b.getReservedNumber(), "b got the number a released");
        await(() -> "JOINED".equals(stateOf(ok("erp", query("resent-b")), "+4930222222")), 15_000, "b's participant in the room");

        ok("default", endA);
        // a's own participant is hung up all the same.
        await(() -> !"JOINED".equals(stateOf(logOf("resent-a"), "+4930111111")), 15_000, "a's participant hung up");
        Thread.sleep(1000);
        assertEquals("JOINED", stateOf(ok("erp", query("resent-b")), "+4930222222"), "b's participant kicked out by a's end");
    }
}
