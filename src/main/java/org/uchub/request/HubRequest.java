package org.uchub.request;

import java.util.ArrayList;
import java.util.List;
import org.uchub.contract.Channel;
import org.uchub.contract.EndSessionRequest;
import org.uchub.contract.ModifySessionRequest;
import org.uchub.contract.GetRecordingRequest;
import org.uchub.contract.QuerySessionLogRequest;
import org.uchub.contract.ReplyStatus;
import org.uchub.contract.RequestBase;
import org.uchub.contract.SessionReply;

/**
 * One request on its way through the hub: the contract object as it arrived, who sent it
 * (the tenant, from the ingress identity) and what the steps so far decided. It is the body
 * of the exchange from the codec up to the reply.
 */
public class HubRequest {
    private final String tenant;
    private final String ingress;
    private final Action action;
    private final RequestBase payload;

    private Channel channel;
    private String sessionId;
    private String reservedNumber;
    private final List<ResolvedParticipant> participants = new ArrayList<>();
    private final List<ResolvedParticipant> added = new ArrayList<>();
    private final List<ResolvedParticipant> removed = new ArrayList<>();
    private final List<ResolvedParticipant> muted = new ArrayList<>();
    private final List<ResolvedParticipant> unmuted = new ArrayList<>();
    private ReplyStatus status;
    private String message;
    private SessionReply reply;
    private boolean replayed;
    private boolean resumed;
    private String ingressKey;

    private ErrorCode errorCode;

    public HubRequest(String tenant, String ingress, Action action, RequestBase payload) {
        this.tenant = tenant;
        this.ingress = ingress;
        this.action = action;
        this.payload = payload;
    }

    public String getTenant() {
        return tenant;
    }

    public String getIngress() {
        return ingress;
    }

    public Action getAction() {
        return action;
    }

    /** The route key of the action, for {@code toD} in the dispatcher. */
    public String getActionKey() {
        return action.key();
    }

    public RequestBase getPayload() {
        return payload;
    }

    public String getBusinessId() {
        return payload.getBusinessId();
    }

    public String getRequestId() {
        return payload.getRequestId();
    }

    /**
     * The key that makes applying this request idempotent: the sender's requestId, or else a
     * key the ingress derives from its transport (a file's identity, a JMS message id). The
     * "~" prefix keeps ingress keys apart from requestIds, which cannot contain it.
     */
    public String getDedupeKey() {
        if (payload.getRequestId() != null) {
            return payload.getRequestId();
        }
        return ingressKey == null ? null : "~" + ingressKey;
    }

    public String getIngressKey() {
        return ingressKey;
    }

    public void setIngressKey(String ingressKey) {
        this.ingressKey = ingressKey;
    }

    /** The session the request names, if it names one. */
    public String getRequestedSessionId() {
        if (payload instanceof ModifySessionRequest m) {
            return m.getSessionId();
        }
        if (payload instanceof EndSessionRequest e) {
            return e.getSessionId();
        }
        if (payload instanceof QuerySessionLogRequest q) {
            return q.getSessionId();
        }
        if (payload instanceof GetRecordingRequest g) {
            return g.getSessionId();
        }
        return null;
    }

    public Channel getChannel() {
        return channel;
    }

    /** The channel's route key, e.g. {@code conference} for {@code direct:channel-conference}. */
    public String getChannelKey() {
        return channel == null ? null : channel.value();
    }

    public void setChannel(Channel channel) {
        this.channel = channel;
    }

    public String getSessionId() {
        return sessionId;
    }

    public void setSessionId(String sessionId) {
        this.sessionId = sessionId;
    }

    public String getReservedNumber() {
        return reservedNumber;
    }

    public void setReservedNumber(String reservedNumber) {
        this.reservedNumber = reservedNumber;
    }

    /** Participants of a StartSession after directory resolution. */
    public List<ResolvedParticipant> getParticipants() {
        return participants;
    }

    /** Participants a ModifySession adds, after directory resolution. */
    public List<ResolvedParticipant> getAdded() {
        return added;
    }

    /** Participants a ModifySession removes, resolved to the session channel's address. */
    public List<ResolvedParticipant> getRemoved() {
        return removed;
    }

    public List<ResolvedParticipant> getMuted() {
        return muted;
    }

    public List<ResolvedParticipant> getUnmuted() {
        return unmuted;
    }

    public ReplyStatus getStatus() {
        return status;
    }

    public String getMessage() {
        return message;
    }

    /** The channel could not serve the request: the reply carries this error beside the session's state. */
    public void failed(ErrorCode code, String message) {
        this.status = org.uchub.contract.ReplyStatus.FAILED;
        this.message = message;
        this.errorCode = code;
    }

    /** The error a channel reported with {@link #failed}, or null. */
    public ErrorCode getErrorCode() {
        return errorCode;
    }

    /** Sets the outcome the reply reports. */
    public void outcome(ReplyStatus status, String message) {
        this.status = status;
        this.message = message;
    }

    /** The reply, once a step has produced it. */
    public SessionReply getReply() {
        return reply;
    }

    public void setReply(SessionReply reply) {
        this.reply = reply;
    }

    /** True when the reply is the stored one of a requestId applied before. */
    public boolean isReplayed() {
        return replayed;
    }

    public void replay(SessionReply stored) {
        this.reply = stored;
        this.replayed = true;
    }

    /**
     * True when the request was applied before but its channel step never reported (the hub
     * stopped in between): it goes on from the channel step, on the session it created.
     */
    public boolean isResumed() {
        return resumed;
    }

    public void resume(String sessionId, Channel channel, String reservedNumber) {
        this.resumed = true;
        this.sessionId = sessionId;
        this.channel = channel;
        this.reservedNumber = reservedNumber;
    }
}
