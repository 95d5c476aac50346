package org.uchub.sessionlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;
import org.uchub.contract.Event;
import org.uchub.contract.SessionReply;

/**
 * An event's text is kept to 4,000 characters, and a character beyond the BMP (an emoji in
 * an IM answer) that straddles the cut is left out whole: half of it is no character, and
 * the log's reply, XML, could not carry it.
 */
class LongEventDetailTest extends HubTestSupport {

    @Override
    protected Properties hubProperties() {
        return unreachablePbx(super.hubProperties());
    }

    @Test
    void aDetailCutAtItsLimitNeverEndsInHalfACharacterAndTheLogStillReads() throws Exception {
        SessionReply started = ok("default", startConference("long-detail", null, "+4930111111"));
        ChannelProgress progress = context.getRegistry().lookupByNameAndType("channelProgress", ChannelProgress.class);
        String detail = "a".repeat(3999) + "\uD83D\uDE00" + "b";
        assertTrue(progress.apply(SessionUpdate.session(started.getSessionId(), null, "IM_REPLY", "test", detail)));

        String xml = call("default", query("long-detail"));
        SessionReply log = sessionReply(xml);
        Event e = events(log, "IM_REPLY").get(0);
        assertEquals("a".repeat(3999), e.getDetail());
        assertFalse(xml.contains("\uD83D"), "half of the emoji in the reply");
        assertEquals("a", org.uchub.support.Clip.clip("a\uD83D\uDE00", 2));
        assertEquals("a\uD83D\uDE00", org.uchub.support.Clip.clip("a\uD83D\uDE00b", 3));
    }
}
