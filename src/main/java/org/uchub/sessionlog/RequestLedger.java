package org.uchub.sessionlog;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import javax.sql.DataSource;
import org.uchub.contract.SessionReply;
import org.uchub.request.Action;
import org.uchub.request.ContractCodec;
import org.uchub.request.HubRequest;

/**
 * Idempotency by requestId. The requestId is claimed in the same transaction as the
 * request's effects (see {@link SessionLog}); this class answers a repeated requestId with
 * the first reply, or, when the hub stopped between applying a request and storing its
 * reply, with a reply rebuilt from the session as it stands.
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

    /** Sets the stored reply on the request when its requestId was applied before. */
    public HubRequest replay(HubRequest r) {
        if (r.getRequestId() == null || r.getAction() == Action.QUERY) {
            return r;
        }
        String[] row = Database.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "select reply_xml, session_id, business_id from uc_request where tenant = ? and request_id = ?")) {
                ps.setString(1, r.getTenant());
                ps.setString(2, r.getRequestId());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? new String[] {rs.getString(1), rs.getString(2), rs.getString(3)} : null;
                }
            }
        });
        if (row == null) {
            return r;
        }
        SessionReply reply;
        if (row[0] != null) {
            reply = codec.parseStoredReply(row[0]);
        } else {
            // Applied, but the hub stopped before the reply was stored: answer from the log.
            HubRequest again = new HubRequest(r.getTenant(), r.getIngress(), r.getAction(), r.getPayload());
            again.setSessionId(row[1]);
            reply = log.reply(again);
            remember(again, reply);
        }
        reply.setReplayed(Boolean.TRUE);
        r.replay(reply);
        return r;
    }

    /** Stores the reply of an applied request under its requestId. */
    public HubRequest remember(HubRequest r) {
        remember(r, r.getReply());
        return r;
    }

    private void remember(HubRequest r, SessionReply reply) {
        if (r.getRequestId() == null || r.getAction() == Action.QUERY || r.isReplayed()) {
            return;
        }
        String xml = codec.toXml(ContractCodec.element(reply, r.getAction()));
        Database.inTransaction(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "update uc_request set reply_xml = ? where tenant = ? and request_id = ? and reply_xml is null")) {
                ps.setString(1, xml);
                ps.setString(2, r.getTenant());
                ps.setString(3, r.getRequestId());
                ps.executeUpdate();
            }
            return null;
        });
    }
}
