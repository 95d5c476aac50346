package org.uchub.fax;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Properties;
import org.junit.jupiter.api.Test;

/** A local relay that wants no login: with fax.smtp.username and password unset the hub sends without one. */
class FaxWithoutLoginTest extends FaxTestSupport {

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        p.remove("fax.smtp.username");
        p.remove("fax.smtp.password");
        return p;
    }


    @Test
    void withNoLoginConfiguredTheFaxIsSentWithoutAuthenticating() throws Exception {
        ok(T, startFax("4730", null, null, "+4930111119"));
        awaitEvent("4730", "FAX_SENT", 1);
        assertEquals(1, gatewayMails("+4930111119").size());
    }
}
