package org.uchub.enrich;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.uchub.contract.Channel;
import org.uchub.contract.Participant;

/** A participant's JID is stored in the form servers hand it back in (RFC 7622), its resource as given. */
class JidStoredFormTest {

    @Test
    void aJidIsStoredNarrowLowerCaseAndComposedWithItsResourceUntouched() {
        Participant p = new Participant();
        p.setJid("\uff2aose\u0301@Example.COM/Phone");
        assertEquals("jos\u00e9@example.com/Phone", new Enricher(null, null).resolve(p, Channel.IM).address());
    }
}
