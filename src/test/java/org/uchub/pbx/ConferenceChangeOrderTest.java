package org.uchub.pbx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.asteriskjava.manager.event.ConfbridgeListEvent;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;
import org.uchub.contract.ParticipantState;
import org.uchub.contract.SessionReply;
import org.uchub.request.ContractCodec;
import org.uchub.request.HubRequest;

/**
 * Two changes of one conference recorded in one order may reach the PBX in the other (two
 * ingresses, two SOAP calls at once). Whichever reaches it last, the room ends as the session
 * log says, not as the slower request asked.
 */
class ConferenceChangeOrderTest extends HubTestSupport {

    /** A ModifySession played up to the session log, its PBX step held back: the slower of two. */
    private HubRequest recordedOnly(String request) throws Exception {
        ContractCodec codec = context.getRegistry().lookupByNameAndType("contractCodec", ContractCodec.class);
        HubRequest r = codec.read(new java.io.ByteArrayInputStream(request.getBytes(StandardCharsets.UTF_8)), "default", "test", null,
                new org.apache.camel.support.DefaultExchange(context));
        context.getRegistry().lookupByNameAndType("requestRules", org.uchub.request.RequestRules.class).check(r);
        context.getRegistry().lookupByNameAndType("enricher", org.uchub.enrich.Enricher.class).enrich(r);
        return context.getRegistry().lookupByNameAndType("sessionLog", org.uchub.sessionlog.SessionLog.class).modify(r);
    }

    private Conferences conferences() {
        return context.getRegistry().lookupByNameAndType("conferences", Conferences.class);
    }

    private static String modify(String businessId, String what, String number) {
        return "<ModifySession " + NS + "><businessId>" + businessId + "</businessId><" + what + "><participant><number>" + number
                + "</number></participant></" + what + "></ModifySession>";
    }

    /** The participants' channels in the room (not the announcement the hub plays into it when one is added). */
    private List<ConfbridgeListEvent> room(String businessId) {
        return conferences().members(logOf(businessId).getSessions().getSession().get(0).getReservedNumber()).stream()
                .filter(m -> HubChannelId.parse(m.getUniqueid()).isPresent()).toList();
    }

    @Test
    void aMuteThatReachesThePbxAfterALaterUnmuteLeavesTheParticipantUnmutedAsTheLogSays() throws Exception {
        ok("default", startConference("case-order-mute", "om-1", "+4930111111", "+4930333333"));
        awaitEvent("case-order-mute", "PARTICIPANT_JOINED", 2);
        HubRequest mute = recordedOnly(modify("case-order-mute", "mute", "+4930111111"));
        ok("default", modify("case-order-mute", "unmute", "+4930111111"));

        conferences().change(mute);

        assertTrue(mute.getMessage().contains("unmuted +4930111111 (as the log now has it)"), mute.getMessage());
        ParticipantState p = logOf("case-order-mute").getSessions().getSession().get(0).getParticipants().getParticipant().stream()
                .filter(x -> x.getAddress().equals("+4930111111")).findFirst().orElseThrow();
        assertFalse(p.isMuted(), "the log has the later unmute");
        List<ConfbridgeListEvent> in = room("case-order-mute");
        assertEquals(2, in.size());
        in.forEach(m -> assertEquals("No", m.getMuted(), m.getChannel() + " in the room as the log has it"));
    }

    @Test
    void aRemovalThatReachesThePbxAfterTheParticipantWasAddedAgainLeavesTheNewOneIn() throws Exception {
        ok("default", startConference("case-order-rm", "or-1", "+4930111111", "+4930333333"));
        awaitEvent("case-order-rm", "PARTICIPANT_JOINED", 2);
        HubRequest remove = recordedOnly(modify("case-order-rm", "remove", "+4930333333"));
        ok("default", modify("case-order-rm", "add", "+4930333333"));
        awaitEvent("case-order-rm", "PARTICIPANT_JOINED", 3);
        assertEquals(3, room("case-order-rm").size(), "the removed one's PBX step has not run yet");

        conferences().change(remove);

        // The kicks are answered once done: the room is as the step left it.
        List<ConfbridgeListEvent> in = room("case-order-rm");
        assertEquals(2, in.size(), "the first +4930333333 is out, the one added again stays: " + in);
        Thread.sleep(300);
        SessionReply log = logOf("case-order-rm");
        List<String> states = log.getSessions().getSession().get(0).getParticipants().getParticipant().stream()
                .filter(x -> x.getAddress().equals("+4930333333")).map(x -> x.getState()).toList();
        assertEquals(List.of("REMOVED", "JOINED"), states, described(log).toString());
    }

    /**
     * The first change reads the log (muted) and then waits for a slow ConfbridgeList; the
     * second, recorded and carried out meanwhile, would unmute at once and be overtaken by the
     * first's late mute. One change of a conference at a time, the second reads the log only
     * once the first is done, and the room ends unmuted as the log has it.
     */
    @Test
    void aChangeWaitsForTheOneBeforeItOnTheSameConferenceInsteadOfOvertakingIt() throws Exception {
        ok("default", startConference("case-order-lock", "ol-1", "+4930111111", "+4930333333"));
        awaitEvent("case-order-lock", "PARTICIPANT_JOINED", 2);
        HubRequest mute = recordedOnly(modify("case-order-lock", "mute", "+4930111111"));
        org.uchub.pbx.sim.AmiSimulator simulator = context.getRegistry().lookupByNameAndType("amiSimulator",
                org.uchub.pbx.sim.AmiSimulator.class);
        long lists = simulator.actionCount("ConfbridgeList");
        simulator.answerLate("ConfbridgeList", 1500);
        java.util.concurrent.CompletableFuture<HubRequest> first = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> conferences().change(mute));
        // The first holds the lock once it has asked for the room.
        await(() -> simulator.actionCount("ConfbridgeList") > lists, 5_000, "the first change asked for the room");
        HubRequest unmute = recordedOnly(modify("case-order-lock", "unmute", "+4930111111"));

        conferences().change(unmute);

        assertTrue(first.isDone(), "the second change waited for the first");
        assertTrue(first.get().getMessage().contains(": muted +4930111111"), first.get().getMessage());
        assertTrue(unmute.getMessage().contains(": unmuted +4930111111"), unmute.getMessage());
        List<ConfbridgeListEvent> in = room("case-order-lock");
        assertEquals(2, in.size());
        in.forEach(m -> assertEquals("No", m.getMuted(), m.getChannel() + " in the room as the log has it"));
    }
}
