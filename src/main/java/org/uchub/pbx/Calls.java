package org.uchub.pbx;

import java.util.Map;
import org.asteriskjava.manager.action.OriginateAction;
import org.uchub.contract.ReplyStatus;
import org.uchub.request.HubRequest;
import org.uchub.sessionlog.ChannelProgress;
import org.uchub.sessionlog.ChannelProgress.Party;
import org.uchub.sessionlog.ChannelProgress.Running;
import org.uchub.sessionlog.SessionLog;
import org.uchub.sessionlog.SessionUpdate;

/**
 * Two-party calls: one asynchronous Originate dials the first party and, once answered,
 * the call context dials the second ({@code UC_DIAL_TO}). The preset channel id names both
 * participants, so the events of the second party's channel, whose Linkedid it is, find
 * their participant too.
 */
public class Calls {
    private final Dialer dialer;

    public Calls(Dialer dialer) {
        this.dialer = dialer;
    }

    public HubRequest place(HubRequest r) {
        Running s = dialer.progress().running(r.getSessionId()).orElseThrow();
        if (!dialer.pbx().isReady()) {
            dialer.progress().apply(SessionUpdate.session(s.sessionId(), ChannelProgress.PENDING, "PBX_UNAVAILABLE", Dialer.SOURCE,
                    "The PBX is not reachable (" + dialer.pbx().status() + "): the call waits for it."));
            r.outcome(ReplyStatus.ACCEPTED, "The PBX is not reachable now: the call is PENDING and is placed when the PBX is back,"
                    + " or FAILED with PBX_UNAVAILABLE after " + dialer.settings().retryGiveUpMs() / 1000 + " s.");
            return r;
        }
        dialCall(s);
        r.outcome(ReplyStatus.ACCEPTED, "Calling " + s.parties().get(0).address() + ", then " + s.parties().get(1).address() + ".");
        return r;
    }

    private void dialCall(Running s) {
        Party a = s.parties().get(0);
        Party b = s.parties().get(1);
        if (!SessionLog.P_REQUESTED.equals(a.state())) {
            return;
        }
        Map<String, String> vars = dialer.variables(s);
        vars.put("UC_DIAL_TO", dialer.settings().dialString(b.address()));
        // The call context's Dial() rings the second party this long, as the originate rings the first.
        vars.put("UC_RING_TIMEOUT", Integer.toString(dialer.settings().ringTimeoutSeconds()));
        OriginateAction o = dialer.originate(new HubChannelId(s.sessionId(), a.id(), b.id()), a.address(), dialer.settings().callContext(),
                b.address(), vars);
        dialer.dial(s, a, o, "Calling " + a.address() + " (" + o.getChannel() + "); " + b.address() + " is dialled when it answers",
                SessionUpdate.session(s.sessionId(), ChannelProgress.DIALLING, "CALL_DIALLING", Dialer.SOURCE, "Calling " + a.address()));
    }

    /** A two-party call has no one to add or mute on the PBX; the change is only recorded. */
    public HubRequest change(HubRequest r) {
        r.outcome(ReplyStatus.ACCEPTED, "Recorded. A two-party call is not changed on the PBX; use a conference to add,"
                + " remove or mute participants.");
        return r;
    }

    /**
     * EndSession, after the log closed the session: hang up whatever of the call still runs.
     * The first party's channel carries the id the hub preset; hanging it up ends the call's
     * Dial() and with it the second party's leg.
     */
    public HubRequest hangUp(HubRequest r) {
        dialer.pbx().withdraw(r.getSessionId());
        try {
            Running s = dialer.progress().running(r.getSessionId()).orElseThrow();
            // The first two parties are the call's; a ModifySession adds rows but dials nobody.
            boolean hungUp = s.parties().size() >= 2
                    && dialer.hangUpOwn(new HubChannelId(s.sessionId(), s.parties().get(0).id(), s.parties().get(1).id()));
            r.outcome(ReplyStatus.OK, hungUp ? "Call ended: hung up." : "Session ended; the call had already ended.");
        } catch (PbxUnavailableException e) {
            dialer.progress().apply(SessionUpdate.session(r.getSessionId(), null, "PBX_UNAVAILABLE", Dialer.SOURCE,
                    "Ended in the log, but the PBX could not be told: " + e.getMessage()));
            r.outcome(ReplyStatus.OK, "Session ended. The PBX is not reachable: the call is hung up when the reconciliation after its"
                    + " return finds it.");
        }
        return r;
    }

    public int retryPending() {
        // Only the first party is dialled by the hub; the second is the PBX's to dial once the first answers.
        return dialer.sweep("call", true, s -> SessionLog.P_REQUESTED.equals(s.parties().get(0).state()), this::dialCall);
    }
}
