package org.uchub.pbx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;
import org.uchub.contract.Event;
import org.uchub.contract.ParticipantState;
import org.uchub.contract.ReplyStatus;
import org.uchub.contract.Session;
import org.uchub.contract.SessionReply;
import org.uchub.pbx.sim.AmiSimulator;

/**
 * The scenario the hub exists for, through the file drop and over AMI to the simulator:
 * a recorded conference of three for case 4711, Dave added by the business ID, the
 * conference ended, and the record read back with who joined and left, when, and the
 * recording.
 */
class ConferenceScenarioTest extends HubTestSupport {

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        p.setProperty("pbx.simulator.script", "+4930999001=busy,+4930999002=no-answer,+4930999003=unreachable,*=answer");
        p.setProperty("pbx.ring-timeout-seconds", "1");
        return p;
    }

    private SessionReply dropAndAwait(String name, String content) throws Exception {
        drop(name, content);
        return sessionReply(awaitReply(name.substring(0, name.lastIndexOf('.')) + ".reply.xml"));
    }

    private static List<String> types(SessionReply r) {
        return r.getEvents().getEvent().stream().map(Event::getType).toList();
    }

    private static long count(SessionReply r, String type) {
        return types(r).stream().filter(type::equals).count();
    }

    private static ParticipantState participant(SessionReply r, String address) {
        return r.getSessions().getSession().get(0).getParticipants().getParticipant().stream()
                .filter(p -> p.getAddress().equals(address)).findFirst().orElseThrow();
    }

    private void awaitEvents(String businessId, String type, long n) throws Exception {
        await(() -> count(logOf(businessId), type) >= n, 15_000, n + " x " + type + " for " + businessId + "; log: " + types(logOf(businessId)));
    }

    /** The events of one participant, in log order. */
    private static List<String> eventsOf(SessionReply r, String address) {
        List<String> out = new ArrayList<>();
        for (Event e : r.getEvents().getEvent()) {
            if (address.equals(e.getParticipant())) {
                out.add(e.getType());
            }
        }
        return out;
    }

    @Test
    void recordedConferenceOfThreeThenDaveAddedThenEndedIsLoggedWithItsRecording() throws Exception {
        SessionReply started = dropAndAwait("start.xml", Files.readString(Path.of("examples/start-conference.xml")));
        assertEquals(ReplyStatus.ACCEPTED, started.getStatus(), started.getMessage());
        assertEquals("8000", started.getReservedNumber());
        assertTrue(started.getMessage().contains("Dialling 3 participant(s) into conference 8000"), started.getMessage());

        awaitEvents("4711", "PARTICIPANT_JOINED", 3);
        awaitEvents("4711", "RECORDING_STARTED", 1);
        SessionReply running = logOf("4711");
        assertEquals("ACTIVE", running.getSessions().getSession().get(0).getState());
        for (String a : List.of("+4930111111", "+4930222222", "+4930333333")) {
            assertEquals("JOINED", participant(running, a).getState(), a);
            assertEquals(List.of("PARTICIPANT_INVITED", "PARTICIPANT_RINGING", "PARTICIPANT_JOINED"), eventsOf(running, a), a);
        }

        SessionReply added = dropAndAwait("add.xml", Files.readString(Path.of("examples/add-participant.xml")));
        assertEquals(ReplyStatus.ACCEPTED, added.getStatus(), added.getMessage());
        awaitEvents("4711", "PARTICIPANT_JOINED", 4);
        awaitEvents("4711", "PARTICIPANTS_NOTIFIED", 1);

        // The room really holds the four, as Asterisk would list them.
        AmiSimulator sim = context.getRegistry().lookupByNameAndType("amiSimulator", AmiSimulator.class);
        try (RawAmi ami = new RawAmi(sim.port())) {
            ami.send("Action: Login", "Username: uchub", "Secret: uchub-dev-ami-secret");
            ami.until(null);
            // The announcement's channel is in the room while it plays, then leaves.
            await(() -> {
                ami.send("Action: ConfbridgeList", "Conference: 8000");
                ami.until(null);
                return "4".equals(ami.until("ConfbridgeListComplete").get("listitems"));
            }, 10_000, "the four participants in room 8000");
        }

        SessionReply ended = dropAndAwait("end.xml", Files.readString(Path.of("examples/end-conference.xml")));
        assertEquals(ReplyStatus.OK, ended.getStatus(), ended.getMessage());
        awaitEvents("4711", "RECORDING_AVAILABLE", 1);

        SessionReply log = dropAndAwait("query.xml", Files.readString(Path.of("examples/query.xml")));
        Session s = log.getSessions().getSession().get(0);
        assertEquals("ENDED", s.getState());
        assertNotNull(s.getRecording());
        for (ParticipantState p : s.getParticipants().getParticipant()) {
            assertEquals("LEFT", p.getState(), p.getAddress());
        }
        List<String> t = types(log);
        assertEquals(List.of("REQUEST_RECEIVED", "NUMBER_RESERVED"), t.subList(0, 2));
        assertEquals(4, count(log, "PARTICIPANT_INVITED"));
        assertEquals(4, count(log, "PARTICIPANT_JOINED"));
        assertEquals(1, count(log, "CONFERENCE_STARTED"));
        assertEquals(1, count(log, "SESSION_ENDED"));
        assertEquals(1, count(log, "NUMBER_RELEASED"));
        assertTrue(t.indexOf("CONFERENCE_STARTED") < t.indexOf("RECORDING_STARTED"));
        assertTrue(t.indexOf("PARTICIPANT_ADDED") < t.lastIndexOf("PARTICIPANT_JOINED"));
        assertTrue(t.indexOf("SESSION_ENDED") < t.indexOf("RECORDING_AVAILABLE") || t.indexOf("RECORDING_AVAILABLE") < t.indexOf("SESSION_ENDED"));
        // Gap-free sequence, time never going backwards.
        OffsetDateTime last = null;
        for (int i = 0; i < log.getEvents().getEvent().size(); i++) {
            Event e = log.getEvents().getEvent().get(i);
            assertEquals(i + 1, e.getSeq());
            assertTrue(last == null || !e.getTime().isBefore(last), "time order at " + e.getSeq());
            last = e.getTime();
        }
        assertEquals(List.of("PARTICIPANT_ADDED", "PARTICIPANT_INVITED", "PARTICIPANT_RINGING", "PARTICIPANT_JOINED"),
                eventsOf(log, "+4930444444"));

        // The recording: named from the business ID and session, a real WAV, and returned by GetRecording.
        assertTrue(s.getRecording().contains("4711") && s.getRecording().contains(s.getSessionId()), s.getRecording());
        Path wav = dataDir.resolve("recordings").resolve(s.getRecording());
        SessionReply rec = recordingOnceFinished("4711");
        byte[] bytes = Files.readAllBytes(wav);
        assertEquals("RIFF", new String(bytes, 0, 4));
        assertEquals(s.getRecording(), rec.getRecording().getFileName());
        assertEquals("audio/wav", rec.getRecording().getMimeType());
        assertArrayEquals(bytes, rec.getRecording().getContent());

        // Whoever can write the shared recordings directory puts a link in its place, to a file outside it
        // (here a closed WAV, which would be served at once; the hub's session log is the real prize): not served.
        Path outside = Files.write(dataDir.resolve("outside.wav"), bytes);
        Files.delete(wav);
        Files.createSymbolicLink(wav, outside);
        String refused = rejected("default", "<GetRecording " + NS + "><businessId>4711</businessId></GetRecording>", "NO_RECORDING");
        assertTrue(refused.contains("not available"), refused);

        // A recording past pbx.recordings.max-bytes is not "not there yet" (a client would ask
        // again for ever) but too large to send: its own code, and it is not read.
        Files.delete(wav);
        try (java.io.RandomAccessFile big = new java.io.RandomAccessFile(wav.toFile(), "rw")) {
            big.setLength(52_428_801L);
        }
        String tooLarge = rejected("default", "<GetRecording " + NS + "><businessId>4711</businessId></GetRecording>",
                "RECORDING_TOO_LARGE");
        assertTrue(tooLarge.contains("pbx.recordings.max-bytes"), tooLarge);
    }

    @Test
    void busyNoAnswerAndUnreachableParticipantsFailWithTheirReasonWhileTheOthersJoin() throws Exception {
        SessionReply started = ok("default", startConference("case-fail", "cf-1", "+4930999001", "+4930999002", "+4930999003",
                "+4930111111"));
        assertEquals(ReplyStatus.ACCEPTED, started.getStatus());
        awaitEvents("case-fail", "PARTICIPANT_FAILED", 3);
        awaitEvents("case-fail", "PARTICIPANT_JOINED", 1);
        SessionReply log = logOf("case-fail");
        assertEquals("FAILED", participant(log, "+4930999001").getState());
        assertEquals("ACTIVE", log.getSessions().getSession().get(0).getState());
        List<String> details = log.getEvents().getEvent().stream().filter(e -> "PARTICIPANT_FAILED".equals(e.getType()))
                .map(e -> e.getParticipant() + ": " + e.getDetail()).toList();
        assertTrue(details.stream().anyMatch(d -> d.startsWith("+4930999001: Busy")), details.toString());
        assertTrue(details.stream().anyMatch(d -> d.startsWith("+4930999002: No answer")), details.toString());
        assertTrue(details.stream().anyMatch(d -> d.startsWith("+4930999003: Unreachable")), details.toString());
    }

    @Test
    void aConferenceNobodyCanJoinFailsAndReleasesItsNumber() throws Exception {
        ok("default", startConference("case-none", "cn-1", "+4930999001", "+4930999003"));
        awaitEvents("case-none", "SESSION_FAILED", 1);
        SessionReply log = logOf("case-none");
        assertEquals("FAILED", log.getSessions().getSession().get(0).getState());
        assertEquals(1, count(log, "NUMBER_RELEASED"));
    }

    @Test
    void removedParticipantIsKickedAndMutedOneIsMutedInTheRoom() throws Exception {
        ok("default", startConference("case-rm", "rm-1", "+4930111111", "+4930333333"));
        awaitEvents("case-rm", "PARTICIPANT_JOINED", 2);
        SessionReply changed = ok("default", "<ModifySession " + NS + "><businessId>case-rm</businessId>"
                + "<remove><participant><number>+4930333333</number></participant></remove>"
                + "<mute><participant><number>+4930111111</number></participant></mute></ModifySession>");
        assertTrue(changed.getMessage().contains("removed +4930333333"), changed.getMessage());
        assertTrue(changed.getMessage().contains("muted +4930111111"), changed.getMessage());
        awaitEvents("case-rm", "PARTICIPANT_REMOVED", 1);
        SessionReply log = logOf("case-rm");
        assertEquals("REMOVED", participant(log, "+4930333333").getState());
        assertEquals("JOINED", participant(log, "+4930111111").getState());
        assertTrue(participant(log, "+4930111111").isMuted());
    }
}
