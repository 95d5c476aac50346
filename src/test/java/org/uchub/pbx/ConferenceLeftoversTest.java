package org.uchub.pbx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;
import org.uchub.contract.Event;
import org.uchub.contract.SessionReply;
import org.uchub.pbx.sim.AmiSimulator;

/**
 * A conference that is over, or a participant removed from it, takes along whoever was still
 * being dialled into it, so that nobody answers into a session that is over. The hub hangs
 * up the channels it dialled by the ids it preset on them, never by listing the PBX's
 * channels: a PBX carrying thousands of calls would send them all each time.
 */
class ConferenceLeftoversTest extends HubTestSupport {
    private AmiSimulator sim;
    private ChannelListings listings;

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        // The first joins and hangs up after a second; the second rings for the whole minute.
        p.setProperty("pbx.simulator.script", "+4930888001=hangup-after-1,+4930888002=no-answer,*=answer");
        p.setProperty("pbx.ring-timeout-seconds", "60");
        // Two originates a second, so that a session's later participants wait their turn.
        p.setProperty("pbx.originates-per-second", "2");
        return p;
    }

    @BeforeEach
    void countListingsFromNowOn() throws Exception {
        sim = context.getRegistry().lookupByNameAndType("amiSimulator", AmiSimulator.class);
        listings = ChannelListings.from(sim);
    }

    private static String stateOf(SessionReply log, String number) {
        return log.getSessions().getSession().get(0).getParticipants().getParticipant().stream()
                .filter(p -> p.getAddress().equals(number)).findFirst().orElseThrow().getState();
    }

    private void awaitRinging(String businessId, String joined) throws Exception {
        await(() -> "JOINED".equals(stateOf(logOf(businessId), joined)) && "RINGING".equals(stateOf(logOf(businessId), "+4930888002")),
                15_000, "one in the room, the other ringing");
    }

    @Test
    void whoeverStillRingsWhenTheConferenceEndsIsHungUp() throws Exception {
        ok("default", startConference("case-left", "cl-1", "+4930888001", "+4930888002"));
        await(() -> logOf("case-left").getEvents().getEvent().stream().map(Event::getType).anyMatch("SESSION_ENDED"::equals), 15_000,
                "the conference ends when its only member leaves");
        // Left alone it would ring for another 58 s.
        await(() -> sim.channelCount() == 0, 10_000, "the participant still ringing is hung up");
        assertEquals("ENDED", logOf("case-left").getSessions().getSession().get(0).getState());
        listings.assertNone("no channel listing");
    }

    @Test
    void endSessionHangsUpWhoeverIsInTheRoomOrStillRinging() throws Exception {
        ok("default", startConference("case-end-ringing", "cer-1", "+4930111111", "+4930888002"));
        awaitRinging("case-end-ringing", "+4930111111");
        SessionReply ended = ok("default", "<EndSession " + NS + "><businessId>case-end-ringing</businessId></EndSession>");
        assertTrue(ended.getMessage().endsWith("ended: everyone was hung up."), ended.getMessage());
        await(() -> sim.channelCount() == 0, 10_000, "nobody left on the PBX");
        listings.assertNone("no channel listing");
        // Who was in left; who still rang was not reached, and stays so when its hang-up comes.
        assertEquals("LEFT", stateOf(logOf("case-end-ringing"), "+4930111111"));
        assertEquals("FAILED", stateOf(logOf("case-end-ringing"), "+4930888002"));
    }

    @Test
    void aParticipantRemovedWhileRingingIsHungUp() throws Exception {
        ok("default", startConference("case-rm-ringing", "crr-1", "+4930111111", "+4930888002"));
        awaitRinging("case-rm-ringing", "+4930111111");
        SessionReply changed = ok("default", "<ModifySession " + NS + "><businessId>case-rm-ringing</businessId>"
                + "<remove><participant><number>+4930888002</number></participant></remove></ModifySession>");
        assertTrue(changed.getMessage().contains("removed +4930888002 (hung up while ringing)"), changed.getMessage());
        await(() -> sim.channelCount() == 1, 10_000, "only the member in the room left on the PBX");
        assertEquals("REMOVED", stateOf(logOf("case-rm-ringing"), "+4930888002"));
        assertEquals("JOINED", stateOf(logOf("case-rm-ringing"), "+4930111111"));
        listings.assertNone("no channel listing");
    }

    @Test
    void participantsStillWaitingForTheirOriginateWhenTheSessionEndsAreNeverDialled() throws Exception {
        PbxConnection pbx = context.getRegistry().lookupByNameAndType("pbxConnection", PbxConnection.class);
        long before = sim.actionCount("originate");
        ok("default", startConference("case-end-queued", "ceq-1", "+4930111111", "+4930111112", "+4930111113"));
        ok("default", "<EndSession " + NS + "><businessId>case-end-queued</businessId></EndSession>");
        await(() -> pbx.originatesWaiting() == 0, 5_000, "the pacer past the session's originates");
        // The pacer may hold one for its turn (half a second): it looks again before it sends.
        Thread.sleep(1_000);
        assertTrue(sim.actionCount("originate") - before <= 1, (sim.actionCount("originate") - before) + " originates sent");
        await(() -> sim.channelCount() == 0, 10_000, "nobody left on the PBX");
        SessionReply log = logOf("case-end-queued");
        for (String number : List.of("+4930111112", "+4930111113")) {
            assertEquals("FAILED", stateOf(log, number), number + " was never reached");
        }
    }
}
