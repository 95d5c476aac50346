package org.uchub.pbx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;
import org.uchub.contract.Event;
import org.uchub.pbx.sim.AmiSimulator;

/**
 * A conference the PBX ended (its last member left) takes along whoever was still being
 * dialled into it, so that nobody answers into a session that is over.
 */
class ConferenceLeftoversTest extends HubTestSupport {

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        // The first joins and hangs up after a second; the second rings for the whole minute.
        p.setProperty("pbx.simulator.script", "+4930888001=hangup-after-1,+4930888002=no-answer,*=answer");
        p.setProperty("pbx.ring-timeout-seconds", "60");
        return p;
    }

    @Test
    void whoeverStillRingsWhenTheConferenceEndsIsHungUp() throws Exception {
        ok("default", startConference("case-left", "cl-1", "+4930888001", "+4930888002"));
        await(() -> logOf("case-left").getEvents().getEvent().stream().map(Event::getType).anyMatch("SESSION_ENDED"::equals), 15_000,
                "the conference ends when its only member leaves");
        AmiSimulator sim = context.getRegistry().lookupByNameAndType("amiSimulator", AmiSimulator.class);
        // Left alone it would ring for another 58 s.
        await(() -> sim.channelCount() == 0, 10_000, "the participant still ringing is hung up");
        assertEquals("ENDED", logOf("case-left").getSessions().getSession().get(0).getState());
    }
}
