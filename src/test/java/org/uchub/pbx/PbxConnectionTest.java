package org.uchub.pbx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.impl.DefaultCamelContext;
import org.asteriskjava.manager.action.OriginateAction;
import org.asteriskjava.manager.action.PingAction;
import org.asteriskjava.manager.response.ManagerResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uchub.HubTestSupport;
import org.uchub.pbx.sim.AmiSimulator;

/**
 * The AMI connection against the simulator over TCP, driven by Asterisk-Java as in
 * production: login and its refusal, the guard against line breaks, a connection that
 * stops answering, and a PBX restart.
 */
class PbxConnectionTest {
    @TempDir
    Path dir;
    AmiSimulator sim;
    PbxConnection pbx;
    final List<Object> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startSimulator() throws Exception {
        sim = new AmiSimulator("127.0.0.1", org.uchub.HubTestSupport.freePort(), Map.of("hub", new AmiSimulator.User("s3cret", Set.of("call", "reporting", "system"),
                Set.of("originate", "call", "reporting", "system")), "other", new AmiSimulator.User("0ther", Set.of("call"), Set.of("originate")),
                "norecord", new AmiSimulator.User("n0rec", Set.of("call", "reporting", "system"), Set.of("originate", "call", "reporting"))),
                "uc-conference", "uc-call", 50, "*=answer", dir).start();
    }

    @AfterEach
    void stop() {
        if (pbx != null) {
            pbx.stop();
        }
        sim.stop();
    }

    private PbxConnection connect(String password) {
        return connect("hub", password, true);
    }

    private PbxConnection connect(String user, String password, boolean eventFilter) {
        PbxSettings s = new PbxSettings("simulator", "127.0.0.1", sim.port(), user, password, "PJSIP/{number}@trunk", "uc-call",
                "uc-conference", "\"UC Hub\" <8000>", "uc_bridge", "uc_video_bridge", "uc_user", "uc_chair", "beep", dir, dir.toString(), 100,
                30, 500, 2000, 2000, 60_000, eventFilter);
        pbx = new PbxConnection(s, events::add);
        pbx.start();
        return pbx;
    }

    private long connects() {
        return events.stream().filter(e -> e instanceof PbxReady).count();
    }

    @Test
    void logsInWithTheMd5ChallengeAndReportsItselfHealthy() throws Exception {
        connect("s3cret");
        HubTestSupport.await(pbx::isConnected, 10_000, "connected");
        assertEquals(1, sim.actionCount("challenge"));
        ManagerResponse pong = pbx.send(new PingAction());
        assertEquals("Success", pong.getResponse());
        org.apache.camel.impl.health.AbstractHealthCheck check = pbx.healthCheck();
        check.setCamelContext(new DefaultCamelContext());
        assertEquals(HealthCheck.State.UP, check.call().getState());
        assertTrue(pbx.status().startsWith("connected"), pbx.status());
    }

    /**
     * Another AMI client places a call into the room the hub's channel is in; returns once the
     * PBX has reported both joins (to a connection of its own), so every event is sent.
     */
    private void hubAndSomeoneElseJoinARoom() throws Exception {
        try (RawAmi other = new RawAmi(sim.port())) {
            other.send("Action: Login", "Username: other", "Secret: 0ther");
            assertEquals("Success", other.until(null).get("response"));
            other.send("Action: Originate", "Channel: PJSIP/200@trunk", "Context: uc-conference", "Exten: 8000", "Priority: 1",
                    "Async: true", "ChannelId: other-1");
            other.until("ConfbridgeJoin");
            String own = new HubChannelId("01234567-89ab-7def-8123-456789abcdef", 1, null).toString();
            OriginateAction o = new OriginateAction();
            o.setChannel("PJSIP/100@trunk");
            o.setContext("uc-conference");
            o.setExten("8000");
            o.setPriority(1);
            o.setAsync(true);
            o.setChannelId(own);
            o.setActionId(own);
            assertEquals("Success", pbx.send(o).getResponse());
            Map<String, String> join;
            do {
                join = other.until("ConfbridgeJoin");
            } while (!own.equals(join.get("uniqueid")));
        }
        // Runs on the simulated PBX's thread, after the event it is sending to every connection.
        sim.channelCount();
    }

    @Test
    void afterItsLoginTheHubIsSentOnlyTheEventsOfItsOwnChannelsAndRooms() throws Exception {
        connect("s3cret");
        HubTestSupport.await(() -> "in force".equals(pbx.eventFilter()), 10_000, "filter set");
        hubAndSomeoneElseJoinARoom();
        // Its channel's ringing, answer, originate outcome and join, and the room's start: none of the other call's.
        assertEquals(5, sim.eventsSentTo("hub"));
        HubTestSupport.await(() -> events.stream().anyMatch(e -> e instanceof org.asteriskjava.manager.event.ConfbridgeJoinEvent), 5_000,
                "the hub's join read");
        assertTrue(events.stream().noneMatch(e -> e instanceof org.asteriskjava.manager.event.NewChannelEvent), events.toString());
    }

    @Test
    void theFilterIsWhatTheSampleManagerConfOffersForUsersWithoutSystem() throws Exception {
        List<String> sample = java.nio.file.Files.readAllLines(Path.of("config/asterisk/manager.conf")).stream()
                .filter(l -> l.startsWith(";eventfilter = ")).map(l -> l.substring(";eventfilter = ".length())).toList();
        assertEquals(List.of(PbxEvents.FILTER), sample);
    }

    @Test
    void withoutTheFilterTheHubIsSentEveryEventItsUserMayRead() throws Exception {
        connect("hub", "s3cret", false);
        HubTestSupport.await(pbx::isConnected, 10_000, "connected");
        hubAndSomeoneElseJoinARoom();
        // Each channel's Newchannel, two Newstates, OriginateResponse and join, and the room's start.
        assertEquals(11, sim.eventsSentTo("hub"));
        assertEquals(0, sim.actionCount("filter"));
    }

    @Test
    void anAsteriskOlderThan18IsNotAskedToFilterForItWouldReadTheExpressionOtherwise() throws Exception {
        sim.reportVersion("13.38.3");
        connect("s3cret");
        HubTestSupport.await(() -> pbx.eventFilter().startsWith("not asked:"), 10_000, "no filter asked for; " + pbx.eventFilter());
        assertEquals(0, sim.actionCount("filter"));
        hubAndSomeoneElseJoinARoom();
        // Unfiltered: the stranger's join reaches the hub too.
        HubTestSupport.await(() -> events.stream().anyMatch(e -> e instanceof org.asteriskjava.manager.event.ConfbridgeJoinEvent j
                && "other-1".equals(j.getUniqueId())), 5_000, "the other call's join read by the hub");
    }

    @Test
    void anAsterisk18BeforeTheFilterReworkIsNotAskedToFilterForItWouldMatchNothingThere() throws Exception {
        // Releases before the filtering rework (18.25 or 18.26, and so on) read filters as POSIX basic expressions.
        sim.reportVersion("18.20.2");
        connect("s3cret");
        // "not asked yet" until the login's look at the version.
        HubTestSupport.await(() -> pbx.eventFilter().startsWith("not asked:"), 10_000, "no filter asked for; " + pbx.eventFilter());
        assertTrue(pbx.eventFilter().contains("18.20.2"), pbx.eventFilter());
        assertEquals(0, sim.actionCount("filter"));
        hubAndSomeoneElseJoinARoom();
        HubTestSupport.await(() -> events.stream().anyMatch(e -> e instanceof org.asteriskjava.manager.event.ConfbridgeJoinEvent), 5_000,
                "the hub's own join read");
        assertEquals(11, sim.eventsSentTo("hub"));
    }

    @Test
    void theVersionsAskedToFilterAreThoseThatReadTheFilterAsWritten() {
        for (String v : List.of("18.26.0", "18.26.1", "20.11.0", "20.15.2", "21.6.0", "22.1.0", "23.1.0", "certified-22.8-cert1")) {
            assertTrue(PbxConnection.readsExtendedFilters(v), v);
        }
        for (String v : List.of("13.38.3", "16.30.0", "18.20.2", "18.25.0", "19.8.0", "20.10.0", "21.5.0", "22.0.0", "certified/18.9-cert5",
                "certified/20.7-cert3", "GIT-master-abc123")) {
            assertFalse(PbxConnection.readsExtendedFilters(v), v);
        }
        assertFalse(PbxConnection.readsExtendedFilters(null));
    }

    @Test
    void aCertifiedReleaseAsteriskJavaDoesNotKnowIsAskedToFilterAll() throws Exception {
        sim.reportVersion("certified-22.8-cert1");
        connect("s3cret");
        HubTestSupport.await(() -> "in force".equals(pbx.eventFilter()), 10_000, "filter set; " + pbx.eventFilter());
        assertEquals(1, sim.actionCount("filter"));
    }

    @Test
    void aPbxThatRefusesTheFilterStillSendsTheHubEverything() throws Exception {
        // Filter needs write=system, which this user lacks.
        connect("norecord", "n0rec", true);
        HubTestSupport.await(() -> pbx.eventFilter().startsWith("refused"), 10_000, "filter refused; " + pbx.eventFilter());
        assertEquals("refused: Permission denied", pbx.eventFilter());
        hubAndSomeoneElseJoinARoom();
        assertEquals(11, sim.eventsSentTo("norecord"));
        assertTrue(pbx.status().startsWith("connected"), pbx.status());
    }

    @Test
    void aRefusedLoginIsReportedAndRetriedNotFatal() throws Exception {
        connect("wrong");
        HubTestSupport.await(() -> pbx.status().startsWith("login refused"), 10_000, "login refused, was: " + pbx.status());
        assertFalse(pbx.isConnected());
        org.apache.camel.impl.health.AbstractHealthCheck check = pbx.healthCheck();
        check.setCamelContext(new DefaultCamelContext());
        assertEquals(HealthCheck.State.DOWN, check.call().getState());
        assertThrows(PbxUnavailableException.class, () -> pbx.send(new PingAction()));
        assertFalse(pbx.status().contains("wrong"), "the password never appears in the status");
    }

    @Test
    void aLineBreakInAnyValueIsRefusedAtTheAdapterAndNothingReachesThePbx() throws Exception {
        connect("s3cret");
        HubTestSupport.await(pbx::isConnected, 10_000, "connected");
        OriginateAction smuggled = new OriginateAction();
        smuggled.setChannel("PJSIP/100@trunk\r\nAction: Hangup\r\nChannel: all");
        smuggled.setContext("uc-call");
        smuggled.setExten("1");
        assertThrows(PbxValueRefusedException.class, () -> pbx.send(smuggled));
        OriginateAction inVariable = new OriginateAction();
        inVariable.setChannel("PJSIP/100@trunk");
        inVariable.setVariables(Map.of("UC_BUSINESS_ID", "4711\nAction: Originate"));
        assertThrows(PbxValueRefusedException.class, () -> pbx.originate(inVariable, r -> { }));
        // Asterisk splits a Variable header at commas: the rest would be a variable of its own.
        for (String listSyntax : List.of("4711,UC_SESSION_ID=theirs", "\"4711\"", "47\\11")) {
            OriginateAction inList = new OriginateAction();
            inList.setChannel("PJSIP/100@trunk");
            inList.setVariables(Map.of("UC_BUSINESS_ID", listSyntax));
            assertThrows(PbxValueRefusedException.class, () -> pbx.originate(inList, r -> { }), listSyntax);
        }
        OriginateAction inId = new OriginateAction();
        inId.setChannel("PJSIP/100@trunk");
        inId.setActionId("x\rAction: Logoff");
        assertThrows(PbxValueRefusedException.class, () -> pbx.send(inId));
        pbx.send(new PingAction());
        assertEquals(0, sim.actionCount("originate"));
        assertEquals(0, sim.actionCount("hangup"));
        assertEquals(0, sim.actionCount("logoff"));
    }

    @Test
    void anOriginateOfAnyApplicationButPlaybackIsRefusedAtTheAdapterThoughTheUserMayRunIt() throws Exception {
        // The hub's user holds "system" (Asterisk's right for recording a room), with which the
        // PBX would run System() for it.
        connect("s3cret");
        HubTestSupport.await(pbx::isConnected, 10_000, "connected");
        for (String app : List.of("System", "exec", " Playbackx", "MixMonitor")) {
            OriginateAction o = new OriginateAction();
            o.setChannel("Local/8000@uc-conference");
            o.setApplication(app);
            o.setData("touch /tmp/owned");
            assertThrows(PbxValueRefusedException.class, () -> pbx.send(o), app);
            assertThrows(PbxValueRefusedException.class, () -> pbx.originate(o, r -> { }), app);
        }
        pbx.send(new PingAction());
        assertEquals(0, sim.actionCount("originate"));
        OriginateAction announcement = new OriginateAction();
        announcement.setChannel("Local/8000@uc-conference");
        announcement.setApplication("Playback");
        announcement.setData("beep");
        announcement.setAsync(true);
        assertEquals("Success", pbx.send(announcement).getResponse());
    }

    @Test
    void aConnectionThatStopsAnsweringPingIsDroppedAndMadeAgain() throws Exception {
        connect("s3cret");
        HubTestSupport.await(() -> connects() >= 1, 10_000, "first connect");
        sim.setUnresponsive(true);
        HubTestSupport.await(() -> pbx.status().startsWith("no answer to Ping") || pbx.status().startsWith("disconnected"), 10_000,
                "the dead connection noticed; status " + pbx.status());
        sim.setUnresponsive(false);
        HubTestSupport.await(() -> connects() >= 2 && pbx.isConnected(), 15_000, "reconnected; status " + pbx.status());
        assertFalse(((PbxReady) events.stream().filter(e -> e instanceof PbxReady).reduce((a, b) -> b).orElseThrow()).first());
    }

    @Test
    void aPbxRestartIsFollowedByAReconnectAndAReconciliationRequest() throws Exception {
        connect("s3cret");
        HubTestSupport.await(() -> connects() >= 1, 10_000, "first connect");
        long before = connects();
        sim.stop();
        HubTestSupport.await(() -> !pbx.isConnected(), 10_000, "disconnect noticed");
        sim.start();
        HubTestSupport.await(() -> connects() > before && pbx.isConnected(), 20_000, "reconnected; status " + pbx.status());
    }
}
