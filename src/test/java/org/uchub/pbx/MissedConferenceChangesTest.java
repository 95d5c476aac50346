package org.uchub.pbx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Properties;
import org.asteriskjava.manager.event.ConfbridgeListEvent;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;
import org.uchub.contract.SessionReply;
import org.uchub.pbx.sim.AmiSimulator;

/**
 * A change the log holds reaches the room even when ConfBridge could not take it at the time:
 * a mute asked while the participant still rang (there was no one in the room to mute), a mute
 * or a removal recorded while the PBX did not answer. What the room shows is read back from
 * the PBX, not from the reply.
 */
class MissedConferenceChangesTest extends HubTestSupport {

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        // Long enough to send a mute while the participants still ring.
        p.setProperty("pbx.simulator.ring-ms", "2500");
        // Rings until the originate gives up (pbx.ring-timeout-seconds, 30 s).
        p.setProperty("pbx.simulator.script", "+4930444444=no-answer,*=answer");
        return p;
    }

    private Conferences conferences() {
        return context.getRegistry().lookupByNameAndType("conferences", Conferences.class);
    }

    private AmiSimulator simulator() {
        return context.getRegistry().lookupByNameAndType("amiSimulator", AmiSimulator.class);
    }

    private PbxConnection pbx() {
        return context.getRegistry().lookupByNameAndType("pbxConnection", PbxConnection.class);
    }

    private static String modify(String businessId, String what, String number) {
        return "<ModifySession " + NS + "><businessId>" + businessId + "</businessId><" + what + "><participant><number>" + number
                + "</number></participant></" + what + "></ModifySession>";
    }

    /** Whether each participant channel in the room is muted, as ConfbridgeList reports it, by the participant's number. */
    private String roomOf(String businessId) {
        var session = logOf(businessId).getSessions().getSession().get(0);
        var parties = context.getRegistry().lookupByNameAndType("channelProgress", org.uchub.sessionlog.ChannelProgress.class)
                .running(session.getSessionId()).orElseThrow().parties();
        List<ConfbridgeListEvent> in = conferences().members(session.getReservedNumber());
        return in.stream().filter(m -> HubChannelId.parse(m.getUniqueid()).isPresent()).map(m -> {
            long id = HubChannelId.parse(m.getUniqueid()).get().participantId();
            return parties.stream().filter(p -> p.id() == id).findFirst().orElseThrow().address() + "=" + m.getMuted();
        }).sorted().toList().toString();
    }

    @Test
    void aMuteAskedWhileTheParticipantRingsIsAppliedWhenTheyJoin() throws Exception {
        ok("default", startConference("case-mute-ring", "mr-1", "+4930111111", "+4930222222"));
        awaitEvent("case-mute-ring", "PARTICIPANT_RINGING", 2);
        SessionReply muted = ok("default", modify("case-mute-ring", "mute", "+4930111111"));
        assertTrue(muted.getMessage().contains("+4930111111 is not in the room yet: muted when they join"), muted.getMessage());

        awaitEvent("case-mute-ring", "MUTE_APPLIED", 1);
        awaitEvent("case-mute-ring", "PARTICIPANT_JOINED", 2);
        assertEquals("[+4930111111=Yes, +4930222222=No]", roomOf("case-mute-ring"));
        SessionReply log = logOf("case-mute-ring");
        assertEquals(1, events(log, "MUTE_APPLIED").size(), described(log).toString());
        assertTrue(events(log, "MUTE_APPLIED").get(0).getDetail().matches("Muted \\+4930111111 in conference \\d+ as the log has it"
                + " \\(a mute recorded before they joined\\)"), described(log).toString());
    }

    @Test
    void aParticipantWhoJoinsUnmutedIsLeftAsTheyAre() throws Exception {
        ok("default", startConference("case-mute-none", "mn-1", "+4930111111", "+4930222222"));
        awaitEvent("case-mute-none", "PARTICIPANT_JOINED", 2);
        // The PBX's news is handled in order, one batch at a time: once a later join is in the
        // log, whatever the first two joins asked for has been done.
        ok("default", "<ModifySession " + NS + "><businessId>case-mute-none</businessId><add><participant><number>+4930333333"
                + "</number></participant></add></ModifySession>");
        awaitEvent("case-mute-none", "PARTICIPANT_JOINED", 3);
        assertEquals("[+4930111111=No, +4930222222=No, +4930333333=No]", roomOf("case-mute-none"));
        assertEquals(List.of(), events(logOf("case-mute-none"), "MUTE_APPLIED"));
        assertEquals(0, simulator().actionCount("ConfbridgeMute"));
    }

    @Test
    void aMuteAndARemovalAskedWhileThePbxDoesNotAnswerAreCarriedOutWhenItAnswersAgain() throws Exception {
        ok("default", startConference("case-mute-away", "ma-1", "+4930111111", "+4930222222", "+4930333333"));
        awaitEvent("case-mute-away", "PARTICIPANT_JOINED", 3);
        simulator().setUnresponsive(true);
        await(() -> !pbx().isReady(), 15_000, "the silent PBX noticed; status " + pbx().status());

        SessionReply muted = ok("default", modify("case-mute-away", "mute", "+4930111111"));
        assertTrue(muted.getMessage().contains("not reachable"), muted.getMessage());
        ok("default", modify("case-mute-away", "remove", "+4930333333"));

        simulator().setUnresponsive(false);
        awaitEvent("case-mute-away", "MUTE_APPLIED", 1);
        await(() -> roomOf("case-mute-away").equals("[+4930111111=Yes, +4930222222=No]"), 15_000,
                "muted and removed as the log has it; room " + roomOf("case-mute-away") + ", log " + described(logOf("case-mute-away")));
        SessionReply log = logOf("case-mute-away");
        assertTrue(events(log, "MUTE_APPLIED").get(0).getDetail().contains("(the mute had not reached the PBX)"), described(log).toString());
    }

    /**
     * A removal recorded while the PBX could not take it, of a participant who still rings when
     * it is back (and only just before that): the reconciliation hangs the ringing phone up,
     * instead of leaving it ringing until the dial gives up (or joining the room if answered).
     */
    @Test
    void aParticipantRemovedWhileThePbxWasAwayIsHungUpThoughTheyStillRing() throws Exception {
        ok("default", startConference("case-rm-ring", "rr-1", "+4930111111", "+4930444444"));
        awaitEvent("case-rm-ring", "PARTICIPANT_JOINED", 1);
        awaitEvent("case-rm-ring", "PARTICIPANT_RINGING", 2);
        // Recorded only: its PBX step is the one the PBX missed.
        var codec = context.getRegistry().lookupByNameAndType("contractCodec", org.uchub.request.ContractCodec.class);
        var remove = codec.read(new java.io.ByteArrayInputStream(modify("case-rm-ring", "remove", "+4930444444")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8)), "default", "test", null, new org.apache.camel.support.DefaultExchange(context));
        context.getRegistry().lookupByNameAndType("requestRules", org.uchub.request.RequestRules.class).check(remove);
        context.getRegistry().lookupByNameAndType("enricher", org.uchub.enrich.Enricher.class).enrich(remove);
        context.getRegistry().lookupByNameAndType("sessionLog", org.uchub.sessionlog.SessionLog.class).modify(remove);
        assertEquals(2, simulator().channelCount(), "the removed one still rings");
        // What the connection puts on the event stream once the PBX is ready again after a reconnect.
        context.createProducerTemplate().sendBody(context.resolvePropertyPlaceholders("{{pbx.events.endpoint}}"),
                new PbxReady(false, java.time.OffsetDateTime.now(), 0, 0));

        await(() -> simulator().channelCount() == 1, 10_000, "the removed one's ringing channel hung up");
        assertEquals("[+4930111111=No]", roomOf("case-rm-ring"));
        SessionReply log = logOf("case-rm-ring");
        assertEquals(List.of("JOINED", "REMOVED"), log.getSessions().getSession().get(0).getParticipants().getParticipant().stream()
                .map(x -> x.getState()).toList(), described(log).toString());
    }
}
