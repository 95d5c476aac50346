package org.uchub.pbx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Properties;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;
import org.uchub.contract.SessionReply;
import org.uchub.pbx.sim.AmiSimulator;
import org.uchub.sessionlog.Database;

/**
 * An originate waits its turn in the pacer (the per-PBX rate limit); what the session log
 * learns meanwhile decides whether it still goes out: a participant removed, or a session
 * ended by another hub instance sharing the log, is not rung.
 */
class QueuedOriginateTest extends HubTestSupport {
    private static final String T = "erp";

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        // One originate a second: the second and third participants wait in the pacer.
        p.setProperty("pbx.originates-per-second", "1");
        return p;
    }

    @Override
    protected String logTenant() {
        return T;
    }

    private AmiSimulator simulator() {
        return context.getRegistry().lookupByNameAndType("amiSimulator", AmiSimulator.class);
    }

    private void awaitLogin() throws Exception {
        PbxConnection pbx = context.getRegistry().lookupByNameAndType("pbxConnection", PbxConnection.class);
        await(pbx::isConnected, 10_000, "PBX logged in");
    }

    @Test
    void aParticipantRemovedWhileItsOriginateWaitsIsNotRung() throws Exception {
        awaitLogin();
        long before = simulator().actionCount("Originate");
        ok(T, startConference("Q-1", null, "+4930111111", "+4930222222", "+4930333333"));
        ok(T, "<ModifySession " + NS + "><businessId>Q-1</businessId><remove><participant><number>+4930333333</number></participant>"
                + "</remove></ModifySession>");
        Thread.sleep(3_500);
        assertEquals(2, simulator().actionCount("Originate") - before, "the removed participant was dialled");
    }

    @Test
    void aSessionAnotherInstanceEndedIsNotDialledFromThisOnesQueue() throws Exception {
        awaitLogin();
        long before = simulator().actionCount("Originate");
        SessionReply r = ok(T, startConference("Q-2", null, "+4930111111", "+4930222222", "+4930333333", "+4930444444"));
        // What the other instance's EndSession leaves in the shared log; this instance never heard of it.
        DataSource ds = context.getRegistry().lookupByNameAndType("dataSource", DataSource.class);
        Database.update(ds, "update uc_session set state = 'ENDED' where session_id = ?", r.getSessionId());
        // Counted after the update, not after the start: a slow machine lets the pacer send one a second meanwhile.
        long atEnd = simulator().actionCount("Originate");
        Thread.sleep(3_000);
        // At most the one the pacer may have had in hand as the log changed.
        assertTrue(simulator().actionCount("Originate") - atEnd <= 1, "a session over was dialled into");
        assertTrue(simulator().actionCount("Originate") - before < 4, "a session over was dialled into");
    }

    /**
     * The PBX goes away while a conference's originates wait their turn, and comes back: the
     * reconciliation after the reconnect finds none of their channels, which is no news about
     * calls not placed yet. They are dialled, not failed, and the conference goes on.
     */
    @Test
    void originatesWaitingInThePacerWhenThePbxReturnsAreDialledNotFailed() throws Exception {
        awaitLogin();
        PbxConnection pbx = context.getRegistry().lookupByNameAndType("pbxConnection", PbxConnection.class);
        String[] numbers = {"+4930111111", "+4930222222", "+4930333333", "+4930444444", "+4930555555", "+4930666666"};
        ok(T, startConference("Q-3", null, numbers));
        awaitEvent("Q-3", "PARTICIPANT_JOINED", 1);
        simulator().stop();
        await(() -> !pbx.isConnected(), 10_000, "disconnect noticed");
        // Older than the reconnect by more than the second the reconciliation leaves to events in flight.
        Thread.sleep(1_200);
        simulator().start();
        await(() -> pbx.originatesWaiting() == 0 && events(logOf("Q-3"), "PARTICIPANT_JOINED").size() >= numbers.length, 25_000,
                "every participant dialled and joined; log " + described(logOf("Q-3")));
        assertEquals(List.of(), events(logOf("Q-3"), "PARTICIPANT_FAILED").stream().map(e -> e.getDetail()).toList());
        assertEquals("ACTIVE", logOf("Q-3").getSessions().getSession().get(0).getState());
    }

    /**
     * An originate the PBX has been sent but not yet acted on when its session ends: the end's
     * hang-up finds no channel yet, so the phone rings later and would be answered into a room
     * that is over (or already the next session's). It is hung up once it rings.
     */
    @Test
    void aChannelThatRingsAfterItsConferenceEndedIsHungUp() throws Exception {
        awaitLogin();
        long before = simulator().actionCount("Originate");
        ok(T, startConference("Q-4", null, "+4930111111", "+4930222222"));
        // The second originate waits a second for the pacer behind the first.
        await(() -> simulator().actionCount("Originate") == before + 1, 5_000, "the first originate sent");
        simulator().answerLate("Originate", 1_500);
        await(() -> simulator().actionCount("Originate") == before + 2, 5_000, "the second originate sent");
        ok(T, end("Q-4"));
        // The PBX acts on the originate 1.5 s after it came; the phone rings 0.1 s later.
        Thread.sleep(2_000);
        await(() -> simulator().channelCount() == 0, 5_000, "the channel of an ended conference hung up");
    }
}
