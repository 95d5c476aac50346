package org.uchub.pbx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.asteriskjava.manager.event.DialBeginEvent;
import org.asteriskjava.manager.event.DialEndEvent;
import org.asteriskjava.manager.event.HangupEvent;
import org.junit.jupiter.api.Test;
import org.uchub.sessionlog.SessionUpdate;

/**
 * Whose news a PBX event is, for a call placed through a {@code Local/<number>@<context>/n}
 * dial template, as Asterisk reports it: the originated ;1 half carries the hub's id as
 * Uniqueid; its ;2 half and the first party's real channel, which ;2 dials, share it only
 * as Linkedid; and once the first party answers, ;1 runs the call context and dials the
 * second party, whose channel shares the Linkedid too.
 */
class PbxEventsTest {
    private static final String CALL = "uc-0b3c5d7e-1a2b-4c3d-8e9f-0a1b2c3d4e5f-1-2";
    private final PbxEvents events = new PbxEvents();

    private static <T extends org.asteriskjava.manager.event.ManagerEvent> T on(T e, String channel, String uniqueid) {
        if (e instanceof DialBeginEvent d) {
            d.setChannel(channel);
            d.setUniqueId(uniqueid);
            d.setLinkedId(CALL);
        } else if (e instanceof DialEndEvent d) {
            d.setChannel(channel);
            d.setUniqueId(uniqueid);
            d.setLinkedId(CALL);
        } else if (e instanceof HangupEvent h) {
            h.setChannel(channel);
            h.setUniqueId(uniqueid);
            h.setLinkedId(CALL);
            h.setCause(16);
        }
        return e;
    }

    private List<String> news(Object event) {
        return events.translate(event).stream().map(u -> u.participantId() + " " + u.participantState() + " " + u.eventType()).toList();
    }

    @Test
    void theSecondHalfOfALocalChannelDiallingTheFirstPartyIsNotTakenForTheSecondParty() {
        DialBeginEvent toFirst = on(new DialBeginEvent(this), "Local/201@uc-out-00000001;2", "1700000000.12");
        toFirst.setDialString("PJSIP/201@trunk");
        assertEquals(List.of(), news(toFirst));
        DialEndEvent firstAnswered = on(new DialEndEvent(this), "Local/201@uc-out-00000001;2", "1700000000.12");
        firstAnswered.setDialStatus("ANSWER");
        assertEquals(List.of(), news(firstAnswered), "the first party's answer is not the second party joining");
    }

    @Test
    void whatTheCallsOwnChannelDialsIsTheSecondParty() {
        DialBeginEvent toSecond = on(new DialBeginEvent(this), "Local/201@uc-out-00000001;1", CALL);
        toSecond.setDialString("PJSIP/202@trunk");
        assertEquals(List.of("2 RINGING PARTICIPANT_RINGING"), news(toSecond));
        DialEndEvent busy = on(new DialEndEvent(this), "Local/201@uc-out-00000001;1", CALL);
        busy.setDialStatus("BUSY");
        assertEquals(List.of("2 FAILED PARTICIPANT_FAILED"), news(busy));
        // Without a Local template the call's own channel is the first party's: the same rule.
        DialEndEvent answered = on(new DialEndEvent(this), "PJSIP/201-0000001a", CALL);
        answered.setDialStatus("ANSWER");
        assertEquals(List.of("2 JOINED PARTICIPANT_JOINED"), news(answered));
    }

    @Test
    void theOtherHalfOfALocalChannelHangingUpIsNotTheSecondPartyLeaving() {
        assertEquals(List.of(), news(on(new HangupEvent(this), "Local/201@uc-out-00000001;2", "1700000000.12")));
        assertEquals(List.of("2 LEFT_IF_REACHED PARTICIPANT_LEFT"), news(on(new HangupEvent(this), "PJSIP/202-0000001b", "1700000000.14")));
        List<SessionUpdate> own = events.translate(on(new HangupEvent(this), "Local/201@uc-out-00000001;1", CALL));
        assertEquals("1 LEFT PARTICIPANT_LEFT", own.get(0).participantId() + " " + own.get(0).participantState() + " " + own.get(0).eventType());
    }

    @Test
    void theFirstPartysRealChannelHangingUpWhileTheSecondRingsIsNotTheSecondPartyLeaving() {
        DialBeginEvent toFirst = on(new DialBeginEvent(this), "Local/201@uc-out-00000001;2", "1700000000.12");
        toFirst.setDestUniqueId("1700000000.13");
        assertEquals(List.of(), news(toFirst));
        DialBeginEvent toSecond = on(new DialBeginEvent(this), "Local/201@uc-out-00000001;1", CALL);
        toSecond.setDestUniqueId("1700000000.14");
        assertEquals(List.of("2 RINGING PARTICIPANT_RINGING"), news(toSecond));
        // The first party puts the phone down while the second still rings: the call's own
        // channel reports that, not this one.
        assertEquals(List.of(), news(on(new HangupEvent(this), "PJSIP/201-0000001a", "1700000000.13")));
        assertEquals(List.of("2 LEFT_IF_REACHED PARTICIPANT_LEFT"), news(on(new HangupEvent(this), "PJSIP/202-0000001b", "1700000000.14")));
    }

    @Test
    void aSecondPartyReachedThroughALocalTemplateTooStillLeaves() {
        DialBeginEvent toFirst = on(new DialBeginEvent(this), "Local/201@uc-out-00000001;2", "1700000000.12");
        toFirst.setDestUniqueId("1700000000.13");
        news(toFirst);
        DialBeginEvent toSecondLocal = on(new DialBeginEvent(this), "Local/201@uc-out-00000001;1", CALL);
        toSecondLocal.setDestUniqueId("1700000000.20");
        assertEquals(List.of("2 RINGING PARTICIPANT_RINGING"), news(toSecondLocal));
        // The second party's Local pair: its ;2 half dials the real phone, under the call's Linkedid.
        DialBeginEvent toSecondPhone = on(new DialBeginEvent(this), "Local/202@uc-out-00000002;2", "1700000000.21");
        toSecondPhone.setDestUniqueId("1700000000.22");
        assertEquals(List.of(), news(toSecondPhone));
        assertEquals(List.of("2 LEFT_IF_REACHED PARTICIPANT_LEFT"), news(on(new HangupEvent(this), "PJSIP/202-0000001c", "1700000000.22")));
        assertEquals(List.of(), news(on(new HangupEvent(this), "Local/202@uc-out-00000002;1", "1700000000.20")));
        assertEquals(List.of(), news(on(new HangupEvent(this), "PJSIP/201-0000001a", "1700000000.13")));
    }

    @Test
    void newsKeepsTheTimeItsEventReachedTheHub() {
        HangupEvent h = on(new HangupEvent(this), "PJSIP/trunk-00000001", CALL);
        java.util.Date received = new java.util.Date(System.currentTimeMillis() - 300_000);
        h.setDateReceived(received);
        List<SessionUpdate> news = events.translate(h);
        assertEquals(false, news.isEmpty());
        news.forEach(u -> assertEquals(received.toInstant(), u.happenedAt().toInstant()));
    }
}
