package org.uchub.pbx;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.asteriskjava.manager.ResponseEvents;
import org.asteriskjava.manager.action.ConfbridgeKickAction;
import org.asteriskjava.manager.action.ConfbridgeListAction;
import org.asteriskjava.manager.action.ConfbridgeMuteAction;
import org.asteriskjava.manager.action.ConfbridgeStartRecordAction;
import org.asteriskjava.manager.action.ConfbridgeStopRecordAction;
import org.asteriskjava.manager.action.ConfbridgeUnmuteAction;
import org.asteriskjava.manager.action.OriginateAction;
import org.asteriskjava.manager.event.ConfbridgeListEvent;
import org.asteriskjava.manager.event.ResponseEvent;
import org.asteriskjava.manager.response.ManagerError;
import org.asteriskjava.manager.response.ManagerResponse;
import org.uchub.contract.ReplyStatus;
import org.uchub.request.HubRequest;
import org.uchub.request.ResolvedParticipant;
import org.uchub.sessionlog.ChannelProgress;
import org.uchub.sessionlog.ChannelProgress.Party;
import org.uchub.sessionlog.ChannelProgress.Running;
import org.uchub.sessionlog.SessionUpdate;

/**
 * Conferences on ConfBridge. The reserved number is the room: every participant is
 * originated into the conference context at that extension, with the bridge and user
 * profiles from config (a chair gets the chair profile, {@code video} the video bridge).
 * Recording starts when the room does (ConfBridge cannot record a room that does not exist
 * yet), into a file named after the business ID and session.
 */
public class Conferences {
    /** The news that a room started, as {@link PbxEvents} names it. */
    static final String STARTED = "CONFERENCE_STARTED";
    private final Dialer dialer;
    /** By session: one conference's changes reach the PBX one at a time, in this hub, and other conferences' do not wait. */
    private final java.util.concurrent.ConcurrentHashMap<String, Changing> changing = new java.util.concurrent.ConcurrentHashMap<>();

    public Conferences(Dialer dialer) {
        this.dialer = dialer;
    }

    private PbxSettings settings() {
        return dialer.settings();
    }

    /** StartSession: dial everyone into the room, or keep the session PENDING while the PBX is away. */
    public HubRequest open(HubRequest r) {
        Running s = dialer.progress().running(r.getSessionId()).orElseThrow();
        if (!dialer.pbx().isReady()) {
            dialer.progress().apply(SessionUpdate.session(s.sessionId(), ChannelProgress.PENDING, "PBX_UNAVAILABLE", Dialer.SOURCE,
                    "The PBX is not reachable (" + dialer.pbx().status() + "): the conference waits for it."));
            r.outcome(ReplyStatus.ACCEPTED, "The PBX is not reachable now: conference " + s.reservedNumber()
                    + " is PENDING and is dialled when the PBX is back, or FAILED with PBX_UNAVAILABLE after "
                    + settings().retryGiveUpMs() / 1000 + " s.");
            return r;
        }
        // DIALLING first: a dial that then finds the PBX gone turns it into PENDING, not the other way round.
        dialer.progress().apply(SessionUpdate.session(s.sessionId(), ChannelProgress.DIALLING, "CONFERENCE_DIALLING", Dialer.SOURCE,
                "Dialling " + Dialer.waiting(s).size() + " participant(s) into conference " + s.reservedNumber()));
        dialWaiting(s);
        r.outcome(ReplyStatus.ACCEPTED, "Dialling " + Dialer.waiting(s).size() + " participant(s) into conference "
                + s.reservedNumber() + (s.recordRequested() ? "; it is recorded." : "."));
        return r;
    }

    void dialWaiting(Running s) {
        for (Party p : Dialer.waiting(s)) {
            Map<String, String> vars = dialer.variables(s);
            vars.put("UC_BRIDGE_PROFILE", s.video() ? settings().videoBridgeProfile() : settings().bridgeProfile());
            vars.put("UC_USER_PROFILE", "chair".equals(p.role()) ? settings().chairProfile() : settings().userProfile());
            OriginateAction a = dialer.originate(new HubChannelId(s.sessionId(), p.id(), null), p.address(),
                    settings().conferenceContext(), s.reservedNumber(), vars);
            dialer.dial(s, p, a, "Dialling " + p.address() + " into conference " + s.reservedNumber() + " (" + a.getChannel() + ")");
        }
    }

    /**
     * ModifySession: dial the added ones in and tell the room, kick the removed, mute and unmute.
     * What reaches the PBX is what the log holds once this change is in it, read under a lock
     * per session: two changes of one conference that arrive together (by two ingresses, or
     * two SOAP calls) are recorded in one order but could reach this step in the other, and the
     * room must end as the log says (unmuted after "mute" then "unmute"; a participant removed
     * and added again stays in), not as the slower request asked.
     */
    public HubRequest change(HubRequest r) {
        return oneAtATime(r.getSessionId(), () -> changeNow(r));
    }

    private <T> T oneAtATime(String sessionId, java.util.function.Supplier<T> step) {
        Changing lock = changing.compute(sessionId, (id, held) -> held == null ? new Changing() : held.oneMore());
        lock.lock.lock();
        try {
            return step.get();
        } finally {
            lock.lock.unlock();
            changing.computeIfPresent(sessionId, (id, held) -> held.oneLess());
        }
    }

    /** A session's lock and how many changes hold or wait for it: dropped with the last. */
    private static final class Changing {
        final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();
        int users = 1;

        Changing oneMore() {
            users++;
            return this;
        }

        Changing oneLess() {
            return --users == 0 ? null : this;
        }
    }

    private HubRequest changeNow(HubRequest r) {
        Running s = dialer.progress().running(r.getSessionId()).orElseThrow();
        List<String> notes = new ArrayList<>();
        List<Party> added = Dialer.waiting(s);
        if (!dialer.pbx().isReady()) {
            r.outcome(ReplyStatus.ACCEPTED, "Recorded, but the PBX is not reachable now: when it is back, added participants are"
                    + " dialled, removed ones hung up and mutes applied; an unmute is not carried out (send it again then).");
            dialer.progress().apply(SessionUpdate.session(s.sessionId(), null, "PBX_UNAVAILABLE", Dialer.SOURCE,
                    "The PBX is not reachable: this change waits for it."));
            return r;
        }
        try {
            if (!added.isEmpty()) {
                dialWaiting(s);
                notes.add("dialling " + added.size() + " more");
                announce(s);
            }
            List<ConfbridgeListEvent> members = members(s.reservedNumber());
            for (ResolvedParticipant who : r.getRemoved()) {
                remove(s, who, members, notes);
            }
            List<ResolvedParticipant> muting = new ArrayList<>(r.getMuted());
            muting.addAll(r.getUnmuted());
            for (ResolvedParticipant p : muting) {
                mute(s, p, r.getMuted().contains(p), members, notes);
            }
        } catch (PbxUnavailableException e) {
            // The change is in the log already: the caller hears what was and was not carried out.
            notes.add("the PBX stopped answering, the rest was not carried out (" + e.getMessage() + ")");
            dialer.progress().apply(SessionUpdate.session(s.sessionId(), null, "PBX_UNAVAILABLE", Dialer.SOURCE,
                    "The change was recorded but not all of it reached the PBX: " + e.getMessage()));
        }
        r.outcome(ReplyStatus.ACCEPTED, "Conference " + s.reservedNumber() + ": " + (notes.isEmpty() ? "changed" : String.join("; ", notes)) + ".");
        return r;
    }

    /**
     * Out of the room if in it; else whoever still rings for it is hung up, by the id the hub
     * preset. Only the participant's removed entries: one added again since has an entry of its own.
     */
    private void remove(Running s, ResolvedParticipant who, List<ConfbridgeListEvent> members, List<String> notes) {
        for (Party removed : entriesOf(s, who, p -> p.state().equals(ChannelProgress.REMOVED))) {
            long id = removed.id();
            List<String> channels = inRoom(id, members);
            for (String channel : channels) {
                ManagerResponse resp = dialer.pbx().send(new ConfbridgeKickAction(s.reservedNumber(), channel));
                notes.add(resp instanceof ManagerError ? "could not remove " + who.address() + ": " + resp.getMessage()
                        : "removed " + who.address());
            }
            // Not in the room: still ringing, never dialled, or gone already; the log has it removed either way.
            if (channels.isEmpty() && dialer.hangUpOwn(new HubChannelId(s.sessionId(), id, null))) {
                notes.add("removed " + who.address() + " (hung up while ringing)");
            }
        }
    }

    /** Mutes or unmutes the participant in the room as the log now has it, whatever this request asked. */
    private void mute(Running s, ResolvedParticipant who, boolean asked, List<ConfbridgeListEvent> members, List<String> notes) {
        List<Party> present = entriesOf(s, who, Party::isActive);
        if (present.isEmpty()) {
            notes.add(who.address() + " is no longer in the conference: " + (asked ? "mute" : "unmute") + " not applied");
        }
        for (Party p : present) {
            String verb = p.muted() ? "mute" : "unmute";
            String later = p.muted() == asked ? "" : " (as the log now has it)";
            List<String> channels = inRoom(p.id(), members);
            if (channels.isEmpty()) {
                notes.add(p.address() + " is not in the room yet: " + (p.muted() ? "muted when they join" : "joins unmuted"));
            }
            for (String channel : channels) {
                ManagerResponse resp = dialer.pbx().send(p.muted() ? new ConfbridgeMuteAction(s.reservedNumber(), channel)
                        : new ConfbridgeUnmuteAction(s.reservedNumber(), channel));
                notes.add(resp instanceof ManagerError ? "could not " + verb + " " + p.address() + ": " + resp.getMessage()
                        : verb + "d " + p.address() + later);
            }
        }
    }

    /**
     * A participant's mute, set in the room as the log has it, on news that they joined muted
     * in the log or that the room shows them unmuted though the log has them muted
     * ({@link SessionUpdate#muteDiffers}): a mute recorded while they rang, or while the PBX was
     * away, is carried out now. Read again under the session's change lock, so a ModifySession's
     * step in between is not undone (the PBX's event stream waits for that step meanwhile; only
     * a muted participant's news comes here). Only ever mutes: a participant the room has muted
     * and the log does not may have muted themselves (where a ConfBridge user menu lets them),
     * and is left so.
     */
    public void applyLoggedMute(SessionUpdate news) {
        oneAtATime(news.sessionId(), () -> {
            Running s = dialer.progress().running(news.sessionId()).orElse(null);
            Party p = s == null ? null : s.parties().stream().filter(x -> x.id() == news.participantId()).findFirst().orElse(null);
            if (p == null || !p.muted() || !ChannelProgress.JOINED.equals(p.state()) || s.reservedNumber() == null) {
                return null;
            }
            try {
                for (ConfbridgeListEvent m : members(s.reservedNumber())) {
                    if (!isOf(p.id(), m) || "Yes".equalsIgnoreCase(m.getMuted())) {
                        continue;
                    }
                    ManagerResponse resp = dialer.pbx().send(new ConfbridgeMuteAction(s.reservedNumber(), m.getChannel()));
                    dialer.progress().apply(resp instanceof ManagerError
                            ? SessionUpdate.session(s.sessionId(), null, "MUTE_NOT_APPLIED", Dialer.SOURCE, "ConfBridge would not mute "
                                    + p.address() + " in conference " + s.reservedNumber() + ": " + resp.getMessage())
                            : SessionUpdate.session(s.sessionId(), null, "MUTE_APPLIED", Dialer.SOURCE, "Muted " + p.address()
                                    + " in conference " + s.reservedNumber() + " as the log has it (" + news.detail() + ")"));
                }
            } catch (PbxUnavailableException e) {
                dialer.progress().apply(SessionUpdate.session(s.sessionId(), null, "MUTE_NOT_APPLIED", Dialer.SOURCE, p.address()
                        + " is muted in the log but could not be muted in conference " + s.reservedNumber() + " (" + e.getMessage()
                        + "); the reconciliation after the PBX's return does it"));
            }
            return null;
        });
    }

    /** An announcement played into the room, through a Local channel that joins, plays and leaves. */
    private void announce(Running s) {
        if (settings().announcement().isBlank() || members(s.reservedNumber()).isEmpty()) {
            return;
        }
        OriginateAction a = new OriginateAction();
        a.setChannel("Local/" + s.reservedNumber() + "@" + settings().conferenceContext());
        a.setApplication("Playback");
        a.setData(settings().announcement());
        a.setCallerId(settings().callerId());
        a.setAsync(true);
        Map<String, String> vars = dialer.variables(s);
        vars.put("UC_BRIDGE_PROFILE", s.video() ? settings().videoBridgeProfile() : settings().bridgeProfile());
        vars.put("UC_USER_PROFILE", settings().userProfile());
        a.setVariables(vars);
        dialer.pbx().originate(a, result -> dialer.progress().apply(SessionUpdate.session(s.sessionId(), null,
                result.queued() ? "PARTICIPANTS_NOTIFIED" : "NOTIFICATION_FAILED", Dialer.SOURCE,
                result.queued() ? "Announcement " + settings().announcement() + " played into conference " + s.reservedNumber()
                        : "The announcement could not be played: " + result.message())));
    }

    /** EndSession, after the log closed the session: stop the recording, then everyone out. */
    public HubRequest close(HubRequest r) {
        dialer.pbx().withdraw(r.getSessionId());
        Running s = dialer.progress().running(r.getSessionId()).orElseThrow();
        if (s.reservedNumber() == null) {
            return r;
        }
        try {
            if (dialer.progress().numberHeldByAnother(s.reservedNumber(), s.sessionId())) {
                // An end delivered again after the log had released the number, which another
                // conference holds by now: its room, its recording and its people are not ours.
                dialer.hangUpParties(s);
                r.outcome(ReplyStatus.OK, "Session ended. Conference " + s.reservedNumber() + " is another session's by now:"
                        + " only this session's participants were hung up.");
                return r;
            }
            if (s.recordingRef() != null) {
                ManagerResponse stop = dialer.pbx().send(new ConfbridgeStopRecordAction(s.reservedNumber()));
                if (!(stop instanceof ManagerError)) {
                    dialer.progress().apply(SessionUpdate.recording(s.sessionId(), "RECORDING_AVAILABLE", Dialer.SOURCE, null,
                            s.recordingRef()));
                }
            }
            dialer.pbx().send(new ConfbridgeKickAction(s.reservedNumber(), "all"));
            // The kick empties the room; whoever still rings is in no room to kick.
            dialer.hangUpParties(s);
            r.outcome(ReplyStatus.OK, "Conference " + s.reservedNumber() + " ended: everyone was hung up.");
        } catch (PbxUnavailableException e) {
            dialer.progress().apply(SessionUpdate.session(s.sessionId(), null, "PBX_UNAVAILABLE", Dialer.SOURCE,
                    "Ended in the log, but the PBX could not be told: " + e.getMessage()));
            r.outcome(ReplyStatus.OK, "Session ended. The PBX is not reachable: participants still connected there are"
                    + " hung up when the reconciliation after its return finds them.");
        }
        return r;
    }

    /**
     * Of the news just recorded, what the hub acts on: a room that started (to record it if
     * asked), a room's session that ended (to hang up whoever still rings into it), a
     * channel that outlived its participant (to hang it up) and a participant who joined or
     * whose mute the room does not show (to mute them if the log has them muted). Picked
     * here, in one pass, because the PBX reports a dozen pieces of news per call and none of a
     * call's asks for anything: the route splits only what this returns.
     */
    public static List<SessionUpdate> roomFollowUps(List<SessionUpdate> recorded) {
        List<SessionUpdate> out = new ArrayList<>();
        for (SessionUpdate u : recorded) {
            if (u.aboutRoom() && (u.ends() || STARTED.equals(u.eventType()) || u.isOutlived() || u.asksForLoggedMute())) {
                out.add(u);
            }
        }
        return out;
    }

    /**
     * On CONFERENCE_STARTED (its session resolved): ConfBridge can record the room now that it
     * exists. If ConfBridge refuses, or the PBX is gone again meanwhile, the log says
     * RECORDING_FAILED and why.
     */
    public void recordIfAsked(SessionUpdate started) {
        dialer.progress().running(started.sessionId()).filter(s -> s.recordRequested() && s.recordingRef() == null).ifPresent(s -> {
            String file = recordingName(s);
            ConfbridgeStartRecordAction a = new ConfbridgeStartRecordAction(s.reservedNumber());
            a.setRecordFile(settings().recordFile(file));
            ManagerResponse resp;
            try {
                resp = dialer.pbx().send(a);
            } catch (PbxUnavailableException e) {
                dialer.progress().apply(SessionUpdate.session(s.sessionId(), null, "RECORDING_FAILED", Dialer.SOURCE,
                        "Recording could not be started: " + e.getMessage()));
                return;
            }
            if (resp instanceof ManagerError) {
                dialer.progress().apply(SessionUpdate.session(s.sessionId(), null, "RECORDING_FAILED", Dialer.SOURCE,
                        "ConfBridge did not start recording: " + resp.getMessage()));
            } else {
                dialer.progress().apply(SessionUpdate.recording(s.sessionId(), "RECORDING_STARTED", Dialer.SOURCE,
                        "Recording conference " + s.reservedNumber() + " to " + file, file));
            }
        });
    }

    /** The recording's file name: findable from the business ID and session, and safe as a path on any system. */
    static String recordingName(Running s) {
        return (s.tenant() + "_" + s.businessId()).replaceAll("[^A-Za-z0-9._-]", "_") + "_" + s.sessionId() + ".wav";
    }

    /** Sweep: dial conference participants that wait (the PBX came back, or the hub restarted). */
    public int retryPending() {
        return dialer.sweep("conference", false, s -> !Dialer.waiting(s).isEmpty(), s -> {
            dialer.progress().apply(SessionUpdate.session(s.sessionId(), ChannelProgress.DIALLING, "CONFERENCE_DIALLING", Dialer.SOURCE,
                    "The PBX is reachable: dialling the waiting participants into conference " + s.reservedNumber()));
            dialWaiting(s);
        });
    }

    List<ConfbridgeListEvent> members(String room) {
        List<ConfbridgeListEvent> out = new ArrayList<>();
        ResponseEvents list = dialer.pbx().list(new ConfbridgeListAction(room));
        for (ResponseEvent e : list.getEvents()) {
            if (e instanceof ConfbridgeListEvent m) {
                out.add(m);
            }
        }
        return out;
    }

    /** The channels of a participant entry in the room, as ConfBridge names them (its actions take names only). */
    private static List<String> inRoom(long participantId, List<ConfbridgeListEvent> members) {
        List<String> out = new ArrayList<>();
        for (ConfbridgeListEvent m : members) {
            if (isOf(participantId, m)) {
                out.add(m.getChannel());
            }
        }
        return out;
    }

    /** Whether a member of the room is a channel the hub made for this participant entry. */
    private static boolean isOf(long participantId, ConfbridgeListEvent member) {
        return HubChannelId.parse(member.getUniqueid()).filter(id -> id.participantId() == participantId).isPresent();
    }

    /** The session's entries of this participant (by the address they were added with) that {@code which} picks. */
    private static List<Party> entriesOf(Running s, ResolvedParticipant who, java.util.function.Predicate<Party> which) {
        return s.parties().stream()
                .filter(p -> p.addressType().equals(who.addressType().value()) && p.address().equalsIgnoreCase(who.address()))
                .filter(which).toList();
    }
}
