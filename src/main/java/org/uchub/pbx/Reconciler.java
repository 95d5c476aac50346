package org.uchub.pbx;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.asteriskjava.manager.ResponseEvents;
import org.asteriskjava.manager.action.ConfbridgeListAction;
import org.asteriskjava.manager.action.CoreShowChannelsAction;
import org.asteriskjava.manager.action.HangupAction;
import org.asteriskjava.manager.event.ConfbridgeListEvent;
import org.asteriskjava.manager.event.CoreShowChannelEvent;
import org.asteriskjava.manager.event.ResponseEvent;
import org.asteriskjava.manager.response.ManagerError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.uchub.sessionlog.ChannelProgress;
import org.uchub.sessionlog.ChannelProgress.Party;
import org.uchub.sessionlog.ChannelProgress.Running;
import org.uchub.sessionlog.SessionUpdate;

/**
 * Once the PBX is ready after every (re)login: events sent while the hub was not connected
 * are gone, so the hub asks the PBX what still runs (CoreShowChannels, ConfbridgeList per
 * open conference) and writes down what changed meanwhile: who is in a room, who left, which
 * calls and conferences are over. The updates are ordinary ones, so what the log already
 * knows is not written twice. A reconciliation the PBX could not answer (a list too slow for
 * its time, a refusal) is tried again later, with more time for each list, for as long as the
 * connection lasts: given up, the hang-ups it would have found would wait for the next
 * reconnect.
 */
public class Reconciler {
    private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);
    private static final String WHILE_AWAY = " while the hub was not connected to the PBX (noticed on reconnecting)";
    private static final String UNHEARD = " without the PBX's news of it reaching the hub (noticed by the routine check)";
    /** The wait before the first retry, doubled for each later one up to {@link #MOST_MS}. */
    static final long FIRST_RETRY_MS = 1_000;
    /** The longest wait between tries, and the most time a list is given (unless the response timeout is longer). */
    static final long MOST_MS = 60_000;

    private final PbxConnection pbx;
    private final ChannelProgress progress;
    /**
     * What the last routine check found wrong, by party (or session end), with the state the log
     * had then. A routine check acts only on what the one before it found too, unchanged: news
     * of a party that is only queued behind the check (its call ended as the lists were read)
     * has been recorded by then, and a party dialled by another instance has rung. Read and
     * replaced only by the one consumer of the PBX's events.
     */
    private volatile Map<String, String> suspects = Map.of();

    public Reconciler(PbxConnection pbx, ChannelProgress progress) {
        this.pbx = pbx;
        this.progress = progress;
    }

    /** The updates the PBX's answers call for; none when it could not answer, and then it is asked again later. */
    public List<SessionUpdate> reconcile(PbxReady ready) {
        if (ready.routine()) {
            pbx.routineDone();
        }
        try {
            return compare(ready, listTimeoutMs(ready.attempt()));
        } catch (PbxUnavailableException e) {
            if (ready.routine()) {
                // The next routine check is the retry: chains of retries would pile up on the event stream.
                LOG.warn("PBX routine reconciliation failed: {}; the next one is due in its interval", e.getMessage());
                return List.of();
            }
            long wait = retryInMs(ready.attempt());
            LOG.warn("PBX reconciliation after {} failed (try {}): {}; trying again in {} ms, each list given {} ms",
                    what(ready), ready.attempt() + 1, e.getMessage(), wait, listTimeoutMs(ready.attempt() + 1));
            pbx.reconcileAgain(ready, wait);
            return List.of();
        }
    }

    private static String what(PbxReady ready) {
        return ready.routine() ? "the routine interval" : ready.first() ? "connecting" : "reconnecting";
    }

    static long retryInMs(int attempt) {
        return Math.min(MOST_MS, FIRST_RETRY_MS << Math.min(attempt, 20));
    }

    /** A list that took longer than the response timeout may just be long: each retry gives it twice the time. */
    long listTimeoutMs(int attempt) {
        long base = pbx.settings().responseTimeoutMs();
        return Math.min(Math.max(base, MOST_MS), base << Math.min(attempt, 20));
    }

    private List<SessionUpdate> compare(PbxReady ready, long listTimeoutMs) {
        if (!ready.routine()) {
            // What the last routine check suspected was seen on another connection, before a gap.
            suspects = Map.of();
        }
        String away = ready.routine() ? UNHEARD : WHILE_AWAY;
        List<SessionUpdate> out = new ArrayList<>();
        List<Running> sessions = new ArrayList<>();
        sessions.addAll(progress.open("conference", ChannelProgress.DIALLING, ChannelProgress.ACTIVE));
        sessions.addAll(progress.open("call", ChannelProgress.DIALLING, ChannelProgress.ACTIVE));
        Map<String, Set<Long>> live = new HashMap<>();
        ResponseEvents channels = pbx.list(new CoreShowChannelsAction(), listTimeoutMs);
        if (channels.getResponse() instanceof ManagerError refused) {
            // Read as "no channels", it would end every open session.
            throw new PbxUnavailableException("The PBX refused CoreShowChannels: " + refused.getMessage(), null);
        }
        hangUpWhatOutlivedItsSession(channels);
        if (sessions.isEmpty()) {
            return out;
        }
        for (ResponseEvent e : channels.getEvents()) {
            if (e instanceof CoreShowChannelEvent c) {
                HubChannelId.parse(c.getUniqueid()).ifPresent(id -> live.computeIfAbsent(id.sessionId(), k -> new HashSet<>()).add(id.participantId()));
                // A channel sharing the call's Linkedid is its second party's, unless it is the other
                // half of a Local dial template (which belongs to the call's own channel).
                HubChannelId.parse(c.getLinkedid()).filter(id -> id.calleeParticipantId() != null && !c.getUniqueid().equals(c.getLinkedid())
                        && (c.getChannel() == null || !c.getChannel().regionMatches(true, 0, "Local/", 0, 6)))
                        .ifPresent(id -> live.computeIfAbsent(id.sessionId(), k -> new HashSet<>()).add(id.calleeParticipantId()));
            }
        }
        // Asked after the channel list: an originate sent while the list was read is among these.
        Map<String, Set<Long>> notYetOnThePbx = new HashMap<>();
        for (HubChannelId id : pbx.notYetOnThePbx(ready.at().minusSeconds(1).toInstant())) {
            notYetOnThePbx.computeIfAbsent(id.sessionId(), k -> new HashSet<>()).add(id.participantId());
        }
        Map<String, String> suspected = new HashMap<>();
        for (Running s : sessions) {
            Set<Long> alive = live.getOrDefault(s.sessionId(), Set.of());
            Set<Long> dialling = notYetOnThePbx.getOrDefault(s.sessionId(), Set.of());
            Set<Long> inRoom = new HashSet<>();
            Set<Long> unmutedInRoom = new HashSet<>();
            boolean roomRuns = false;
            if ("conference".equals(s.channel()) && s.reservedNumber() != null && (!ready.routine() || roomMatters(s, alive))) {
                ResponseEvents members = pbx.list(new ConfbridgeListAction(s.reservedNumber()), listTimeoutMs);
                roomRuns = !(members.getResponse() instanceof ManagerError);
                for (ResponseEvent e : members.getEvents()) {
                    if (e instanceof ConfbridgeListEvent m) {
                        HubChannelId.parse(m.getUniqueid()).ifPresent(id -> {
                            inRoom.add(id.participantId());
                            if ("No".equalsIgnoreCase(m.getMuted())) {
                                unmutedInRoom.add(id.participantId());
                            }
                        });
                    }
                }
            }
            for (Party p : s.parties()) {
                // Before the look at what changed lately: a change the PBX could not take just before it
                // came back has no one else to carry it out, and doing it twice does no harm.
                if (ChannelProgress.REMOVED.equals(p.state()) && (inRoom.contains(p.id()) || alive.contains(p.id()))) {
                    // Removed while the PBX was away (or it never answered the kick): in the room, or still ringing.
                    found(ready, s.sessionId() + "/" + p.id() + "/removed", "removed@" + p.updatedAt(), SessionUpdate.outlived(s.sessionId(),
                            s.reservedNumber(), p.id(), "pbx", "removed in the log, still on the PBX"), out, suspected);
                    continue;
                }
                if (p.muted() && ChannelProgress.JOINED.equals(p.state()) && unmutedInRoom.contains(p.id())) {
                    // Muted in the log while the PBX was away, or it never answered the mute.
                    found(ready, s.sessionId() + "/" + p.id() + "/mute", "muted@" + p.updatedAt(), SessionUpdate.muteDiffers(s.sessionId(),
                            s.reservedNumber(), p.id(), "pbx", "the mute had not reached the PBX"), out, suspected);
                }
                if (p.updatedAt() != null && p.updatedAt().isAfter(ready.at().minusSeconds(1))) {
                    // Changed since the PBX became ready: its events are flowing and still queued behind this check.
                    continue;
                }
                if (dialling.contains(p.id())) {
                    // Its originate waits for the pacer (a burst, or the PBX was away) or has only just gone out.
                    continue;
                }
                SessionUpdate found = null;
                if (inRoom.contains(p.id())) {
                    found = ChannelProgress.JOINED.equals(p.state()) ? null : SessionUpdate.participant(s.sessionId(), p.id(),
                            ChannelProgress.JOINED, "PARTICIPANT_JOINED", "pbx", "In conference " + s.reservedNumber() + " (joined" + away + ")");
                } else if (!alive.contains(p.id())) {
                    if (ChannelProgress.JOINED.equals(p.state())) {
                        found = SessionUpdate.participant(s.sessionId(), p.id(), ChannelProgress.LEFT, "PARTICIPANT_LEFT", "pbx",
                                "Left" + away);
                    } else if (ChannelProgress.INVITED.equals(p.state()) || ChannelProgress.RINGING.equals(p.state())) {
                        found = SessionUpdate.participant(s.sessionId(), p.id(), ChannelProgress.FAILED, "PARTICIPANT_FAILED", "pbx",
                                "The call ended without an outcome" + away);
                    }
                }
                if (found != null) {
                    found(ready, s.sessionId() + "/" + p.id(), p.state() + "@" + p.updatedAt(), found, out, suspected);
                }
            }
            boolean recent = s.parties().stream().anyMatch(p -> p.updatedAt() != null && p.updatedAt().isAfter(ready.at().minusSeconds(1)));
            // A session still dialling ends too: with nothing of it left on the PBX, a call whose
            // first party never answered would otherwise wait for ever for a second party
            // nobody will dial, and a conference for a room that is gone.
            if (alive.isEmpty() && !roomRuns && !recent && dialling.isEmpty()) {
                found(ready, s.sessionId() + "/end", s.state() + s.parties().stream().map(p -> p.state() + "@" + p.updatedAt()).toList(),
                        SessionUpdate.ends(s.sessionId(), null, "pbx", ("conference".equals(s.channel()) ? "Conference "
                                + s.reservedNumber() : "The call") + " ended" + away), out, suspected);
            }
        }
        if (ready.routine()) {
            suspects = suspected;
        }
        LOG.info("PBX reconciliation after {}{}: {} open session(s) checked, {} update(s)", what(ready),
                ready.attempt() == 0 ? "" : " (try " + (ready.attempt() + 1) + ")", sessions.size(), out.size());
        return out;
    }

    /**
     * After a login, what the lists show is news; at a routine check, only what the check
     * before found too, the log unchanged since ({@link #suspects}).
     */
    private void found(PbxReady ready, String key, String logHad, SessionUpdate update, List<SessionUpdate> out,
            Map<String, String> suspected) {
        if (!ready.routine() || logHad.equals(suspects.get(key))) {
            out.add(update);
        } else {
            suspected.put(key, logHad);
        }
    }

    /**
     * Whether a routine check needs the room's member list: not for a conference whose every
     * party still being reached or in it has its channel up and is JOINED (the usual running
     * conference), which spares the PBX a ConfbridgeList per conference every interval.
     */
    private static boolean roomMatters(Running s, Set<Long> alive) {
        if (alive.isEmpty()) {
            return true;
        }
        for (Party p : s.parties()) {
            if (ChannelProgress.INVITED.equals(p.state()) || ChannelProgress.RINGING.equals(p.state())
                    || ChannelProgress.JOINED.equals(p.state()) && !alive.contains(p.id())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Channels the hub created for a session that is over by now (it was ended while the PBX
     * could not be told) are hung up, so nobody stays in a conference the log calls ended.
     */
    private void hangUpWhatOutlivedItsSession(ResponseEvents channels) {
        Map<String, Boolean> over = new HashMap<>();
        for (ResponseEvent e : channels.getEvents()) {
            if (e instanceof CoreShowChannelEvent c) {
                HubChannelId.parse(c.getUniqueid()).or(() -> HubChannelId.parse(c.getLinkedid())).ifPresent(id -> {
                    boolean ended = over.computeIfAbsent(id.sessionId(), sid -> progress.running(sid)
                            .map(s -> ChannelProgress.FAILED.equals(s.state()) || "ENDED".equals(s.state())).orElse(false));
                    if (ended) {
                        LOG.info("Hanging up {}: its session {} is over", c.getChannel(), id.sessionId());
                        pbx.send(new HangupAction(c.getChannel(), 16));
                    }
                });
            }
        }
    }
}
