package org.uchub.fax;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.uchub.contract.Event;

/** A server whose certificate the hub does not trust gets no fax: the send waits and says why. */
class FaxUntrustedTlsTest extends FaxTestSupport {

    @Override
    GreenMail startMail() {
        return startMail(ServerSetup.PROTOCOL_SMTPS, ServerSetup.PROTOCOL_IMAP);
    }

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        p.setProperty("fax.smtp.scheme", "smtps");
        p.setProperty("fax.status.host", "");
        p.setProperty("fax.tls.check-server-identity", "false");
        return p;
    }


    @Test
    void aServerWithAnUntrustedCertificateGetsNothingAndTheLogSaysWhy() throws Exception {
        ok(T, startFax("TLS-2", null, null, "+4930111119"));
        awaitEvent("TLS-2", "FAX_DELAYED", 1);
        Event delayed = events(logOf("TLS-2"), "FAX_DELAYED").get(0);
        assertTrue(delayed.getDetail().toLowerCase().contains("certification path")
                || delayed.getDetail().contains("PKIX"), delayed.getDetail());
        Thread.sleep(500);
        assertEquals(0, mail.getReceivedMessages().length);
    }
}
