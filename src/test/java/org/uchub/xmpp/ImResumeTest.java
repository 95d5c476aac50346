package org.uchub.xmpp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Properties;
import javax.sql.DataSource;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;
import org.uchub.contract.ReplyStatus;
import org.uchub.contract.SessionReply;
import org.uchub.enrich.Enricher;
import org.uchub.request.ContractCodec;
import org.uchub.request.HubRequest;
import org.uchub.request.RequestRules;
import org.uchub.sessionlog.SessionLog;

/**
 * A hub that stopped after its IM step queued the messages but before the request's outcome
 * was stored: the redelivery resumes at the channel, which must not queue them again.
 */
class ImResumeTest extends HubTestSupport {
    private static final String T = "erp";

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        // Configured, but nobody answers: the messages wait in the outbox, where the test counts them.
        p.setProperty("xmpp.host", "127.0.0.1");
        p.setProperty("xmpp.port", String.valueOf(freePort()));
        p.setProperty("xmpp.domain", "uchub.test");
        p.setProperty("xmpp.password", "pw");
        p.setProperty("xmpp.tls", "disabled");
        return p;
    }

    private int outboxItems(String sessionId) throws Exception {
        DataSource ds = context.getRegistry().lookupByNameAndType("dataSource", DataSource.class);
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("select count(*) from uc_im_outbox where session_id = ?")) {
            ps.setString(1, sessionId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    @Test
    void aResumedImRequestQueuesItsMessagesOnlyOnce() throws Exception {
        String request = "<StartSession " + NS + "><requestId>im-resume-1</requestId><businessId>RES-1</businessId><channel>im</channel>"
                + "<participants><participant><jid>alice@uchub.test</jid></participant><participant><jid>bob@uchub.test</jid>"
                + "</participant></participants><options><text>Hello</text></options></StartSession>";
        ContractCodec codec = context.getRegistry().lookupByNameAndType("contractCodec", ContractCodec.class);
        HubRequest first = codec.read(new ByteArrayInputStream(request.getBytes(StandardCharsets.UTF_8)), T, "test", null,
                new DefaultExchange(context));
        context.getRegistry().lookupByNameAndType("requestRules", RequestRules.class).check(first);
        context.getRegistry().lookupByNameAndType("enricher", Enricher.class).enrich(first);
        context.getRegistry().lookupByNameAndType("sessionLog", SessionLog.class).start(first);
        // The channel step of the first delivery: the room, two invitations and the text are queued...
        context.getRegistry().lookupByNameAndType("im", ImChannel.class).start(first);
        int queued = outboxItems(first.getSessionId());
        assertEquals(4, queued);

        // ...and the hub stopped before the outcome was stored. The redelivery resumes at the channel.
        SessionReply reply = ok(T, request);
        assertEquals(ReplyStatus.ACCEPTED, reply.getStatus(), reply.getMessage());
        assertEquals(first.getSessionId(), reply.getSessionId());
        assertEquals(queued, outboxItems(first.getSessionId()), "nothing queued twice");
    }
}
