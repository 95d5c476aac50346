package org.uchub.fax;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** How the shipped patterns in config/application.properties read gateways' report lines. */
class FaxVerdictTest {

    private static FaxReports reports() throws Exception {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(Path.of("config/application.properties"))) {
            p.load(r);
        }
        FaxSettings s = new FaxSettings("", "hub@example.com", "pattern", "{number}@fax.example.com", "", "{token}", 1, 1, 1, 1,
                Pattern.compile(p.getProperty("fax.status.delivered-pattern")), Pattern.compile(p.getProperty("fax.status.failed-pattern")),
                Pattern.compile(p.getProperty("fax.status.pages-pattern")), "example.com", null);
        return new FaxReports(s, null, null, null);
    }

    @Test
    void reportsAreReadOnlyFromTheWholeAddressOrDomainTheSettingNames() {
        FaxSettings domain = new FaxSettings("", "hub@example.com", "pattern", "{number}@fax.example.com", "", "{token}", 1, 1, 1, 1,
                Pattern.compile("x"), Pattern.compile("x"), Pattern.compile("x"), "example.com", Pattern.compile("(?i)@fax[.]example[.]com"));
        assertEquals(true, domain.acceptsSender("Reports@FAX.example.com"));
        assertEquals(false, domain.acceptsSender("reports@fax.example.com.attacker.test"));
        assertEquals(false, domain.acceptsSender("reports@myfax.example.com"));
        // The gateway's own mail servers' bounces come from its subdomains.
        assertEquals(true, domain.acceptsSender("MAILER-DAEMON@mx.fax.example.com"));
        assertEquals(true, domain.acceptsSender("postmaster@a.b.FAX.example.com"));
        assertEquals(false, domain.acceptsSender("postmaster@mx.fax.example.com.attacker.test"));
        assertEquals(false, domain.acceptsSender("postmaster@example.com"));
        FaxSettings withRelay = new FaxSettings("", "hub@example.com", "pattern", "{number}@fax.example.com", "", "{token}", 1, 1, 1, 1,
                Pattern.compile("x"), Pattern.compile("x"), Pattern.compile("x"), "example.com",
                Pattern.compile("(?i)@fax[.]example[.]com|@relay[.]corp[.]example"));
        assertEquals(true, withRelay.acceptsSender("MAILER-DAEMON@relay.corp.example"));
        assertEquals(true, withRelay.acceptsSender("MAILER-DAEMON@mx.fax.example.com"));
        assertEquals(false, withRelay.acceptsSender("someone@corp.example"));
        FaxSettings exact = new FaxSettings("", "hub@example.com", "pattern", "{number}@fax.example.com", "", "{token}", 1, 1, 1, 1,
                Pattern.compile("x"), Pattern.compile("x"), Pattern.compile("x"), "example.com", Pattern.compile("faxgw@provider[.]com"));
        assertEquals(true, exact.acceptsSender("faxgw@provider.com"));
        assertEquals(false, exact.acceptsSender("xfaxgw@provider.com"));
        FaxSettings bareDomain = new FaxSettings("", "hub@example.com", "pattern", "{number}@fax.example.com", "", "{token}", 1, 1, 1, 1,
                Pattern.compile("x"), Pattern.compile("x"), Pattern.compile("x"), "example.com", Pattern.compile("fax[.]example[.]com"));
        assertEquals(true, bareDomain.acceptsSender("reports@fax.example.com"));
        assertEquals(false, bareDomain.acceptsSender("reports@fax.example.com.attacker.test"));
    }

    @Test
    void messageIdsTakeTheSendersDomainAlsoWhenTheSenderHasADisplayName() {
        assertEquals("corp.example", FaxSettings.domainOf("UC Hub <fax@corp.example>"));
        assertEquals("corp.example", FaxSettings.domainOf("\"Fax, UC Hub\" <fax@corp.example> (the hub)"));
        assertEquals("corp.example", FaxSettings.domainOf("fax@corp.example"));
    }

    @Test
    void deliveriesFailuresAndNegationsAreToldApart() throws Exception {
        FaxReports r = reports();
        assertEquals(true, r.verdict("Your fax was delivered"));
        assertEquals(true, r.verdict("Fax transmission successful. Error correction: on"));
        assertEquals(true, r.verdict("Status: Completed"));
        assertEquals(false, r.verdict("Your fax wasn't delivered"));
        assertEquals(false, r.verdict("Your fax wasn\u2019t delivered"));
        assertEquals(false, r.verdict("The fax could not be delivered: busy"));
        assertEquals(false, r.verdict("Fax has not been delivered"));
        assertEquals(false, r.verdict("Transmission unsuccessful (no answer)"));
        assertEquals(false, r.verdict("Result: FAILED"));
        assertEquals(null, r.verdict("Fax report"));
        assertEquals(null, r.verdict(""));
    }
}
