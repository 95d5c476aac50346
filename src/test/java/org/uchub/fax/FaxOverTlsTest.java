package org.uchub.fax;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * The gateway over TLS from the first byte (smtps, imaps), trusted through the hub's fax
 * trust store: GreenMail's own test certificate, which the JDK does not trust.
 */
class FaxOverTlsTest extends FaxTestSupport {

    /** A trust store with GreenMail's self-signed certificate, the way an operator makes one for a private CA. */
    static Path greenMailTrustStore(Path dir) throws Exception {
        KeyStore greenmail = KeyStore.getInstance("PKCS12");
        try (InputStream in = GreenMail.class.getResourceAsStream("/greenmail.p12")) {
            greenmail.load(in, "changeit".toCharArray());
        }
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("gateway", greenmail.getCertificate(greenmail.aliases().nextElement()));
        Path file = dir.resolve("fax-trust.p12");
        try (OutputStream out = Files.newOutputStream(file)) {
            trust.store(out, "trust-pass".toCharArray());
        }
        return file;
    }

    @Override
    GreenMail startMail() {
        return startMail(ServerSetup.PROTOCOL_SMTPS, ServerSetup.PROTOCOL_IMAPS);
    }

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        p.setProperty("fax.smtp.scheme", "smtps");
        p.setProperty("fax.status.scheme", "imaps");
        try {
            p.setProperty("fax.tls.truststore", greenMailTrustStore(dataDir).toString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        p.setProperty("fax.tls.truststore-password", "trust-pass");
        // GreenMail's test certificate names no host; a real gateway's must name its own.
        p.setProperty("fax.tls.check-server-identity", "false");
        return p;
    }


    @Test
    void aFaxGoesOutOverSmtpsAndItsReportComesBackOverImapsWithTheConfiguredTrustStore() throws Exception {
        ok(T, startFax("TLS-1", null, null, "+4930111119"));
        awaitEvent("TLS-1", "FAX_SENT", 1);
        MimeMessage m = gatewayMails("+4930111119").get(0);
        report("Fax delivered", "1 page", m.getMessageID());
        awaitEvent("TLS-1", "FAX_DELIVERED", 1);
        assertEquals(1, gatewayMails("+4930111119").size());
        assertTrue(events(logOf("TLS-1"), "FAX_DELIVERED").get(0).getDetail().contains("1 page"));
    }
}
