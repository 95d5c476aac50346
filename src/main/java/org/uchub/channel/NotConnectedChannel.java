package org.uchub.channel;

import org.uchub.contract.ReplyStatus;
import org.uchub.request.Action;
import org.uchub.request.HubRequest;
import org.uchub.sessionlog.SessionLog;

/**
 * The honest stand-in for a channel whose server is not wired up yet: the session is
 * recorded, its log says in plain words that nothing was placed, and the reply says
 * NOT_CONNECTED. Ending such a session needs no server and simply succeeds.
 */
public class NotConnectedChannel {
    private final SessionLog log;

    public NotConnectedChannel(SessionLog log) {
        this.log = log;
    }

    public HubRequest handle(HubRequest r) {
        if (r.getAction() == Action.END) {
            r.outcome(ReplyStatus.OK, "Session ended.");
            return r;
        }
        String what = switch (r.getChannel()) {
            case CALL -> "nothing was dialled";
            case CONFERENCE -> "nobody was dialled into the conference";
            case IM -> "no message was sent";
            case FAX -> "no fax was sent";
        };
        String detail = "The " + r.getChannelKey() + " channel is not connected yet: " + what + ".";
        r.outcome(ReplyStatus.NOT_CONNECTED, detail);
        log.markNotConnected(r, detail);
        return r;
    }
}
