package org.uchub.sessionlog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.ResultSet;
import javax.sql.DataSource;
import org.uchub.contract.ReplyStatus;
import org.uchub.contract.SessionReply;
import org.uchub.request.Action;
import org.uchub.request.ContractCodec;
import org.uchub.request.ErrorCode;
import org.uchub.request.HubRequest;
import org.uchub.request.RequestRejectedException;

/**
 * Idempotency. A request's dedupe key (its requestId, or a key its ingress derived) is
 * claimed in the same transaction as its effects (see {@link SessionLog}), and the outcome
 * its channel reported is stored in the channel's transaction. A repeated key is answered
 * with the stored reply; if the hub stopped before storing it, the reply is rebuilt from the
 * stored outcome, or, when the channel never reported, the request is resumed at its
 * channel step. Nothing is applied twice and nothing is answered with a guess.
 */
public class RequestLedger {
    private final DataSource ds;
    private final SessionLog log;
    private final ContractCodec codec;

    public RequestLedger(DataSource ds, SessionLog log, ContractCodec codec) {
        this.ds = ds;
        this.log = log;
        this.codec = codec;
    }

    private record Claim(String replyXml, String sessionId, String businessId, String action, String outcomeStatus,
            String outcomeMessage) {
    }

    /** Marks the request replayed (with its reply) or resumed when its key was claimed before. */
    public HubRequest replay(HubRequest r) {
        if (r.getDedupeKey() == null || !r.getAction().changes()) {
            return r;
        }
        Claim claim = Database.read(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement("select reply_xml, session_id, business_id, action, outcome_status,"
                    + " outcome_message from uc_request where tenant = ? and request_id = ?")) {
                ps.setString(1, r.getTenant());
                ps.setString(2, r.getDedupeKey());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? new Claim(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            rs.getString(6)) : null;
                }
            }
        });
        if (claim == null) {
            return r;
        }
        if (!claim.businessId().equals(r.getBusinessId()) || !claim.action().equals(r.getAction().key())) {
            throw new RequestRejectedException(ErrorCode.REQUEST_ID_REUSED, "requestId " + r.getRequestId()
                    + " was already used for another request; a requestId names one request only.");
        }
        if (claim.replyXml() != null) {
            SessionReply reply = codec.parseStoredReply(claim.replyXml());
            reply.setReplayed(Boolean.TRUE);
            r.replay(reply);
            return r;
        }
        if (claim.outcomeStatus() != null) {
            // Applied and reported, but the reply was not stored: rebuild it from the log.
            HubRequest again = new HubRequest(r.getTenant(), r.getIngress(), r.getAction(), r.getPayload());
            // The same dedupe key, so that a request without requestId gets its reply stored too.
            again.setIngressKey(r.getIngressKey());
            again.setSessionId(claim.sessionId());
            again.outcome(ReplyStatus.fromValue(claim.outcomeStatus()), claim.outcomeMessage());
            SessionReply reply = Database.inTransaction(ds, c -> {
                SessionReply rebuilt = log.reply(c, again);
                store(c, again, rebuilt);
                return rebuilt;
            });
            reply.setReplayed(Boolean.TRUE);
            r.replay(reply);
            return r;
        }
        SessionLog.SessionRef session = log.session(r.getTenant(), claim.sessionId())
                .orElseThrow(() -> new IllegalStateException("claimed request without its session " + claim.sessionId()));
        r.resume(session.sessionId(), session.channel(), session.reservedNumber());
        return r;
    }

    /**
     * Completes an applied start, modify or end: its reply, the session as it now stands, is
     * set on the request and stored under its dedupe key in one transaction.
     *
     * <p>For a start, the stored copy of the reply is not waited for: the session was durable
     * before this, and should a crash lose the copy, a repeated request finds its key claimed
     * without a reply and is resumed at its channel step, where every channel's start is safe
     * to run again (a participant is claimed before it is dialled, IM work is keyed by the
     * request, a fax by session and participant). Waiting cost every start a second wait for
     * the file. A modify or an end waits: run again, a conference's change would kick or mute
     * again, and its end would act on a room number that may already be another session's.
     */
    public HubRequest complete(HubRequest r) {
        Database.Work<SessionReply> work = c -> {
            SessionReply reply = log.reply(c, r);
            if (r.getDedupeKey() != null) {
                store(c, r, reply);
            }
            return reply;
        };
        r.setReply(r.getAction() == Action.START ? Database.inTransactionUnflushed(ds, work) : Database.inTransaction(ds, work));
        return r;
    }

    private void store(Connection c, HubRequest r, SessionReply reply) throws SQLException {
        String xml = codec.toXml(ContractCodec.element(reply, r.getAction()));
        try (PreparedStatement ps = c.prepareStatement(
                "update uc_request set reply_xml = ? where tenant = ? and request_id = ? and reply_xml is null")) {
            ps.setString(1, xml);
            ps.setString(2, r.getTenant());
            ps.setString(3, r.getDedupeKey());
            ps.executeUpdate();
        }
    }
}
