package org.uchub.pbx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;
import org.uchub.contract.ParticipantState;
import org.uchub.pbx.sim.AmiSimulator;

/**
 * A value the PBX adapter refuses (here a caller ID from configuration with a line break,
 * which would be a second AMI command) fails the request that carried it and its
 * participants, sends nothing to the PBX, and is not tried again by the retry sweep.
 */
class PbxRefusedValueTest extends HubTestSupport {

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        p.setProperty("pbx.caller-id", "UC Hub\r\nAction: Logoff");
        return p;
    }

    @Test
    void aRefusedValueFailsTheRequestAndItsParticipantsAndIsNeverRetried() throws Exception {
        AmiSimulator sim = context.getRegistry().lookupByNameAndType("amiSimulator", AmiSimulator.class);
        PbxConnection pbx = context.getRegistry().lookupByNameAndType("pbxConnection", PbxConnection.class);
        await(pbx::isConnected, 10_000, "connected");
        String reply = call("default", startConference("case-refused", "r-1", "+4930111111", "+4930222222"));
        assertTrue(reply.contains("<error>") || reply.contains(":error"), reply);
        await(() -> logOf("case-refused").getSessions().getSession().get(0).getParticipants().getParticipant().stream()
                .map(ParticipantState::getState).allMatch("FAILED"::equals), 10_000, "participants failed; " + logOf("case-refused"));
        // Longer than the response timeout and several sweeps: nothing is dialled, nothing logs off.
        Thread.sleep(7_000);
        assertEquals(0, sim.actionCount("originate"));
        assertEquals(0, sim.actionCount("logoff"));
        assertTrue(pbx.isConnected());
    }
}
