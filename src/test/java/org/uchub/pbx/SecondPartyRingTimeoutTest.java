package org.uchub.pbx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;
import org.uchub.contract.ParticipantState;
import org.uchub.contract.SessionReply;

/**
 * pbx.ring-timeout-seconds is how long a participant's phone rings: the second party of a
 * call too, which the call context's Dial() rings (UC_RING_TIMEOUT), not 30 s fixed in the
 * dialplan.
 */
class SecondPartyRingTimeoutTest extends HubTestSupport {

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        p.setProperty("pbx.simulator.script", "+4930777001=no-answer,*=answer");
        p.setProperty("pbx.ring-timeout-seconds", "3");
        return p;
    }

    @Test
    void aSecondPartyWhoDoesNotAnswerRingsAsLongAsConfigured() throws Exception {
        ok("default", "<StartSession " + NS + "><businessId>case-ring</businessId><channel>call</channel><participants>"
                + "<participant><number>+4930111111</number></participant><participant><number>+4930777001</number></participant>"
                + "</participants></StartSession>");
        // Well under the 30 s the dialplan used to ring for.
        await(() -> List.of("ENDED", "FAILED").contains(logOf("case-ring").getSessions().getSession().get(0).getState()), 15_000,
                "the call is over once the second party rang out");
        SessionReply log = logOf("case-ring");
        ParticipantState second = log.getSessions().getSession().get(0).getParticipants().getParticipant().get(1);
        assertEquals("+4930777001", second.getAddress());
        assertEquals("FAILED", second.getState());
        assertTrue(log.getEvents().getEvent().stream().anyMatch(e -> "PARTICIPANT_FAILED".equals(e.getType())
                && e.getDetail() != null && e.getDetail().toLowerCase().contains("answer")), String.valueOf(log.getEvents().getEvent()
                .stream().map(e -> e.getType() + ":" + e.getDetail()).toList()));
    }
}
