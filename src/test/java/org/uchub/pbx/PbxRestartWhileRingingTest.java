package org.uchub.pbx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;
import org.uchub.contract.Event;
import org.uchub.contract.ParticipantState;
import org.uchub.contract.SessionReply;
import org.uchub.pbx.sim.AmiSimulator;

/**
 * A PBX that restarts while a call still rings takes the call with it, and no event about it
 * reaches the hub. The reconciler must not leave such a call open for ever: its first party
 * never answered and its second was never dialled, so the call failed.
 */
class PbxRestartWhileRingingTest extends HubTestSupport {

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        // Long enough to restart the PBX while the first party rings.
        p.setProperty("pbx.simulator.ring-ms", "8000");
        return p;
    }

    private static List<String> types(SessionReply r) {
        return r.getEvents().getEvent().stream().map(Event::getType).toList();
    }

    @Test
    void aCallRingingWhenThePbxRestartsFailsInsteadOfStayingOpen() throws Exception {
        AmiSimulator simulator = context.getRegistry().lookupByNameAndType("amiSimulator", AmiSimulator.class);
        PbxConnection pbx = context.getRegistry().lookupByNameAndType("pbxConnection", PbxConnection.class);
        await(pbx::isConnected, 10_000, "connected");
        ok("default", "<StartSession " + NS + "><businessId>case-ringing</businessId><channel>call</channel><participants>"
                + "<participant><number>+4930111111</number></participant><participant><number>+4930222222</number></participant>"
                + "</participants></StartSession>");
        await(() -> types(logOf("case-ringing")).contains("PARTICIPANT_RINGING"), 15_000, "ringing; log " + types(logOf("case-ringing")));
        simulator.stop();
        Thread.sleep(1500);
        simulator.start();
        await(() -> "FAILED".equals(logOf("case-ringing").getSessions().getSession().get(0).getState()), 20_000,
                "failed; log " + types(logOf("case-ringing")));
        SessionReply log = logOf("case-ringing");
        List<String> t = types(log);
        assertTrue(t.indexOf("PARTICIPANT_FAILED") < t.indexOf("SESSION_FAILED"), t.toString());
        assertEquals(List.of("FAILED", "FAILED"),
                log.getSessions().getSession().get(0).getParticipants().getParticipant().stream().map(ParticipantState::getState).toList());
    }
}
