package org.uchub.xmpp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * '_' and '%' are legal in a JID and SQL LIKE's wildcards: a sender whose JID has them is
 * looked up as written, not as a pattern that takes in other people's sessions (which would
 * fill the few newest read and crowd out the sender's own).
 */
class JidWildcardsTest {

    @Test
    void aSenderWithLikeWildcardsInItsJidFindsOnlyItsOwnSessions() {
        ImLogRows log = new ImLogRows("jid-wildcards");
        OffsetDateTime t0 = OffsetDateTime.now(ZoneOffset.UTC).minusHours(1);
        log.session("own", "tenant-a", "4711", t0, "a_b@hub.test/phone");
        log.session("other", "tenant-b", "4712", t0.plusMinutes(1), "axb@hub.test/desk");
        log.session("another", "tenant-b", "4713", t0.plusMinutes(2), "a%b@hub.test/desk");
        List<String> found = log.progress.withParticipant("im", "a_b@hub.test", 10).stream().map(r -> r.sessionId()).toList();
        assertEquals(List.of("own"), found);
    }
}
