package org.uchub.pbx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;
import org.uchub.contract.Event;
import org.uchub.contract.ParticipantState;
import org.uchub.contract.ReplyStatus;
import org.uchub.contract.SessionReply;
import org.uchub.sessionlog.ChannelProgress;
import org.uchub.sessionlog.SessionUpdate;

/** Two-party calls over AMI: the first party is dialled, then the second is connected; each outcome is logged. */
class CallScenarioTest extends HubTestSupport {

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        p.setProperty("pbx.simulator.script", "+4930999001=busy,+4930888001=hangup-after-1,+4930777001=no-answer,+4930666001=unreachable,*=answer");
        return p;
    }

    private static String call(String businessId, String a, String b) {
        return "<StartSession " + NS + "><businessId>" + businessId + "</businessId><channel>call</channel><participants>"
                + "<participant><number>" + a + "</number></participant><participant><number>" + b + "</number></participant>"
                + "</participants></StartSession>";
    }

    private static List<String> types(SessionReply r) {
        return r.getEvents().getEvent().stream().map(Event::getType).toList();
    }

    private static List<String> states(SessionReply r) {
        return r.getSessions().getSession().get(0).getParticipants().getParticipant().stream().map(ParticipantState::getState).toList();
    }

    @Test
    void bothPartiesAnswerThenTheFarEndHangsUpAndTheCallEnds() throws Exception {
        SessionReply started = ok("default", call("case-call", "+4930111111", "+4930888001"));
        assertEquals(ReplyStatus.ACCEPTED, started.getStatus());
        await(() -> "ENDED".equals(logOf("case-call").getSessions().getSession().get(0).getState()), 15_000,
                "call ended; log " + types(logOf("case-call")));
        SessionReply log = logOf("case-call");
        List<String> t = types(log);
        assertTrue(t.indexOf("PARTICIPANT_ANSWERED") < t.indexOf("PARTICIPANT_JOINED"), t.toString());
        assertTrue(t.contains("CALL_ANSWERED"), t.toString());
        // Recorded with the claim of the first party, in its transaction: once, just before it.
        assertEquals(1, t.stream().filter("CALL_DIALLING"::equals).count(), t.toString());
        assertEquals(t.indexOf("CALL_DIALLING") + 1, t.indexOf("PARTICIPANT_INVITED"), t.toString());
        assertEquals(List.of("LEFT", "LEFT"), states(log));
    }

    @Test
    void aCallsEndDoesNotMakeTheHubListThePbxsChannels() throws Exception {
        // At a call's end Dial() has hung up the other leg already.
        ChannelListings listings = ChannelListings.from(sim());
        ok("default", call("case-call-nolist", "+4930111112", "+4930888001"));
        await(() -> "ENDED".equals(logOf("case-call-nolist").getSessions().getSession().get(0).getState()), 15_000, "the call ended");
        // The route follows up the PBX's news in the order it came: once this failed call's news
        // is recorded, whatever followed the first call's end has run.
        ok("default", call("case-call-nolist-busy", "+4930999001", "+4930111113"));
        await(() -> "FAILED".equals(logOf("case-call-nolist-busy").getSessions().getSession().get(0).getState()), 15_000,
                "the busy call failed");
        listings.assertNone("no channel listing for calls that ended");
    }

    @Test
    void aRepeatedStartWhoseStoredReplyWasLostInACrashIsAnsweredAndDialsNobodyAgain() throws Exception {
        String request = "<StartSession " + NS + "><requestId>lost-reply-1</requestId><businessId>case-lost-reply</businessId>"
                + "<channel>call</channel><participants><participant><number>+4930111111</number></participant>"
                + "<participant><number>+4930222222</number></participant></participants></StartSession>";
        org.uchub.pbx.sim.AmiSimulator sim = sim();
        long before = sim.actionCount("originate");
        // The first delivery up to its channel step: the hub dies before the copy of its reply
        // reaches the file (a start is answered without waiting for that).
        org.uchub.request.HubRequest first = firstDeliveryUpToTheSessionLog("default", request);
        context.getRegistry().lookupByNameAndType("calls", Calls.class).place(first);
        await(() -> sim.actionCount("originate") == before + 1, 10_000, "the first party dialled");

        SessionReply again = ok("default", request);
        assertEquals(ReplyStatus.ACCEPTED, again.getStatus(), again.getMessage());
        assertEquals(first.getSessionId(), again.getSessionId());
        // Long enough for an originate queued by the repeat to reach the simulator.
        Thread.sleep(1500);
        assertEquals(before + 1, sim.actionCount("originate"), "nobody dialled twice");
        List<String> t = types(logOf("case-lost-reply"));
        assertEquals(1, t.stream().filter("CALL_DIALLING"::equals).count(), t.toString());
        assertEquals(Boolean.TRUE, ok("default", request).isReplayed(), "from then on the stored reply answers");
    }

    @Test
    void aBusyOrUnreachableSecondPartyFailsTheCallWithItsReason() throws Exception {
        ok("default", call("case-unreachable", "+4930111112", "+4930666001"));
        ok("default", call("case-busy", "+4930111111", "+4930999001"));
        await(() -> "FAILED".equals(logOf("case-busy").getSessions().getSession().get(0).getParticipants().getParticipant().get(1).getState()),
                15_000, "second party failed; log " + types(logOf("case-busy")));
        SessionReply log = logOf("case-busy");
        Event failed = log.getEvents().getEvent().stream().filter(e -> "PARTICIPANT_FAILED".equals(e.getType())).findFirst().orElseThrow();
        assertEquals("+4930999001", failed.getParticipant());
        assertEquals("Busy", failed.getDetail());
        await(() -> "ENDED".equals(logOf("case-busy").getSessions().getSession().get(0).getState()), 10_000, "call over");
        // Dial() hands the caller its callee's busy cause: the first party left, for the second's reason.
        SessionReply over = logOf("case-busy");
        Event left = over.getEvents().getEvent().stream().filter(e -> "PARTICIPANT_LEFT".equals(e.getType())
                && "+4930111111".equals(e.getParticipant())).findFirst().orElseThrow(() -> new AssertionError(described(over)));
        assertTrue(left.getDetail().startsWith("Left: the call ended (Busy"), left.getDetail());

        // A far end that refuses the number: dialled, never ringing, CHANUNAVAIL.
        await(() -> "ENDED".equals(logOf("case-unreachable").getSessions().getSession().get(0).getState()), 10_000,
                "unreachable call over; log " + types(logOf("case-unreachable")));
        Event unreachable = logOf("case-unreachable").getEvents().getEvent().stream()
                .filter(e -> "PARTICIPANT_FAILED".equals(e.getType())).findFirst().orElseThrow();
        assertEquals("+4930666001", unreachable.getParticipant());
        assertEquals("Unreachable", unreachable.getDetail());
    }

    /**
     * The retry sweep dials a call's first party that was left waiting (its claim lost), and
     * leaves alone a call whose second party waits, which is the PBX's to dial.
     */
    @Test
    void theRetrySweepRedialsAFirstPartyLeftWaitingButNotASecondPartyTheCallWillDial() throws Exception {
        ok("default", call("case-lost-a", "+4930111111", "+4930222222"));
        ok("default", call("case-wait-b", "+4930111112", "+4930222223"));
        await(() -> types(logOf("case-lost-a")).contains("PARTICIPANT_JOINED")
                && types(logOf("case-wait-b")).contains("PARTICIPANT_JOINED"), 15_000, "both calls connected");
        // Held while the rows are set up and read, so the sweep cannot redial before the query is checked.
        context.getRouteController().stopRoute("pbx-retry");
        javax.sql.DataSource ds = context.getRegistry().lookupByNameAndType("dataSource", javax.sql.DataSource.class);
        String lostA = logOf("case-lost-a").getSessions().getSession().get(0).getSessionId();
        String waitB = logOf("case-wait-b").getSessions().getSession().get(0).getSessionId();
        // As a claim that failed leaves a call: the session REQUESTED, its first party not dialled.
        assertEquals(1, org.uchub.sessionlog.Database.update(ds, "update uc_participant set state = 'REQUESTED' where session_id = ?"
                + " and address = '+4930111111'", lostA));
        assertEquals(1, org.uchub.sessionlog.Database.update(ds, "update uc_session set state = 'REQUESTED' where session_id = ?", lostA));
        assertEquals(1, org.uchub.sessionlog.Database.update(ds, "update uc_participant set state = 'REQUESTED' where session_id = ?"
                + " and address = '+4930222223'", waitB));
        ChannelProgress progress = context.getRegistry().lookupByNameAndType("channelProgress", ChannelProgress.class);
        assertEquals(List.of(lostA), progress.waiting("call", true).stream().map(ChannelProgress.Running::sessionId).toList());
        assertEquals(2, progress.waiting("call", false).size(), "both wait by the general rule");
        context.getRouteController().startRoute("pbx-retry");
        await(() -> types(logOf("case-lost-a")).stream().filter("PARTICIPANT_INVITED"::equals).count() == 2, 20_000,
                "first party dialled again; log " + types(logOf("case-lost-a")));
    }

    /**
     * A call the hub never dialled because it was not running (its claim lost in a crash, or
     * the request taken just before it stopped) is failed once it is older than the give-up
     * time, not dialled hours late when the hub comes back.
     */
    @Test
    void aCallNeverDialledAndOlderThanTheGiveUpTimeFailsInsteadOfRingingLate() throws Exception {
        ok("default", call("case-late", "+4930111113", "+4930222224"));
        await(() -> types(logOf("case-late")).contains("PARTICIPANT_JOINED"), 15_000, "connected");
        context.getRouteController().stopRoute("pbx-retry");
        javax.sql.DataSource ds = context.getRegistry().lookupByNameAndType("dataSource", javax.sql.DataSource.class);
        String late = logOf("case-late").getSessions().getSession().get(0).getSessionId();
        // As a crash leaves a call taken but never claimed, and an hour ago.
        org.uchub.sessionlog.Database.update(ds, "update uc_participant set state = 'REQUESTED' where session_id = ?", late);
        org.uchub.sessionlog.Database.update(ds, "update uc_session set state = 'REQUESTED', started_at = ? where session_id = ?",
                java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC).minusHours(1), late);
        org.uchub.pbx.sim.AmiSimulator sim = sim();
        long originates = sim.actionCount("originate");
        assertEquals(1, context.getRegistry().lookupByNameAndType("calls", Calls.class).retryPending());
        SessionReply log = logOf("case-late");
        assertEquals("FAILED", log.getSessions().getSession().get(0).getState());
        assertTrue(events(log, "SESSION_FAILED").get(0).getDetail().startsWith("NOT_DIALLED"), types(log).toString());
        assertEquals(originates, sim.actionCount("originate"), "not dialled");
    }

    @Test
    void endSessionHangsUpARunningCall() throws Exception {
        ChannelListings listings = ChannelListings.from(sim());
        ok("default", call("case-hang", "+4930111111", "+4930222222"));
        await(() -> types(logOf("case-hang")).contains("PARTICIPANT_JOINED"), 15_000, "connected");
        // Recorded only (a call is not changed on the PBX), the added party must not hide the call's own two.
        ok("default", "<ModifySession " + NS + "><businessId>case-hang</businessId><add><participant><number>+4930333333</number>"
                + "</participant></add></ModifySession>");
        SessionReply ended = ok("default", "<EndSession " + NS + "><businessId>case-hang</businessId></EndSession>");
        assertEquals("Call ended: hung up.", ended.getMessage());
        await(() -> sim().channelCount() == 0, 10_000, "both legs gone");
        listings.assertNone("hung up by the id the hub preset, without listing the PBX's channels");
    }

    @Test
    void endSessionWhileTheSecondPartyStillRingsHangsUpBoth() throws Exception {
        ok("default", call("case-hang-ringing", "+4930111111", "+4930777001"));
        // The first party answered; its Dial() rings the second, which would ring for 30 s.
        await(() -> types(logOf("case-hang-ringing")).contains("CALL_ANSWERED") && sim().channelCount() == 2, 15_000,
                "the second party ringing; log " + types(logOf("case-hang-ringing")));
        SessionReply ended = ok("default", "<EndSession " + NS + "><businessId>case-hang-ringing</businessId></EndSession>");
        assertEquals("Call ended: hung up.", ended.getMessage());
        await(() -> sim().channelCount() == 0, 10_000, "both legs gone");
        assertEquals("ENDED", logOf("case-hang-ringing").getSessions().getSession().get(0).getState());
        // The one who answered left; the one still ringing was not reached.
        assertEquals(List.of("LEFT", "FAILED"), states(logOf("case-hang-ringing")));
    }

    private org.uchub.pbx.sim.AmiSimulator sim() {
        return context.getRegistry().lookupByNameAndType("amiSimulator", org.uchub.pbx.sim.AmiSimulator.class);
    }

    @Test
    void aPbxUpdateTheSessionLogRefusesIsLeftOutAloneAndTheRestOfItsBatchIsRecordedInOrder() throws Exception {
        SessionReply started = ok("default", call("case-batch", "+4930111111", "+4930222222"));
        String sessionId = started.getSessions().getSession().get(0).getSessionId();
        ChannelProgress progress = context.getRegistry().lookupByNameAndType("channelProgress", ChannelProgress.class);
        // An event type has at most 64 characters: the database refuses the second update.
        List<SessionUpdate> recorded = progress.recordAll(List.of(
                SessionUpdate.session(sessionId, null, "PBX_NOTE_FIRST", "pbx", "first"),
                SessionUpdate.session(sessionId, null, "PBX_NOTE_REFUSED_" + "X".repeat(64), "pbx", "refused"),
                SessionUpdate.session(sessionId, null, "PBX_NOTE_THIRD", "pbx", "third")));
        assertEquals(List.of("PBX_NOTE_FIRST", "PBX_NOTE_THIRD"), recorded.stream().map(SessionUpdate::eventType).toList());
        List<String> t = types(logOf("case-batch"));
        assertTrue(t.indexOf("PBX_NOTE_FIRST") >= 0 && t.indexOf("PBX_NOTE_FIRST") < t.indexOf("PBX_NOTE_THIRD"), t.toString());
        assertFalse(t.stream().anyMatch(x -> x.startsWith("PBX_NOTE_REFUSED")), t.toString());
    }
}
