package org.uchub.pbx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckRegistry;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;
import org.uchub.contract.Event;
import org.uchub.contract.SessionReply;
import org.uchub.pbx.sim.AmiSimulator;

/**
 * Asterisk takes AMI logins while it boots, before its dialplan and ConfBridge are loaded,
 * and says when it is done with FullyBooted. A hub that reconnects into that window must not
 * dial: every originate would be refused ("Extension does not exist.") and every session that
 * waited through the outage would fail for good. It waits as PENDING, with its health down,
 * until FullyBooted, and then dials.
 */
class PbxBootTest extends HubTestSupport {

    private AmiSimulator simulator() {
        return context.getRegistry().lookupByNameAndType("amiSimulator", AmiSimulator.class);
    }

    private PbxConnection pbx() {
        return context.getRegistry().lookupByNameAndType("pbxConnection", PbxConnection.class);
    }

    private HealthCheck.State health() {
        return HealthCheckRegistry.get(context).getCheck("pbx").orElseThrow().call().getState();
    }

    private static List<String> types(SessionReply r) {
        return r.getEvents().getEvent().stream().map(Event::getType).toList();
    }

    private String state(String businessId) {
        return logOf(businessId).getSessions().getSession().get(0).getState();
    }

    private void awaitJoined(String businessId, int n) throws Exception {
        await(() -> types(logOf(businessId)).stream().filter("PARTICIPANT_JOINED"::equals).count() == n, 20_000,
                businessId + ": " + n + " joined; log " + types(logOf(businessId)));
    }

    /** The PBX goes down, and comes back still booting: the hub logs in at once. */
    private void restartIntoItsBoot(Runnable whileDown) throws Exception {
        await(() -> pbx().isConnected(), 10_000, "connected");
        simulator().stop();
        await(() -> !pbx().isConnected(), 10_000, "disconnect noticed");
        whileDown.run();
        simulator().startBooting();
        await(() -> pbx().isConnected(), 10_000, "logged in to the booting PBX");
    }

    @Test
    void sessionsWaitingWhenThePbxRestartsAreDialledOnlyOnceItIsFullyBootedAndNoneFails() throws Exception {
        restartIntoItsBoot(() -> {
            ok("default", startConference("case-outage", "o-1", "+4930111111", "+4930222222"));
            ok("default", "<StartSession " + NS + "><businessId>case-call</businessId><channel>call</channel><participants>"
                    + "<participant><number>+4930333333</number></participant><participant><number>+4930444444</number></participant>"
                    + "</participants></StartSession>");
        });
        long listingsBefore = simulator().actionCount("CoreShowChannels");
        // Asked while the PBX boots: it waits like the others.
        SessionReply during = ok("default", startConference("case-boot", "b-1", "+4930555555"));
        assertTrue(during.getMessage().contains("PENDING"), during.getMessage());
        // Several retry sweeps (every 500 ms) while the PBX boots.
        Thread.sleep(2_500);
        for (String id : List.of("case-outage", "case-call", "case-boot")) {
            assertEquals("PENDING", state(id), id + ": " + types(logOf(id)));
            assertFalse(types(logOf(id)).contains("PARTICIPANT_FAILED"), id + ": " + types(logOf(id)));
        }
        assertEquals(0, simulator().actionCount("Originate"), "nothing dialled into a PBX without its dialplan");
        assertEquals(listingsBefore, simulator().actionCount("CoreShowChannels"), "no reconciliation before the PBX is booted");

        simulator().finishBooting();
        awaitJoined("case-outage", 2);
        awaitJoined("case-boot", 1);
        await(() -> "ACTIVE".equals(state("case-call")), 20_000, "call answered; log " + types(logOf("case-call")));
        assertTrue(simulator().actionCount("CoreShowChannels") > listingsBefore, "reconciled once booted");
        for (String id : List.of("case-outage", "case-call", "case-boot")) {
            assertFalse(types(logOf(id)).contains("PARTICIPANT_FAILED"), id + ": " + types(logOf(id)));
        }
    }

    @Test
    void theHealthCheckIsDownWhileThePbxBootsAndUpOnceItIsFullyBooted() throws Exception {
        await(() -> health() == HealthCheck.State.UP, 10_000, "up once connected");
        restartIntoItsBoot(() -> { });
        // Logged in, and stays so: the health says the PBX cannot take calls yet, and why.
        Thread.sleep(1_000);
        assertTrue(pbx().isConnected());
        assertEquals(HealthCheck.State.DOWN, health(), pbx().status());
        assertTrue(pbx().status().contains("booting"), pbx().status());
        simulator().finishBooting();
        await(() -> health() == HealthCheck.State.UP, 10_000, "up once fully booted; " + pbx().status());
    }
}
