package org.uchub.pbx;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.asteriskjava.manager.action.HangupAction;
import org.asteriskjava.manager.action.OriginateAction;
import org.asteriskjava.manager.response.ManagerError;
import org.asteriskjava.manager.response.ManagerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.uchub.sessionlog.ChannelProgress;
import org.uchub.sessionlog.ChannelProgress.Party;
import org.uchub.sessionlog.ChannelProgress.Running;
import org.uchub.sessionlog.SessionLog;
import org.uchub.sessionlog.SessionUpdate;

/**
 * Places the hub's originates and keeps every session that could not be placed: a
 * participant is dialled once the PBX has queued its Originate (then it is INVITED); while
 * the PBX is unreachable, or still booting, the session waits as PENDING and is dialled when
 * it is ready, until {@code pbx.retry.give-up-ms} after the request, when it FAILS with
 * PBX_UNAVAILABLE. A participant still REQUESTED after a restart of the hub is dialled by the
 * same sweep.
 */
public class Dialer {
    private static final Logger LOG = LoggerFactory.getLogger(Dialer.class);
    static final String SOURCE = "pbx";

    /** Most claims a sweep queues before it waits for them. */
    private static final int SWEEP_CLAIMS = 64;

    private final PbxConnection pbx;
    private final ChannelProgress progress;
    /** Claims queued in the session log and not yet committed. */
    private final Set<CompletableFuture<Boolean>> claims = ConcurrentHashMap.newKeySet();

    public Dialer(PbxConnection pbx, ChannelProgress progress) {
        this.pbx = pbx;
        this.progress = progress;
    }

    PbxSettings settings() {
        return pbx.settings();
    }

    PbxConnection pbx() {
        return pbx;
    }

    ChannelProgress progress() {
        return progress;
    }

    /** The variables on every channel the hub creates, so Asterisk's own logs and CDRs name the case. */
    Map<String, String> variables(Running s) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("UC_BUSINESS_ID", s.businessId());
        v.put("UC_SESSION_ID", s.sessionId());
        return v;
    }

    OriginateAction originate(HubChannelId id, String number, String context, String exten, Map<String, String> variables) {
        OriginateAction a = new OriginateAction();
        a.setChannel(settings().dialString(number));
        a.setContext(context);
        a.setExten(exten);
        a.setPriority(1);
        a.setCallerId(settings().callerId());
        a.setTimeout((long) settings().ringTimeoutSeconds() * 1000);
        a.setAsync(true);
        a.setChannelId(id.toString());
        a.setActionId(id.toString());
        a.setVariables(variables);
        return a;
    }

    /**
     * Claims the participant (REQUESTED becomes INVITED, once) and queues its originate.
     * When the originate never reaches the PBX the participant waits again and the session
     * is PENDING; when the PBX refuses it, the participant FAILS with the PBX's words.
     */
    void dial(Running s, Party p, OriginateAction action, String what) {
        dial(s, p, action, what, null);
    }

    /**
     * {@link #dial}, recording {@code first} with the claim (see {@link ChannelProgress#claimAsync}).
     * The caller does not wait for the claim's commit: a request's reply, written after it,
     * commits with it or after it, so a request waits for one commit less (for a conference,
     * one per participant). A start is answered at its reply's commit, possibly before the
     * claim is in the file; a crash then leaves the participant REQUESTED and the retry sweep
     * dials it. The originate is queued only once the claim is in the file, so no
     * participant is dialled on a claim the log could still lose; a claim that fails leaves
     * the participant waiting, and the retry sweep dials it.
     */
    void dial(Running s, Party p, OriginateAction action, String what, SessionUpdate first) {
        // Refused here, before the claim, so that a value the adapter would not send fails the
        // request that carried it instead of a callback nobody waits for; the participant fails
        // with it, so that the retry sweep does not try it again and again.
        try {
            AmiGuard.check(action);
        } catch (PbxValueRefusedException e) {
            progress.apply(SessionUpdate.participant(s.sessionId(), p.id(), ChannelProgress.FAILED, "PARTICIPANT_FAILED", SOURCE,
                    "Not dialled: " + e.getMessage()));
            throw e;
        }
        CompletableFuture<Boolean> claim = progress.claimAsync(s.sessionId(), p.id(), SOURCE, what, first);
        claims.add(claim);
        claim.whenComplete((claimed, failure) -> {
            claims.remove(claim);
            if (failure != null) {
                LOG.warn("Participant {} of session {} could not be claimed for dialling ({}); unless the claim committed"
                        + " after all, the retry sweep dials it", p.id(), s.sessionId(), failure.toString());
            } else if (claimed) {
                originate(s, p, action);
            }
        });
    }

    /**
     * Waits, within the response timeout, for the claims queued so far: a sweep that finds
     * thousands of sessions waiting (the PBX back after an outage) must not queue thousands
     * of claims ahead of every request, nor queue them again on its next round.
     */
    private void awaitClaims() {
        CompletableFuture<?>[] queued = claims.toArray(new CompletableFuture<?>[0]);
        try {
            CompletableFuture.allOf(queued).get(settings().responseTimeoutMs(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            // each failed claim is logged where it completes
        } catch (TimeoutException e) {
            LOG.warn("{} claims still queued in the session log after {} ms", claims.size(), settings().responseTimeoutMs());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void originate(Running s, Party p, OriginateAction action) {
        pbx.originate(action, result -> {
            if (result.unavailable()) {
                progress.unclaim(s.sessionId(), p.id(), SOURCE, result.message() + " The session waits for the PBX.");
            } else if (result.unanswered()) {
                progress.apply(SessionUpdate.session(s.sessionId(), null, "PBX_NO_ANSWER", SOURCE, "The PBX did not answer the originate"
                        + " for " + p.address() + " in time (" + result.message() + "); its events, or the reconciliation after a"
                        + " reconnect, tell what became of it."));
            } else if (!result.queued()) {
                progress.apply(SessionUpdate.participant(s.sessionId(), p.id(), ChannelProgress.FAILED, "PARTICIPANT_FAILED",
                        SOURCE, "The PBX refused the originate: " + result.message()));
                if (HubChannelId.parse(action.getChannelId()).map(id -> id.calleeParticipantId() != null).orElse(false)) {
                    progress.apply(SessionUpdate.ends(s.sessionId(), null, SOURCE, "The call could not be placed: the PBX refused it."));
                }
            }
        });
    }

    /** Parties that still wait to be dialled. */
    static List<Party> waiting(Running s) {
        List<Party> out = new ArrayList<>();
        for (Party p : s.parties()) {
            if (SessionLog.P_REQUESTED.equals(p.state()) && "number".equals(p.addressType())) {
                out.add(p);
            }
        }
        return out;
    }

    /**
     * One sweep over the open sessions of a channel: gives up on those PENDING too long, and
     * dials what waits when the PBX is ready ({@code firstPartyOnly}: see
     * {@link ChannelProgress#waiting}). Returns how many sessions it touched.
     */
    int sweep(String channel, boolean firstPartyOnly, java.util.function.Predicate<Running> waits,
            java.util.function.Consumer<Running> redial) {
        int touched = 0;
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        for (Running s : progress.waiting(channel, firstPartyOnly)) {
            Duration age = ChannelProgress.age(s, now);
            if (ChannelProgress.PENDING.equals(s.state()) && age.toMillis() > settings().retryGiveUpMs()) {
                progress.fail(s.sessionId(), SOURCE, "PBX_UNAVAILABLE: the PBX stayed unreachable for "
                        + settings().retryGiveUpMs() / 1000 + " s after the request (" + pbx.status() + ").");
                touched++;
            } else if (SessionLog.STATE_REQUESTED.equals(s.state()) && age.toMillis() > settings().retryGiveUpMs()) {
                // Never dialled, and no longer wanted at this hour: the hub was stopped (or its
                // claim lost) and is only now back. A call placed that late would surprise everyone.
                progress.fail(s.sessionId(), SOURCE, "NOT_DIALLED: nothing was dialled within "
                        + settings().retryGiveUpMs() / 1000 + " s of the request (the hub was not running meanwhile); it is not"
                        + " dialled this late.");
                touched++;
            } else if (!ChannelProgress.PENDING.equals(s.state()) && age.toMillis() < settings().responseTimeoutMs()) {
                // Its own request is dialling it right now. The claim would stop a second dial
                // anyway; skipping it spares the session log a write per new session under load.
                continue;
            } else if (pbx.isReady() && waits.test(s)) {
                LOG.info("Dialling the waiting participants of {} session {}", channel, s.sessionId());
                try {
                    redial.accept(s);
                } catch (RuntimeException e) {
                    // One session that cannot be dialled must not keep the sweep from the others.
                    LOG.warn("The waiting participants of {} session {} could not be dialled: {}", channel, s.sessionId(), e.toString());
                }
                touched++;
                if (claims.size() >= SWEEP_CLAIMS) {
                    awaitClaims();
                }
            }
        }
        awaitClaims();
        return touched;
    }

    /**
     * Hangs up a channel the hub originated, by the id it preset on it. Asterisk's Hangup looks
     * a channel up by name and then by uniqueid (ast_channel_get_by_name), so no listing of
     * the PBX's channels is needed: a PBX carrying thousands of calls would send them all for
     * every session that ends. Hanging up the originated channel takes what it dialled along
     * (Dial() cancels or ends its other leg). False when the PBX has no such channel, which is
     * the usual answer once the party has left, or refused.
     */
    boolean hangUpOwn(HubChannelId id) {
        ManagerResponse r = pbx.send(new HangupAction(id.toString(), 16));
        if (r instanceof ManagerError && !"No such channel".equalsIgnoreCase(String.valueOf(r.getMessage()).trim())) {
            LOG.warn("The PBX refused to hang up {}: {}", id, r.getMessage());
        }
        return !(r instanceof ManagerError);
    }

    /**
     * Hangs up the channels the hub gave a conference's parties, one per number it dialled (a
     * party still REQUESTED was never dialled), and drops their originates still waiting. Not
     * only the parties the log has as active: a session's end marks the rest LEFT or FAILED in
     * the same transaction, before the PBX is told.
     */
    void hangUpParties(Running s) {
        pbx.withdraw(s.sessionId());
        for (Party p : s.parties()) {
            if ("number".equals(p.addressType()) && !SessionLog.P_REQUESTED.equals(p.state())) {
                hangUpOwn(new HubChannelId(s.sessionId(), p.id(), null));
            }
        }
    }

    /**
     * A conference's channel rings or joins though its participant is done: hung up, so that
     * nobody ends up in a room that is over, or that is by now the next session's.
     */
    public void hangUpOutlived(SessionUpdate outlived) {
        LOG.info("Hanging up the channel of participant {} of session {}: {}, and the log has it done", outlived.participantId(),
                outlived.sessionId(), outlived.detail());
        try {
            hangUpOwn(new HubChannelId(outlived.sessionId(), outlived.participantId(), null));
        } catch (PbxUnavailableException e) {
            LOG.warn("The channel of participant {} of session {} could not be hung up: {}", outlived.participantId(),
                    outlived.sessionId(), e.getMessage());
        }
    }

    /**
     * After the PBX ended a conference's session (whoever ended it): whoever of it is still
     * ringing is hung up, so that nobody answers into a room that is over. Takes the update as
     * recorded, which carries the session's reserved number ({@link SessionUpdate#about});
     * anything else, a call's end included, is left alone.
     */
    public void hangUpLeftovers(SessionUpdate ended) {
        // A call leaves nothing behind: Asterisk's Dial() hangs up the other leg when one leaves,
        // and a failed originate made no channel.
        if (!ended.aboutRoom()) {
            return;
        }
        try {
            progress.running(ended.sessionId()).ifPresent(this::hangUpParties);
        } catch (PbxUnavailableException e) {
            LOG.warn("Session {} ended, but its remaining channels could not be hung up: {}", ended.sessionId(), e.getMessage());
        }
    }
}
