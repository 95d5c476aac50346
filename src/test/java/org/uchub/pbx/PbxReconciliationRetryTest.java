package org.uchub.pbx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;
import org.uchub.contract.Event;
import org.uchub.contract.SessionReply;
import org.uchub.pbx.sim.AmiSimulator;

/**
 * The reconciliation after a reconnect is the hub's only way to hear what ended while it was
 * away. A PBX too busy to list its channels in time must not make the hub forget it: the
 * reconciliation is tried again, with more time for its lists, on the same connection.
 */
class PbxReconciliationRetryTest extends HubTestSupport {

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        // Short, so that a list answered late runs out of time without making the test long.
        p.setProperty("pbx.response-timeout-ms", "2000");
        // A Ping answered late on a busy test machine would reconnect, and the catch-up then
        // come from the new login instead of the retry this test is about.
        p.setProperty("pbx.ping-timeout-ms", "20000");
        return p;
    }

    private static List<String> types(SessionReply r) {
        return r.getEvents().getEvent().stream().map(Event::getType).toList();
    }

    @Test
    void aReconciliationWhoseChannelListComesTooLateIsTriedAgainAndCatchesUpWhatEndedMeanwhile() throws Exception {
        AmiSimulator simulator = context.getRegistry().lookupByNameAndType("amiSimulator", AmiSimulator.class);
        PbxConnection pbx = context.getRegistry().lookupByNameAndType("pbxConnection", PbxConnection.class);
        await(pbx::isConnected, 10_000, "connected");
        ok("default", startConference("case-slow", "s-1", "+4930111111", "+4930222222"));
        await(() -> types(logOf("case-slow")).stream().filter("PARTICIPANT_JOINED"::equals).count() == 2, 15_000, "both joined");
        // Asterisk restarts (every call gone, nobody told); the first listing after it comes too late.
        simulator.stop();
        await(() -> !pbx.isConnected(), 10_000, "disconnect noticed");
        long listingsBefore = simulator.actionCount("CoreShowChannels");
        long loginsBefore = simulator.actionCount("Login");
        simulator.answerLate("CoreShowChannels", 3_000);
        // What changed within a second of the PBX becoming ready is left to its events.
        Thread.sleep(1_500);
        simulator.start();
        await(() -> "ENDED".equals(logOf("case-slow").getSessions().getSession().get(0).getState()), 25_000,
                "ended by a reconciliation tried again; log " + types(logOf("case-slow")));
        assertTrue(simulator.actionCount("CoreShowChannels") >= listingsBefore + 2, "listed again after the late answer");
        List<String> reconciled = logOf("case-slow").getEvents().getEvent().stream()
                .filter(e -> e.getDetail() != null && e.getDetail().contains("while the hub was not connected")).map(Event::getType).toList();
        assertEquals(List.of("PARTICIPANT_LEFT", "PARTICIPANT_LEFT", "SESSION_ENDED"), reconciled);
        assertEquals(loginsBefore + 1, simulator.actionCount("Login"), "tried again on the same connection, not by a reconnect");
    }
}
