package org.uchub.pbx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.asteriskjava.manager.event.HangupEvent;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;
import org.uchub.contract.ParticipantState;
import org.uchub.contract.SessionReply;
import org.uchub.sessionlog.ChannelProgress;
import org.uchub.sessionlog.ChannelProgress.Running;
import org.uchub.sessionlog.SessionUpdate;

/**
 * The PBX's news about one session, arriving in one batch, is judged piece by piece against
 * what the pieces before it recorded: a session is read once per batch, so what a piece
 * changes must be what the next one sees.
 */
class PbxNewsBatchTest extends HubTestSupport {

    @Override
    protected Properties hubProperties() {
        // Nobody but this test reports about the call: no PBX answers.
        return unreachablePbx(super.hubProperties());
    }

    private ChannelProgress progress() {
        return context.getRegistry().lookupByNameAndType("channelProgress", ChannelProgress.class);
    }

    /** A two-party call that waits for the PBX, as the session log holds it. */
    private Running waitingCall(String businessId) throws Exception {
        SessionReply started = ok("default", "<StartSession " + NS + "><businessId>" + businessId + "</businessId><channel>call</channel>"
                + "<participants><participant><number>+4930111111</number></participant><participant><number>+4930222222</number>"
                + "</participant></participants></StartSession>");
        return progress().running(started.getSessions().getSession().get(0).getSessionId()).orElseThrow();
    }

    @Test
    void newsInOneBatchSeesWhatTheNewsBeforeItRecordedAndNothingIsRecordedAfterTheEnd() throws Exception {
        ChannelProgress progress = progress();
        Running s = waitingCall("case-news-batch");
        String id = s.sessionId();
        long a = s.parties().get(0).id();
        long b = s.parties().get(1).id();

        List<SessionUpdate> recorded = progress.recordAll(List.of(
                SessionUpdate.participant(id, a, ChannelProgress.RINGING, "PARTICIPANT_RINGING", "pbx", "ringing"),
                SessionUpdate.participant(id, a, ChannelProgress.JOINED, "PARTICIPANT_ANSWERED", "pbx", "answered"),
                SessionUpdate.session(id, ChannelProgress.ACTIVE, "CALL_ANSWERED", "pbx", "answered"),
                // Heard late: a JOINED participant does not ring again, and the call does not go back to DIALLING.
                SessionUpdate.participant(id, a, ChannelProgress.RINGING, "PARTICIPANT_RINGING", "pbx", "late"),
                SessionUpdate.session(id, ChannelProgress.DIALLING, "CALL_DIALLING", "pbx", "late"),
                // A hang-up with an odd cause: whoever had joined left.
                SessionUpdate.participant(id, a, ChannelProgress.FAILED, "PARTICIPANT_FAILED", "pbx", "cause 17"),
                SessionUpdate.ends(id, null, "pbx", "The call ended"),
                // After the end nobody joins: the end failed the second party, who never answered.
                SessionUpdate.participant(id, b, ChannelProgress.JOINED, "PARTICIPANT_JOINED", "pbx", "too late")));

        assertEquals(List.of("PARTICIPANT_RINGING", "PARTICIPANT_ANSWERED", "CALL_ANSWERED", "PARTICIPANT_LEFT", "SESSION_ENDED"),
                recorded.stream().map(SessionUpdate::eventType).toList());
        SessionReply log = logOf("case-news-batch");
        assertEquals("ENDED", log.getSessions().getSession().get(0).getState());
        assertEquals(List.of("LEFT", "FAILED"), log.getSessions().getSession().get(0).getParticipants().getParticipant().stream()
                .map(ParticipantState::getState).toList());
    }

    /** A Hangup as Asterisk reports it for a channel of the call (its Linkedid). */
    private HangupEvent hangup(String channel, String uniqueid, HubChannelId call, int cause) {
        HangupEvent e = new HangupEvent(this);
        e.setChannel(channel);
        e.setUniqueId(uniqueid);
        e.setLinkedId(call.toString());
        e.setCause(cause);
        return e;
    }

    @Test
    void aCallWhoseFirstPartyIsBusyBehindALocalDialTemplateFailsAndItsSecondPartyNeverLeft() throws Exception {
        ChannelProgress progress = progress();
        Running s = waitingCall("case-local-busy");
        HubChannelId call = new HubChannelId(s.sessionId(), s.parties().get(0).id(), s.parties().get(1).id());
        // What Asterisk reports: the first party's own channel, dialled by the ;2 half under the
        // call's Linkedid, hangs up busy; then ;2; then the originate of ;1 fails.
        HangupEvent firstPartysLeg = hangup("PJSIP/201-0000001a", "1700000000.13", call, 17);
        HangupEvent otherHalf = hangup("Local/+4930111111@uc-out-00000001;2", "1700000000.12", call, 17);
        org.asteriskjava.manager.event.OriginateResponseEvent failed = new org.asteriskjava.manager.event.OriginateResponseEvent(this);
        failed.setActionId(call.toString());
        failed.setResponse("Failure");
        failed.setReason(5);
        PbxEvents events = new PbxEvents();
        progress.recordAll(events.translateAll(List.of(firstPartysLeg, otherHalf, failed)));

        SessionReply log = logOf("case-local-busy");
        assertEquals("FAILED", log.getSessions().getSession().get(0).getState(), "nobody was reached");
        assertEquals(List.of("FAILED", "FAILED"), log.getSessions().getSession().get(0).getParticipants().getParticipant().stream()
                .map(ParticipantState::getState).toList());
        assertEquals(0, events(log, "PARTICIPANT_LEFT").size());
    }

    @Test
    void aChannelThatHungUpBeforeItsPhoneRangFailsItsPartyInsteadOfLettingItLeave() throws Exception {
        ChannelProgress progress = progress();
        Running s = waitingCall("case-hung-up-early");
        HubChannelId call = new HubChannelId(s.sessionId(), s.parties().get(0).id(), s.parties().get(1).id());
        // A trunk that never signals ringing, and a normal clearing (16) before the answer.
        HangupEvent own = hangup("PJSIP/trunk-0000002a", call.toString(), call, 16);
        progress.recordAll(new PbxEvents().translateAll(List.of(own)));

        SessionReply log = logOf("case-hung-up-early");
        assertEquals("FAILED", log.getSessions().getSession().get(0).getState(), "nobody was reached");
        org.uchub.contract.Event failed = events(log, "PARTICIPANT_FAILED").get(0);
        assertEquals("+4930111111", failed.getParticipant());
        org.junit.jupiter.api.Assertions.assertTrue(failed.getDetail().startsWith("Hung up before joining"), failed.getDetail());
        assertEquals(0, events(log, "PARTICIPANT_LEFT").size());
    }

    @Test
    void aPieceTheDatabaseRefusesIsUndoneForThePiecesAfterItToo() throws Exception {
        ChannelProgress progress = progress();
        Running s = waitingCall("case-news-refused");
        String id = s.sessionId();
        long a = s.parties().get(0).id();

        // The second piece changes the participant, then its event is refused (an event type has
        // at most 64 characters) and the piece is rolled back: the third must not take the
        // participant for JOINED already.
        List<SessionUpdate> recorded = progress.recordAll(List.of(
                SessionUpdate.participant(id, a, ChannelProgress.RINGING, "PARTICIPANT_RINGING", "pbx", "ringing"),
                SessionUpdate.participant(id, a, ChannelProgress.JOINED, "X".repeat(70), "pbx", "refused"),
                SessionUpdate.participant(id, a, ChannelProgress.JOINED, "PARTICIPANT_ANSWERED", "pbx", "answered")));

        assertEquals(List.of("PARTICIPANT_RINGING", "PARTICIPANT_ANSWERED"), recorded.stream().map(SessionUpdate::eventType).toList());
        assertEquals("JOINED", logOf("case-news-refused").getSessions().getSession().get(0).getParticipants().getParticipant().get(0)
                .getState());
    }
}
