package org.uchub.fax;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.uchub.contract.Event;

/**
 * STARTTLS required (the default) against an SMTP server that does not offer it: the hub
 * does not fall back to plain text; the fax waits and the log says why.
 */
class FaxStartTlsRequiredTest extends FaxTestSupport {

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        p.setProperty("fax.smtp.starttls", "true");
        p.setProperty("fax.status.host", "");
        return p;
    }

    @Test
    void aServerWithoutStartTlsGetsNoFaxWhenTlsIsRequired() throws Exception {
        ok(T, startFax("TLS-3", null, null, "+4930111119"));
        awaitEvent("TLS-3", "FAX_DELAYED", 1);
        Event delayed = events(logOf("TLS-3"), "FAX_DELAYED").get(0);
        assertTrue(delayed.getDetail().contains("STARTTLS"), delayed.getDetail());
        Thread.sleep(500);
        assertEquals(0, mail.getReceivedMessages().length, "nothing went out in plain text");
    }
}
