package org.uchub.pbx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uchub.pbx.sim.AmiSimulator;

/**
 * The simulator on the wire, spoken to with raw text as any AMI client would: what it sends
 * must be what Asterisk 18 sends, and what Asterisk refuses it refuses.
 */
class AmiSimulatorTest {
    @TempDir
    Path recordings;
    AmiSimulator sim;

    @BeforeEach
    void start() throws Exception {
        sim = new AmiSimulator("127.0.0.1", org.uchub.HubTestSupport.freePort(), Map.of(
                "hub", new AmiSimulator.User("s3cret", Set.of("call", "reporting", "system"), Set.of("originate", "call", "reporting", "system")),
                "reader", new AmiSimulator.User("r3ad", Set.of("call"), Set.of("reporting")),
                "caller", new AmiSimulator.User("c4ll", Set.of("call"), Set.of("originate", "call", "reporting"))),
                "uc-conference", "uc-call", 30, "201=busy,202=no-answer,203=congestion,204=unreachable,*=answer", recordings).start();
    }

    @AfterEach
    void stop() {
        sim.stop();
    }

    private RawAmi login() throws Exception {
        RawAmi ami = new RawAmi(sim.port());
        ami.send("Action: Login", "Username: hub", "Secret: s3cret", "ActionID: l1");
        Map<String, String> r = ami.until(null);
        assertEquals("Success", r.get("response"));
        return ami;
    }

    @Test
    void greetsWithTheAsteriskBannerAndAcceptsPlainLogin() throws Exception {
        try (RawAmi ami = new RawAmi(sim.port())) {
            assertEquals("Asterisk Call Manager/7.0.3", ami.banner);
            // manager.conf's user names are matched without regard to case.
            ami.send("Action: Login", "Username: HUB", "Secret: s3cret", "ActionID: 42");
            Map<String, String> r = ami.read();
            assertEquals("Success", r.get("response"));
            assertEquals("42", r.get("actionid"));
            assertEquals("Authentication accepted", r.get("message"));
            assertEquals("FullyBooted", ami.read().get("event"));
            ami.send("Action: Login", "Username: reader", "Secret: r3ad", "ActionID: 43");
            r = ami.read();
            assertEquals("Success", r.get("response"));
            assertEquals("Already authenticated", r.get("message"));
        }
    }

    @Test
    void aWrongSecretIsRefusedAndTheConnectionClosed() throws Exception {
        try (RawAmi ami = new RawAmi(sim.port())) {
            ami.send("Action: Login", "Username: hub", "Secret: wrong");
            Map<String, String> r = ami.read();
            assertEquals("Error", r.get("response"));
            assertEquals("Authentication failed", r.get("message"));
            assertTrue(ami.closedByPeer());
        }
    }

    @Test
    void md5ChallengeLoginWorksAndAWrongKeyFails() throws Exception {
        try (RawAmi ami = new RawAmi(sim.port())) {
            ami.send("Action: Challenge", "AuthType: MD5", "ActionID: c");
            String challenge = ami.read().get("challenge");
            String key = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest((challenge + "s3cret").getBytes()));
            ami.send("Action: Login", "AuthType: MD5", "Username: hub", "Key: " + key);
            assertEquals("Success", ami.read().get("response"));
        }
        try (RawAmi ami = new RawAmi(sim.port())) {
            ami.send("Action: Challenge", "AuthType: MD5");
            ami.read();
            ami.send("Action: Login", "AuthType: MD5", "Username: hub", "Key: 00000000000000000000000000000000");
            assertEquals("Authentication failed", ami.read().get("message"));
        }
        try (RawAmi ami = new RawAmi(sim.port())) {
            // Asterisk compares the key with its own lower-case hex digest, exactly.
            ami.send("Action: Challenge", "AuthType: MD5", "ActionID: c");
            String challenge = ami.read().get("challenge");
            String key = HexFormat.of().withUpperCase().formatHex(MessageDigest.getInstance("MD5").digest((challenge + "s3cret").getBytes()));
            ami.send("Action: Login", "AuthType: MD5", "Username: hub", "Key: " + key);
            assertEquals("Authentication failed", ami.read().get("message"));
        }
    }

    @Test
    void actionsBeforeLoginUnknownActionsAndMissingRightsAreRefused() throws Exception {
        try (RawAmi ami = new RawAmi(sim.port())) {
            ami.send("Action: Originate", "Channel: PJSIP/100@trunk");
            assertEquals("Permission denied", ami.read().get("message"));
        }
        try (RawAmi ami = login()) {
            ami.send("Action: Frobnicate", "ActionID: x");
            Map<String, String> r = ami.until(null);
            assertEquals("Error", r.get("response"));
            assertEquals("Invalid/unknown command: Frobnicate. Use Action: ListCommands to show available commands.", r.get("message"));
            ami.send("Action: Command", "Command: core show version");
            assertEquals("Permission denied", ami.until(null).get("message"));
        }
        try (RawAmi ami = new RawAmi(sim.port())) {
            ami.send("Action: Login", "Username: reader", "Secret: r3ad");
            ami.until(null);
            ami.send("Action: Originate", "Channel: PJSIP/100@trunk", "Context: uc-call", "Exten: 1", "Priority: 1");
            assertEquals("Permission denied", ami.until(null).get("message"));
        }
        try (RawAmi ami = new RawAmi(sim.port())) {
            ami.send("Action: Login", "Username: caller", "Secret: c4ll");
            assertEquals("Success", ami.until(null).get("response"));
            // Asterisk asks for "system" to record a room, not "call": the manager.conf the hub ships must grant it.
            ami.send("Action: ConfbridgeStartRecord", "Conference: 8000");
            assertEquals("Permission denied", ami.until(null).get("message"));
            ami.send("Action: ConfbridgeStopRecord", "Conference: 8000");
            assertEquals("Permission denied", ami.until(null).get("message"));
        }
    }

    @Test
    void pingEventsAndLogoffAnswerAsAsteriskDoes() throws Exception {
        try (RawAmi ami = login()) {
            ami.send("Action: Ping", "ActionID: p");
            Map<String, String> r = ami.until(null);
            assertEquals("Pong", r.get("ping"));
            assertTrue(r.get("timestamp").matches("[0-9]+\\.[0-9]{6}"));
            ami.send("Action: Events", "EventMask: off");
            assertEquals("Off", ami.until(null).get("events"));
            ami.send("Action: Events");
            assertEquals("Invalid event mask", ami.until(null).get("message"));
            ami.send("Action: Logoff");
            Map<String, String> bye = ami.until(null);
            assertEquals("Goodbye", bye.get("response"));
            assertEquals("Thanks for all the fish.", bye.get("message"));
            assertTrue(ami.closedByPeer());
        }
    }

    @Test
    void originateIsQueuedAtOnceThenReportsItsChannelAndOutcome() throws Exception {
        try (RawAmi ami = login()) {
            ami.send("Action: Originate", "ActionID: o1", "Channel: PJSIP/100@trunk", "Context: uc-conference", "Exten: 8000",
                    "Priority: 1", "Async: true", "ChannelId: uc-test-1", "Variable: UC_BUSINESS_ID=4711",
                    "Variable: UC_SESSION_ID=s-1");
            Map<String, String> queued = ami.until(null);
            assertEquals("Originate successfully queued", queued.get("message"));
            assertEquals("o1", queued.get("actionid"));
            List<String> seen = new ArrayList<>();
            Map<String, String> e;
            do {
                e = ami.read();
                seen.add(e.get("event") + (e.containsKey("channelstatedesc") && "Newstate".equals(e.get("event")) ? ":" + e.get("channelstatedesc") : ""));
                if ("Newchannel".equals(e.get("event"))) {
                    assertEquals("uc-test-1", e.get("uniqueid"));
                    assertTrue(e.get("channel").matches("PJSIP/trunk-[0-9a-f]{8}"), e.get("channel"));
                    assertEquals("UC_BUSINESS_ID=4711|UC_SESSION_ID=s-1", e.get("chanvariable"));
                }
                if ("OriginateResponse".equals(e.get("event"))) {
                    assertEquals("o1", e.get("actionid"));
                    assertEquals("Success", e.get("response"));
                    assertEquals("4", e.get("reason"));
                }
            } while (!"ConfbridgeJoin".equals(e.get("event")));
            // No VarSet: a dialplan event, and the hub's user does not read "dialplan".
            assertEquals(List.of("Newchannel", "Newstate:Ringing", "Newstate:Up", "OriginateResponse",
                    "ConfbridgeStart", "ConfbridgeJoin"), seen);
            assertEquals("8000", e.get("conference"));
        }
    }

    @Test
    void aVariableHeaderIsReadAsAListAsAsteriskReadsIt() throws Exception {
        try (RawAmi ami = login()) {
            ami.send("Action: Originate", "ActionID: o2", "Channel: PJSIP/100@trunk", "Context: uc-conference", "Exten: 8000",
                    "Priority: 1", "Async: true", "ChannelId: uc-test-2", "Variable: UC_BUSINESS_ID=\"a,b\",UC_SESSION_ID=s\\,2");
            assertEquals("Originate successfully queued", ami.until(null).get("message"));
            Map<String, String> e;
            do {
                e = ami.read();
            } while (!"Newchannel".equals(e.get("event")));
            assertEquals("UC_BUSINESS_ID=a,b|UC_SESSION_ID=s,2", e.get("chanvariable"));
        }
    }

    /** What a connection reads until (and with) the first packet that is the answer to ActionID id. */
    private static List<String> readUntilAnswer(RawAmi ami, String id) throws Exception {
        List<String> seen = new ArrayList<>();
        while (true) {
            Map<String, String> m = ami.read();
            if (m.containsKey("response") && id.equals(m.get("actionid"))) {
                seen.add("Response:" + m.get("response"));
                return seen;
            }
            seen.add(m.get("event") + ("Newstate".equals(m.get("event")) ? ":" + m.get("channelstatedesc") : ""));
        }
    }

    @Test
    void filtersOfTheFilterActionChooseTheEventsOfTheirOwnConnectionButNeverTheAnswersToItsActions() throws Exception {
        try (RawAmi filtered = login(); RawAmi blackOnly = login(); RawAmi caller = new RawAmi(sim.port())) {
            filtered.send("Action: Filter", "ActionID: f0", "Filter: Event: Newstate");
            assertEquals("Unknown operation", filtered.until(null).get("message"));
            filtered.send("Action: Filter", "ActionID: f1", "Operation: add", "Filter: ^Event: (Newstate");
            assertEquals("Filter did not compile.  Check the syntax of the filter given.", filtered.until(null).get("message"));
            filtered.send("Action: Filter", "ActionID: f2", "Operation: Add", "Filter: ^Event: Newstate[^A-Za-z]");
            Map<String, String> added = filtered.until(null);
            assertEquals("Success", added.get("response"));
            assertEquals("Success", added.get("message"));
            // White and black: what a white filter lets through and no black one vetoes.
            filtered.send("Action: Filter", "ActionID: f3", "Operation: Add", "Filter: !ChannelStateDesc: Ringing");
            assertEquals("Success", filtered.until(null).get("response"));
            // Black alone: everything but what it matches.
            blackOnly.send("Action: Filter", "ActionID: b1", "Operation: Add", "Filter: !^Event: Newchannel");
            assertEquals("Success", blackOnly.until(null).get("response"));
            caller.send("Action: Login", "Username: caller", "Secret: c4ll");
            assertEquals("Success", caller.until(null).get("response"));
            caller.send("Action: Filter", "ActionID: c1", "Operation: Add", "Filter: Event: Hangup");
            assertEquals("Permission denied", caller.until(null).get("message"), "Filter needs write=system");

            // The unfiltered caller sees everything, and says when the PBX is done.
            caller.send("Action: Originate", "ActionID: o1", "Channel: PJSIP/100@trunk", "Context: uc-conference", "Exten: 8000",
                    "Priority: 1", "Async: true", "ChannelId: uc-filter-1");
            caller.until("ConfbridgeJoin");
            filtered.send("Action: CoreShowChannels", "ActionID: list");
            assertEquals(List.of("Newstate:Up", "Response:Success"), readUntilAnswer(filtered, "list"));
            // An action's own list is written to its connection directly: no filter stops it.
            assertEquals("uc-filter-1", filtered.until("CoreShowChannel").get("uniqueid"));
            assertEquals("1", filtered.until("CoreShowChannelsComplete").get("listitems"));
            blackOnly.send("Action: Ping", "ActionID: p");
            assertEquals(List.of("Newstate:Ringing", "Newstate:Up", "OriginateResponse", "ConfbridgeStart", "ConfbridgeJoin",
                    "Response:Success"), readUntilAnswer(blackOnly, "p"));
        }
    }

    @Test
    void busyNoAnswerCongestionAndUnreachableCarryAsterisksReasonAndCause() throws Exception {
        try (RawAmi ami = login()) {
            String[][] cases = {{"201", "5", "17"}, {"203", "8", "34"}, {"202", "3", "19"}, {"204", "0", null}};
            for (String[] c : cases) {
                ami.send("Action: Originate", "ActionID: o" + c[0], "Channel: PJSIP/" + c[0] + "@trunk", "Context: uc-call", "Exten: 100",
                        "Priority: 1", "Timeout: 300", "Async: yes");
                String cause = null;
                Map<String, String> e;
                do {
                    e = ami.read();
                    if ("Hangup".equals(e.get("event"))) {
                        cause = e.get("cause");
                    }
                } while (!"OriginateResponse".equals(e.get("event")));
                assertEquals("Failure", e.get("response"));
                assertEquals(c[1], e.get("reason"), "reason for " + c[0]);
                assertEquals(c[2], cause, "hangup cause for " + c[0]);
                // manager.c's fast_originate has no channel left to name: what was asked for, and
                // the extension it was to run (never an Application beside it).
                assertEquals("PJSIP/" + c[0] + "@trunk", e.get("channel"));
                assertEquals("<unknown>", e.get("uniqueid"));
                assertEquals("uc-call", e.get("context"));
                assertNull(e.get("application"));
            }
        }
    }

    /** Sends Hangup and reads its response, then the events it brings until {@code last}, as event:uniqueid[:dialstatus|:reason]. */
    private static List<String> hangUp(RawAmi ami, String channel, String last) throws Exception {
        ami.send("Action: Hangup", "ActionID: h-" + channel, "Channel: " + channel, "Cause: 16");
        // manager.c answers before the channel's thread has hung up.
        Map<String, String> response = ami.read();
        assertEquals("Success", response.get("response"), response.toString());
        assertEquals("Channel Hungup", response.get("message"));
        List<String> seen = new ArrayList<>();
        Map<String, String> e;
        do {
            e = ami.read();
            seen.add(e.get("event") + ":" + e.get("uniqueid") + (e.containsKey("dialstatus") ? ":" + e.get("dialstatus") : "")
                    + (e.containsKey("reason") ? ":" + e.get("response") + ":" + e.get("reason") : ""));
        } while (!seen.get(seen.size() - 1).startsWith(last));
        return seen;
    }

    /** Reads until the channel {@code uniqueid} rings. */
    private static void awaitRinging(RawAmi ami, String uniqueid) throws Exception {
        Map<String, String> e;
        do {
            e = ami.read();
        } while (!("Newstate".equals(e.get("event")) && uniqueid.equals(e.get("uniqueid")) && "5".equals(e.get("channelstate"))));
    }

    @Test
    void hangupFindsAChannelByItsUniqueidAndCancelsWhatItsDialStillRings() throws Exception {
        try (RawAmi ami = login()) {
            // 100 answers; its Dial() then rings 202, which never answers.
            ami.send("Action: Originate", "ActionID: h1", "Channel: PJSIP/100@trunk", "Context: uc-call", "Exten: 202", "Priority: 1",
                    "Async: yes", "ChannelId: uc-hang-1", "Variable: UC_DIAL_TO=PJSIP/202@trunk");
            String callee = ami.until("DialBegin").get("destuniqueid");
            awaitRinging(ami, callee);
            // As ast_channel_get_by_name: by name first, then by uniqueid, either in any case.
            assertEquals(List.of("DialEnd:uc-hang-1:CANCEL", "Hangup:" + callee, "Hangup:uc-hang-1"),
                    hangUp(ami, "UC-HANG-1", "Hangup:uc-hang-1"));
            assertEquals(0, sim.channelCount(), "the ringing leg went with its caller");
            ami.send("Action: Hangup", "ActionID: h3", "Channel: uc-hang-1");
            Map<String, String> gone = ami.until(null);
            assertEquals("Error", gone.get("response"));
            assertEquals("No such channel", gone.get("message"));
        }
    }

    @Test
    void anOriginatedChannelHungUpWhileRingingFailsItsOriginateWithReasonZeroAsAnOriginateHasNoCaller() throws Exception {
        try (RawAmi ami = login()) {
            ami.send("Action: Originate", "ActionID: r1", "Channel: PJSIP/202@trunk", "Context: uc-conference", "Exten: 8000",
                    "Priority: 1", "Async: yes", "ChannelId: uc-ring-1");
            assertEquals("Originate successfully queued", ami.until(null).get("message"));
            awaitRinging(ami, "uc-ring-1");
            assertEquals(List.of("Hangup:uc-ring-1", "OriginateResponse:uc-ring-1:Failure:0"),
                    hangUp(ami, "uc-ring-1", "OriginateResponse"));
        }
    }

    @Test
    void aSynchronousOriginateIsAnsweredOnlyWithItsOutcomeAndSendsNoOriginateResponse() throws Exception {
        try (RawAmi ami = login()) {
            ami.send("Action: Originate", "ActionID: s1", "Channel: PJSIP/201@trunk", "Context: uc-call", "Exten: 100", "Priority: 1");
            Map<String, String> busy = ami.until(null);
            assertEquals("Error", busy.get("response"));
            assertEquals("Originate failed", busy.get("message"));
            assertEquals("s1", busy.get("actionid"));
            ami.send("Action: Originate", "ActionID: s2", "Channel: PJSIP/100@trunk", "Context: uc-conference", "Exten: 8000",
                    "Priority: 1");
            Map<String, String> m;
            do {
                m = ami.read();
                assertTrue(!"OriginateResponse".equals(m.get("event")), "no OriginateResponse for a synchronous originate");
            } while (!m.containsKey("response"));
            assertEquals("Originate successfully queued", m.get("message"));
            assertEquals("s2", m.get("actionid"));
        }
    }

    @Test
    void originateArgumentsAsteriskRejectsAreRejected() throws Exception {
        try (RawAmi ami = login()) {
            ami.send("Action: Originate", "Context: uc-call", "Exten: 1");
            assertEquals("Channel not specified", ami.until(null).get("message"));
            ami.send("Action: Originate", "Channel: nonsense", "Context: uc-call", "Exten: 1");
            assertEquals("Invalid channel", ami.until(null).get("message"));
            ami.send("Action: Originate", "Channel: PJSIP/1@trunk", "Context: uc-call", "Exten: 1", "Priority: first");
            assertEquals("Invalid priority", ami.until(null).get("message"));
            // The shipped dialplan's patterns (_X., _[+0-9].) need two characters; no other context exists.
            ami.send("Action: Originate", "Channel: PJSIP/1@trunk", "Context: uc-call", "Exten: 1", "Priority: 1", "Async: yes");
            assertEquals("Extension does not exist.", ami.until(null).get("message"));
            ami.send("Action: Originate", "Channel: PJSIP/1@trunk", "Context: default", "Exten: 8000", "Priority: 1", "Async: yes");
            assertEquals("Extension does not exist.", ami.until(null).get("message"));
            // manager.c looks the extension up whenever the priority is not 0, an Application
            // named or not (no Exten and Context: the empty ones, which no dialplan has).
            ami.send("Action: Originate", "Channel: PJSIP/1@trunk", "Application: Playback", "Data: beep", "Priority: 1", "Async: yes");
            assertEquals("Extension does not exist.", ami.until(null).get("message"));
            assertEquals(0, sim.channelCount());
        }
        try (RawAmi ami = new RawAmi(sim.port())) {
            // Without "system", no System() (the hub's own user has it, for recordings).
            ami.send("Action: Login", "Username: caller", "Secret: c4ll");
            assertEquals("Success", ami.until(null).get("response"));
            ami.send("Action: Originate", "Channel: PJSIP/1@trunk", "Application: System", "Data: rm -rf /");
            assertEquals("Originate Access Forbidden: app or data blacklisted", ami.until(null).get("message"));
            ami.send("Action: Originate", "Channel: PJSIP/1@trunk", "Application: Playback", "Data: ${SHELL(rm -rf /)}");
            assertEquals("Originate Access Forbidden: app or data blacklisted", ami.until(null).get("message"));
            // strstr, not a call: a sound file's name that holds a function's name is refused too.
            ami.send("Action: Originate", "Channel: PJSIP/1@trunk", "Application: Playback", "Data: custom/FILE-notice");
            assertEquals("Originate Access Forbidden: app or data blacklisted", ami.until(null).get("message"));
            assertEquals(0, sim.channelCount());
            // Without an Application the Data is not looked at: the dialplan runs, not the data.
            ami.send("Action: Originate", "Channel: PJSIP/1@trunk", "Context: uc-conference", "Exten: 8000", "Priority: 1",
                    "Data: FILE", "Async: yes");
            assertEquals("Originate successfully queued", ami.until(null).get("message"));
        }
    }

    @Test
    void confbridgeActionsAnswerWithAsterisksMessagesAndRecordARealWav() throws Exception {
        try (RawAmi ami = login()) {
            ami.send("Action: ConfbridgeList", "Conference: 8000");
            assertEquals("No active conferences.", ami.until(null).get("message"));
            ami.send("Action: Originate", "Channel: PJSIP/100@trunk", "Context: uc-conference", "Exten: 8000", "Priority: 1", "Async: 1");
            ami.until("ConfbridgeJoin");
            ami.send("Action: ConfbridgeList", "Conference: 8001");
            assertEquals("No Conference by that name found.", ami.until(null).get("message"));
            ami.send("Action: ConfbridgeList", "Conference: 8000", "ActionID: L");
            Map<String, String> ack = ami.until(null);
            assertEquals("start", ack.get("eventlist"));
            Map<String, String> member = ami.until("ConfbridgeList");
            assertEquals("L", member.get("actionid"));
            Map<String, String> done = ami.until("ConfbridgeListComplete");
            assertEquals("Complete", done.get("eventlist"));
            assertEquals("1", done.get("listitems"));

            Path wav = recordings.resolve("case-4711.wav");
            ami.send("Action: ConfbridgeStartRecord", "Conference: 8000", "RecordFile: " + wav);
            assertEquals("Conference Recording Started.", ami.until(null).get("message"));
            // As format_wav: the file is there while recording (made by the recorder's own
            // thread, so maybe just after the answer), its header's sizes still 0.
            long made = System.currentTimeMillis() + 5_000;
            while ((!Files.exists(wav) || Files.size(wav) < 44) && System.currentTimeMillis() < made) {
                Thread.sleep(20);
            }
            assertEquals(0, ByteBuffer.wrap(Files.readAllBytes(wav)).order(ByteOrder.LITTLE_ENDIAN).getInt(4));
            ami.send("Action: ConfbridgeStartRecord", "Conference: 8000");
            assertEquals("Conference is already being recorded.", ami.until(null).get("message"));
            ami.send("Action: ConfbridgeMute", "Conference: 8000", "Channel: " + member.get("channel"));
            assertEquals("User muted", ami.until(null).get("message"));
            ami.send("Action: ConfbridgeKick", "Conference: 8000", "Channel: PJSIP/nobody-00000000");
            assertEquals("No Channel by that name found in Conference.", ami.until(null).get("message"));
            Thread.sleep(200);
            ami.send("Action: ConfbridgeKick", "Conference: 8000", "Channel: all");
            assertEquals("All participants kicked", ami.until(null).get("message"));
            ami.until("ConfbridgeLeave");
            ami.until("ConfbridgeEnd");
            ami.until("ConfbridgeStopRecord");
            // The stop is reported before the file is closed: its sizes come a moment later.
            long deadline = System.currentTimeMillis() + 5_000;
            while (ByteBuffer.wrap(Files.readAllBytes(wav)).order(ByteOrder.LITTLE_ENDIAN).getInt(40) == 0
                    && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }

            byte[] bytes = Files.readAllBytes(wav);
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals("RIFF", new String(bytes, 0, 4));
            assertEquals("WAVE", new String(bytes, 8, 4));
            assertEquals(8000, b.getInt(24));
            assertEquals(bytes.length - 44, b.getInt(40));
            assertEquals(bytes.length - 8, b.getInt(4));
            assertTrue(bytes.length > 44 + 8000 * 2 / 10, "at least 0.1 s of audio");
        }
    }

    /**
     * Asterisk takes logins while it boots, long before its dialplan and ConfBridge are loaded:
     * no FullyBooted at such a login (manager.c sends it there only when booted), Originate
     * finds no extension, the ConfBridge actions are not registered. The boot's end is an
     * ordinary system event, for whoever may read it, has events on and lets it through.
     */
    @Test
    void aBootingPbxTakesLoginsButHasNoDialplanNorConfbridgeUntilFullyBootedIsBroadcast() throws Exception {
        sim.stop();
        sim.startBooting();
        try (RawAmi ami = login(); RawAmi deaf = new RawAmi(sim.port()); RawAmi filtered = login();
                RawAmi reader = new RawAmi(sim.port())) {
            deaf.send("Action: Login", "Username: hub", "Secret: s3cret", "Events: off");
            assertEquals("Success", deaf.until(null).get("response"));
            filtered.send("Action: Filter", "ActionID: f", "Operation: Add", "Filter: ^Event: Newstate[^A-Za-z]");
            assertEquals("f", filtered.read().get("actionid"), "no FullyBooted at a login while booting");
            reader.send("Action: Login", "Username: reader", "Secret: r3ad");
            assertEquals("Success", reader.until(null).get("response"));
            ami.send("Action: Ping", "ActionID: p");
            assertEquals("p", ami.read().get("actionid"), "no FullyBooted at a login while booting");
            ami.send("Action: Originate", "ActionID: o", "Channel: PJSIP/100@trunk", "Context: uc-conference", "Exten: 8000",
                    "Priority: 1", "Async: true");
            Map<String, String> r = ami.read();
            assertEquals("Error", r.get("response"));
            assertEquals("Extension does not exist.", r.get("message"));
            ami.send("Action: ConfbridgeList", "ActionID: l", "Conference: 8000");
            r = ami.read();
            assertEquals("Error", r.get("response"));
            assertEquals("Invalid/unknown command: ConfbridgeList. Use Action: ListCommands to show available commands.", r.get("message"));
            ami.send("Action: CoreShowChannels", "ActionID: c");
            assertEquals("Success", ami.read().get("response"), "the core answers while the modules load");
            assertEquals("0", ami.read().get("listitems"));
            assertTrue(sim.isBooting());

            sim.finishBooting();
            Map<String, String> booted = ami.read();
            assertEquals("FullyBooted", booted.get("event"));
            assertEquals("system,all", booted.get("privilege"));
            assertEquals("Fully Booted", booted.get("status"));
            for (RawAmi other : List.of(deaf, filtered, reader)) {
                other.send("Action: Ping", "ActionID: after");
                assertEquals("after", other.read().get("actionid"), "FullyBooted only where events are on, let through and readable");
            }
            ami.send("Action: ConfbridgeList", "ActionID: l2", "Conference: 8000");
            assertEquals("No active conferences.", ami.read().get("message"));
            ami.send("Action: Originate", "ActionID: o2", "Channel: PJSIP/100@trunk", "Context: uc-conference", "Exten: 8000",
                    "Priority: 1", "Async: true");
            assertEquals("Originate successfully queued", ami.until(null).get("message"));
        }
    }

    @Test
    void aStoppedSimulatorDropsEveryConnectionAndCanStartAgainOnItsPort() throws Exception {
        int port = sim.port();
        RawAmi ami = login();
        sim.stop();
        Map<String, String> rest;
        do {
            rest = ami.read();
        } while (rest != null && "FullyBooted".equals(rest.get("event")));
        assertNull(rest);
        ami.close();
        sim.start();
        assertEquals(port, sim.port());
        login().close();
    }

    /** app_confbridge refuses a profile it does not have: answered, the channel is hung up without joining. */
    @Test
    void aConfBridgeProfileAsteriskDoesNotHaveHangsTheChannelUpWithoutJoining() throws Exception {
        try (RawAmi ami = login()) {
            ami.send("Action: Originate", "Channel: PJSIP/100@trunk", "Context: uc-conference", "Exten: 8000", "Priority: 1",
                    "Async: yes", "ChannelId: uc-prof-1", "Variable: UC_BRIDGE_PROFILE=no_such_bridge");
            assertEquals("Originate successfully queued", ami.until(null).get("message"));
            Map<String, String> e;
            do {
                e = ami.read();
                assertTrue(!"ConfbridgeJoin".equals(e.get("event")), "joined with a profile Asterisk does not have");
            } while (!("Hangup".equals(e.get("event")) && "uc-prof-1".equals(e.get("uniqueid"))));
            assertEquals(0, sim.channelCount());
        }
    }
}
