package org.uchub.pbx;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.asteriskjava.manager.event.ConfbridgeEndEvent;
import org.asteriskjava.manager.event.ConfbridgeJoinEvent;
import org.asteriskjava.manager.event.ConfbridgeLeaveEvent;
import org.asteriskjava.manager.event.ConfbridgeStartEvent;
import org.asteriskjava.manager.event.DialBeginEvent;
import org.asteriskjava.manager.event.DialEndEvent;
import org.asteriskjava.manager.event.HangupEvent;
import org.asteriskjava.manager.event.NewStateEvent;
import org.asteriskjava.manager.event.OriginateResponseEvent;
import org.uchub.sessionlog.ChannelProgress;
import org.uchub.sessionlog.SessionUpdate;

/**
 * Reads what the PBX reports and says what it means for the hub's sessions. The session and
 * participant come from the channel id the hub preset on the channel (or, for the far end of
 * a call, from the Linkedid it shares), and a conference from its room, which is the reserved
 * number bound to the session. Events about channels the hub did not create mean nothing here
 * and yield no update. The one thing remembered is whose channel each of a call's dials
 * opened (see {@link #hangup}).
 */
public class PbxEvents {
    private static final String SOURCE = "pbx";

    /**
     * The first party's real channels behind a Local dial template (by Uniqueid), until they
     * hang up; and the calls whose own channel has dialled the second party (by call id), until
     * it hangs up. Bounded: a hang-up the hub never hears of (a connection lost meanwhile) must
     * not keep its entry for ever; an entry forgotten only falls back to the Linkedid rule.
     */
    private final java.util.Set<String> firstPartyLegs = org.uchub.support.Bounded.set(100_000);
    private final java.util.Set<String> secondPartyDialled = org.uchub.support.Bounded.set(100_000);

    /**
     * An AMI Filter expression (searched for in each event's whole text) that lets through only
     * what {@link #translate} reads: the channel events of the hub's own channels, which carry
     * its preset id ({@link HubChannelId}) as Uniqueid, Linkedid or ActionID, and the room
     * events, which name no channel; and FullyBooted, which a PBX that was still booting at the
     * login sends once it is done (see {@link PbxReadiness}): held back, the hub would wait for
     * it for ever. A PBX serving thousands of other calls would otherwise send the hub every
     * event of every channel (a real call brings dozens), each parsed by Asterisk-Java and
     * dropped here. One expression, so that it is in force all at once or not
     * at all: with several, the events only a later one lets through would be lost while the
     * earlier ones were already in force, and a failure half way would leave them out for good.
     * A POSIX extended expression, as manager.c compiles filters since the 16–18 era (Asterisk
     * 13's compiled them as basic ones): the hub sends it to Asterisk 18 and later only.
     */
    public static final String FILTER = "^Event: ((Newstate|Hangup|DialBegin|DialEnd|OriginateResponse|ConfbridgeJoin|ConfbridgeLeave)"
            + "[^A-Za-z].*uc-[0-9a-f]{8}-|Confbridge(Start|End|StopRecord)[^A-Za-z]|FullyBooted[^A-Za-z])";

    /**
     * {@link #translate} for a batch of events, their updates in the events' order. An event
     * that cannot be read is logged and skipped: it must not take the rest of the batch with it.
     */
    public List<SessionUpdate> translateAll(List<?> events) {
        List<SessionUpdate> out = new ArrayList<>();
        for (Object event : events) {
            try {
                out.addAll(translate(event));
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(PbxEvents.class).error("A PBX event could not be read and is not recorded: {}", event, e);
            }
        }
        return out;
    }

    public List<SessionUpdate> translate(Object event) {
        List<SessionUpdate> out = read(event);
        if (event instanceof org.asteriskjava.manager.event.ManagerEvent m && m.getDateReceived() != null) {
            // The time it reached the hub: recorded later (the session log was out of reach,
            // events queued behind it), it still says when the party joined or left.
            java.time.OffsetDateTime at = m.getDateReceived().toInstant().atOffset(java.time.ZoneOffset.UTC);
            out.replaceAll(u -> u.withHappenedAt(at));
        }
        return out;
    }

    private List<SessionUpdate> read(Object event) {
        List<SessionUpdate> out = new ArrayList<>();
        if (event instanceof NewStateEvent e) {
            own(e.getUniqueId()).ifPresent(id -> {
                if (Integer.valueOf(5).equals(e.getChannelState())) {
                    out.add(SessionUpdate.participant(id.sessionId(), id.participantId(), ChannelProgress.RINGING, "PARTICIPANT_RINGING",
                            SOURCE, "Ringing on " + e.getChannel()));
                } else if (Integer.valueOf(6).equals(e.getChannelState()) && id.calleeParticipantId() != null) {
                    out.add(SessionUpdate.participant(id.sessionId(), id.participantId(), ChannelProgress.JOINED, "PARTICIPANT_ANSWERED",
                            SOURCE, "Answered on " + e.getChannel() + "; dialling the other party"));
                    out.add(SessionUpdate.session(id.sessionId(), ChannelProgress.ACTIVE, "CALL_ANSWERED", SOURCE, null));
                }
            });
        } else if (event instanceof OriginateResponseEvent e) {
            own(e.getActionId()).filter(x -> "Failure".equalsIgnoreCase(e.getResponse())).ifPresent(id -> {
                String why = originateReason(e.getReason()) + " (originate reason " + e.getReason() + ")";
                out.add(SessionUpdate.participant(id.sessionId(), id.participantId(), ChannelProgress.FAILED, "PARTICIPANT_FAILED", SOURCE,
                        why));
                if (id.calleeParticipantId() != null) {
                    // The first party of a call was not reached: the second is never dialled.
                    out.add(SessionUpdate.ends(id.sessionId(), null, SOURCE, "The call could not be placed: " + why));
                }
            });
        } else if (event instanceof HangupEvent e) {
            hangup(e, out);
        } else if (event instanceof DialBeginEvent e) {
            // The second party is whom the call's own channel dials. Not anything sharing its
            // Linkedid: through a Local dial template the ;2 half dials the first party under the
            // same Linkedid, and its answer would have been taken for the second party's.
            Optional<HubChannelId> caller = own(e.getUniqueId());
            caller.filter(id -> id.calleeParticipantId() != null).ifPresent(id -> out.add(SessionUpdate.participant(
                    id.sessionId(), id.calleeParticipantId(), ChannelProgress.RINGING, "PARTICIPANT_RINGING", SOURCE,
                    "Dialling " + e.getDialString())));
            remember(e, caller);
        } else if (event instanceof DialEndEvent e) {
            own(e.getUniqueId()).filter(id -> id.calleeParticipantId() != null).ifPresent(id -> {
                boolean answered = "ANSWER".equalsIgnoreCase(e.getDialStatus());
                out.add(SessionUpdate.participant(id.sessionId(), id.calleeParticipantId(),
                        answered ? ChannelProgress.JOINED : ChannelProgress.FAILED, answered ? "PARTICIPANT_JOINED" : "PARTICIPANT_FAILED",
                        SOURCE, answered ? "Answered: the call is connected" : dialStatus(e.getDialStatus())));
            });
        } else if (event instanceof ConfbridgeStartEvent e) {
            out.add(SessionUpdate.room(e.getConference(), e.getBridgeUniqueId(), ChannelProgress.ACTIVE, false, Conferences.STARTED, SOURCE,
                    "Conference " + e.getConference() + " started", null));
        } else if (event instanceof ConfbridgeJoinEvent e) {
            // With its room's instance: a session whose room start was missed (the AMI link dropped
            // as the first party answered) still knows its room, and so the room's end.
            own(e.getUniqueId()).ifPresent(id -> out.add(new SessionUpdate(id.sessionId(), null, e.getBridgeUniqueId(), id.participantId(),
                    ChannelProgress.JOINED, null, false, "PARTICIPANT_JOINED", SOURCE, "Joined conference " + e.getConference(), null)));
        } else if (event instanceof ConfbridgeLeaveEvent e) {
            own(e.getUniqueId()).ifPresent(id -> out.add(SessionUpdate.participant(id.sessionId(), id.participantId(),
                    ChannelProgress.LEFT, "PARTICIPANT_LEFT", SOURCE, "Left conference " + e.getConference())));
        } else if (event instanceof ConfbridgeEndEvent e) {
            out.add(SessionUpdate.room(e.getConference(), e.getBridgeUniqueId(), null, true, "SESSION_ENDED", SOURCE,
                    "Conference " + e.getConference() + " ended: everyone left", null));
        } else if (event instanceof ConfbridgeStopRecordEvent e) {
            out.add(SessionUpdate.room(e.getConference(), e.getBridgeUniqueId(), null, false, "RECORDING_AVAILABLE", SOURCE, null, ""));
        }
        return out;
    }

    /**
     * Whose channel a call's dial opened. Through a Local dial template the call's own channel
     * (;1) runs the call context, and so dials the second party, only once the first party
     * answered what its ;2 half dialled: a dial by another channel of the call before the call's
     * own has dialled is the first party's; one after is the second party's (reached through a
     * Local template too).
     */
    private void remember(DialBeginEvent e, Optional<HubChannelId> caller) {
        if (caller.isPresent()) {
            if (caller.get().calleeParticipantId() != null) {
                secondPartyDialled.add(e.getUniqueId());
            }
            return;
        }
        String dest = e.getDestUniqueId();
        Optional<HubChannelId> call = own(e.getLinkedId()).filter(id -> id.calleeParticipantId() != null);
        if (dest != null && !dest.isEmpty() && call.isPresent() && !secondPartyDialled.contains(e.getLinkedId())) {
            firstPartyLegs.add(dest);
        }
    }

    /**
     * A hang-up is the participant's whose channel carries the hub's id. A channel that only
     * shares the call's Linkedid is the second party's, unless the hub saw it dialled for the
     * first party (see {@link #remember}): through a Local dial template that is the first
     * party's real channel, whose end the call's own channel reports (and which, taken for the
     * second party's, logged a second party still ringing as having left).
     */
    private void hangup(HangupEvent e, List<SessionUpdate> out) {
        String cause = "cause " + e.getCause() + (e.getCauseTxt() == null ? "" : " " + e.getCauseTxt());
        Optional<HubChannelId> own = own(e.getUniqueId());
        if (own.isPresent()) {
            secondPartyDialled.remove(e.getUniqueId());
            HubChannelId id = own.get();
            boolean normal = Integer.valueOf(16).equals(e.getCause());
            out.add(SessionUpdate.participant(id.sessionId(), id.participantId(), normal ? ChannelProgress.LEFT : ChannelProgress.FAILED,
                    normal ? "PARTICIPANT_LEFT" : "PARTICIPANT_FAILED", SOURCE,
                    (normal ? "Hung up" : hangupReason(e.getCause())) + " (" + cause + ")"));
            if (id.calleeParticipantId() != null) {
                out.add(SessionUpdate.ends(id.sessionId(), null, SOURCE, "The call ended (" + cause + ")"));
            }
            return;
        }
        if (e.getUniqueId() != null && firstPartyLegs.remove(e.getUniqueId())) {
            return;
        }
        if (e.getChannel() != null && e.getChannel().regionMatches(true, 0, "Local/", 0, 6)) {
            return; // the other half of a Local dial template: the call's own channel, not the second party
        }
        own(e.getLinkedId()).filter(id -> id.calleeParticipantId() != null).ifPresent(id -> out.add(SessionUpdate.participant(
                id.sessionId(), id.calleeParticipantId(), ChannelProgress.LEFT_IF_REACHED, "PARTICIPANT_LEFT", SOURCE,
                "Hung up (" + cause + ")")));
    }

    private static Optional<HubChannelId> own(String id) {
        return HubChannelId.parse(id);
    }

    /** Asterisk's originate reason codes (the AST_CONTROL value the dial ended on). */
    static String originateReason(Integer reason) {
        if (reason == null) {
            return "Failed";
        }
        return switch (reason) {
            case 0 -> "Unreachable: the PBX could not place the call";
            // Only where a dial's caller hung up (pbx_dial_reason); an originate's channel hung up
            // while ringing gives 0.
            case 1 -> "Hung up before answering";
            case 3 -> "No answer";
            case 5 -> "Busy";
            case 8 -> "Congestion";
            default -> "Failed";
        };
    }

    static String hangupReason(Integer cause) {
        if (cause == null) {
            return "Failed";
        }
        return switch (cause) {
            case 17 -> "Busy";
            case 18, 19 -> "No answer";
            case 21 -> "Rejected";
            case 34, 38, 41, 42 -> "Congestion";
            case 1, 3, 20, 27 -> "Unreachable";
            default -> "Failed";
        };
    }

    static String dialStatus(String status) {
        if (status == null) {
            return "Failed";
        }
        return switch (status.toUpperCase(java.util.Locale.ROOT)) {
            case "BUSY" -> "Busy";
            case "NOANSWER" -> "No answer";
            case "CONGESTION" -> "Congestion";
            case "CHANUNAVAIL" -> "Unreachable";
            case "CANCEL" -> "Cancelled";
            default -> "Failed: " + status;
        };
    }
}
