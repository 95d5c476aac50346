package org.uchub.pbx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;
import org.uchub.contract.Event;
import org.uchub.contract.ReplyStatus;
import org.uchub.contract.SessionReply;
import org.uchub.pbx.sim.AmiSimulator;

/**
 * A PBX that is down, or restarts, never loses a request: a session waits as PENDING and is
 * dialled when the PBX is back, or fails with PBX_UNAVAILABLE after the configured time;
 * after a restart the hub writes down what ended while it could not hear the PBX.
 */
class PbxOutageTest extends HubTestSupport {

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        p.setProperty("pbx.retry.give-up-ms", "6000");
        return p;
    }

    private AmiSimulator simulator() {
        return context.getRegistry().lookupByNameAndType("amiSimulator", AmiSimulator.class);
    }

    private PbxConnection pbx() {
        return context.getRegistry().lookupByNameAndType("pbxConnection", PbxConnection.class);
    }

    private static List<String> types(SessionReply r) {
        return r.getEvents().getEvent().stream().map(Event::getType).toList();
    }

    private void awaitState(String businessId, String state) throws Exception {
        await(() -> state.equals(logOf(businessId).getSessions().getSession().get(0).getState()), 20_000,
                businessId + " " + state + "; log " + types(logOf(businessId)));
    }

    @Test
    void aConferenceRequestedWhileThePbxIsDownWaitsAndIsDialledWhenItReturns() throws Exception {
        await(() -> pbx().isConnected(), 10_000, "connected");
        simulator().stop();
        await(() -> !pbx().isConnected(), 10_000, "disconnect noticed");
        SessionReply started = ok("default", startConference("case-wait", "w-1", "+4930111111", "+4930222222"));
        assertEquals(ReplyStatus.ACCEPTED, started.getStatus());
        assertTrue(started.getMessage().contains("PENDING"), started.getMessage());
        assertEquals("PENDING", logOf("case-wait").getSessions().getSession().get(0).getState());
        simulator().start();
        awaitState("case-wait", "ACTIVE");
        await(() -> types(logOf("case-wait")).stream().filter("PARTICIPANT_JOINED"::equals).count() == 2, 10_000, "both joined");
        assertTrue(types(logOf("case-wait")).contains("PBX_UNAVAILABLE"));
    }

    /**
     * A participant whose claim never committed (the hub's claims are not waited for) stays
     * REQUESTED in a session that is already running: the retry sweep must still find it,
     * among the sessions that wait for nothing, and dial it.
     */
    @Test
    void aParticipantLeftWaitingInARunningConferenceIsDialledByTheRetrySweep() throws Exception {
        await(() -> pbx().isConnected(), 10_000, "connected");
        ok("default", startConference("case-busy", "b-1", "+4930111111"));
        awaitState("case-busy", "ACTIVE");
        ok("default", startConference("case-lost", "c-1", "+4930111111", "+4930222222"));
        awaitState("case-lost", "ACTIVE");
        await(() -> types(logOf("case-lost")).stream().filter("PARTICIPANT_JOINED"::equals).count() == 2, 10_000, "both joined");
        // The second participant drops out of the room (its channel hung up), and the log is set
        // back to before its claim: a claim that never committed looks like this.
        String sessionId = logOf("case-lost").getSessions().getSession().get(0).getSessionId();
        javax.sql.DataSource ds = context.getRegistry().lookupByNameAndType("dataSource", javax.sql.DataSource.class);
        long participantId = org.uchub.sessionlog.Database.query(ds, "select id from uc_participant where session_id = ? and address = ?",
                1, rs -> rs.getLong(1), sessionId, "+4930222222").get(0);
        String uniqueid = new HubChannelId(sessionId, participantId, null).toString();
        String channel = pbx().list(new org.asteriskjava.manager.action.CoreShowChannelsAction()).getEvents().stream()
                .filter(e -> e instanceof org.asteriskjava.manager.event.CoreShowChannelEvent c && uniqueid.equals(c.getUniqueid()))
                .map(e -> ((org.asteriskjava.manager.event.CoreShowChannelEvent) e).getChannel()).findFirst().orElseThrow();
        long joinedBefore = types(logOf("case-lost")).stream().filter("PARTICIPANT_JOINED"::equals).count();
        pbx().send(new org.asteriskjava.manager.action.HangupAction(channel));
        await(() -> types(logOf("case-lost")).contains("PARTICIPANT_LEFT"), 10_000, "left; log " + types(logOf("case-lost")));
        assertEquals(1, org.uchub.sessionlog.Database.update(ds, "update uc_participant set state = 'REQUESTED' where session_id = ?"
                + " and address = '+4930222222'", sessionId));
        await(() -> types(logOf("case-lost")).stream().filter("PARTICIPANT_INVITED"::equals).count() == 3, 20_000,
                "dialled again; log " + types(logOf("case-lost")));
        await(() -> types(logOf("case-lost")).stream().filter("PARTICIPANT_JOINED"::equals).count() == joinedBefore + 1, 10_000,
                "joined again; log " + types(logOf("case-lost")));
        assertEquals(1, types(logOf("case-busy")).stream().filter("PARTICIPANT_INVITED"::equals).count(), "the other session is left alone");
    }

    @Test
    void aSessionThatWaitsLongerThanTheGiveUpTimeFailsWithPbxUnavailable() throws Exception {
        await(() -> pbx().isConnected(), 10_000, "connected");
        simulator().stop();
        await(() -> !pbx().isConnected(), 10_000, "disconnect noticed");
        ok("default", startConference("case-late", "l-1", "+4930111111"));
        awaitState("case-late", "FAILED");
        SessionReply log = logOf("case-late");
        Event failed = log.getEvents().getEvent().stream().filter(e -> "SESSION_FAILED".equals(e.getType())).findFirst().orElseThrow();
        assertTrue(failed.getDetail().startsWith("PBX_UNAVAILABLE"), failed.getDetail());
        assertEquals("FAILED", log.getSessions().getSession().get(0).getParticipants().getParticipant().get(0).getState());
        assertTrue(types(log).contains("NUMBER_RELEASED"));
    }

    @Test
    void aConferenceEndedWhileThePbxCouldNotBeToldIsHungUpWhenItAnswersAgain() throws Exception {
        await(() -> pbx().isConnected(), 10_000, "connected");
        ok("default", startConference("case-deaf", "d-1", "+4930111111", "+4930222222"));
        await(() -> types(logOf("case-deaf")).stream().filter("PARTICIPANT_JOINED"::equals).count() == 2, 15_000, "both joined");
        // The connection stays open but the PBX stops answering: the end cannot be carried out.
        simulator().setUnresponsive(true);
        SessionReply ended = ok("default", "<EndSession " + NS + "><businessId>case-deaf</businessId></EndSession>");
        assertTrue(ended.getMessage().contains("not reachable"), ended.getMessage());
        assertEquals("ENDED", logOf("case-deaf").getSessions().getSession().get(0).getState());
        simulator().setUnresponsive(false);
        // After the reconnect the hub finds the conference still running and hangs it up.
        try (RawAmi ami = new RawAmi(simulator().port())) {
            ami.send("Action: Login", "Username: uchub", "Secret: uchub-dev-ami-secret");
            ami.until(null);
            await(() -> {
                ami.send("Action: CoreShowChannels");
                ami.until(null);
                return "0".equals(ami.until("CoreShowChannelsComplete").get("listitems"));
            }, 30_000, "the ended conference's channels hung up");
        }
    }

    @Test
    void aPbxRestartMidConferenceIsReconciledIntoTheLog() throws Exception {
        await(() -> pbx().isConnected(), 10_000, "connected");
        javax.sql.DataSource ds = context.getRegistry().lookupByNameAndType("dataSource", javax.sql.DataSource.class);
        org.uchub.sessionlog.QueryPlans.record(ds);
        ok("default", startConference("case-restart", "r-1", "+4930111111", "+4930222222"));
        await(() -> types(logOf("case-restart")).stream().filter("PARTICIPANT_JOINED"::equals).count() == 2, 15_000, "both joined");
        // Asterisk restarts: every call is gone, and no event about it reaches anyone.
        simulator().stop();
        Thread.sleep(1500);
        simulator().start();
        awaitState("case-restart", "ENDED");
        SessionReply log = logOf("case-restart");
        List<Event> reconciled = log.getEvents().getEvent().stream().filter(e -> e.getDetail() != null
                && e.getDetail().contains("while the hub was not connected")).toList();
        assertEquals(List.of("PARTICIPANT_LEFT", "PARTICIPANT_LEFT", "SESSION_ENDED"), reconciled.stream().map(Event::getType).toList());
        log.getSessions().getSession().get(0).getParticipants().getParticipant().forEach(p -> assertEquals("LEFT", p.getState()));
        // Reconciling asks the log what was running through indexes, not by reading every session ever held.
        org.uchub.sessionlog.QueryPlans.Result plans = org.uchub.sessionlog.QueryPlans.wholeTableReads(ds);
        org.junit.jupiter.api.Assertions.assertTrue(plans.clean(), plans.toString());
    }
}
