package org.uchub.xmpp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;
import org.uchub.contract.Event;
import org.uchub.contract.ReplyStatus;
import org.uchub.contract.SessionReply;

/** An XMPP server that never comes: the message waits as PENDING, then the session FAILS with XMPP_UNAVAILABLE. */
class ImUnavailableTest extends HubTestSupport {

    @Override
    protected Properties hubProperties() {
        Properties p = unreachablePbx(super.hubProperties());
        p.setProperty("xmpp.host", "127.0.0.1");
        p.setProperty("xmpp.port", String.valueOf(freePort()));
        p.setProperty("xmpp.domain", "uchub.test");
        p.setProperty("xmpp.password", "unused");
        p.setProperty("xmpp.retry.interval-ms", "200");
        p.setProperty("xmpp.retry.give-up-ms", "1500");
        return p;
    }

    @Test
    void aMessageThatNoServerTakesWaitsThenFailsWithXmppUnavailable() throws Exception {
        SessionReply r = ok("default", "<StartSession " + NS + "><businessId>UN-1</businessId><channel>im</channel><participants>"
                + "<participant><jid>alice@uchub.test</jid></participant></participants><options><text>Hello</text></options></StartSession>");
        assertEquals(ReplyStatus.ACCEPTED, r.getStatus());
        assertEquals("PENDING", r.getSessions().getSession().get(0).getState(), r.getMessage());
        await(() -> "FAILED".equals(ok("default", query("UN-1")).getSessions().getSession().get(0).getState()), 15_000,
                "the session fails once the give-up time has passed");
        SessionReply log = ok("default", query("UN-1"));
        Event failed = log.getEvents().getEvent().stream().filter(e -> e.getType().equals("SESSION_FAILED")).findFirst().orElseThrow();
        assertTrue(failed.getDetail().startsWith("XMPP_UNAVAILABLE"), failed.getDetail());
        assertEquals("FAILED", log.getSessions().getSession().get(0).getParticipants().getParticipant().get(0).getState());
    }
}
