package org.uchub.fax;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The session log failing as a fax without report is given up on: the news is told once and the session still ends. */
class FaxOverdueLogFailureTest extends FaxTestSupport {

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        // The sweep that ends what the failed write left open, at each fax-retry tick.
        p.setProperty("fax.finish-sweep-ms", "0");
        p.setProperty("fax.status.wait-ms", "1000");
        return p;
    }

    @Test
    void aFaxWithoutReportIsLoggedUnknownOnceAndItsSessionEndsThoughTheLogFailedAtEachStep() throws Exception {
        FailingOnceProgress log = FailingOnceProgress.install(context, "FAX_STATUS_UNKNOWN", "SESSION_ENDED");
        ok(T, startFax("4744", null, null, "+4930111119"));
        awaitEvent("4744", "FAX_STATUS_UNKNOWN", 1);
        await(() -> logOf("4744").getSessions().getSession().get(0).getState().equals("ENDED"), 15_000,
                "the session ends: " + described(logOf("4744")));
        assertEquals(java.util.Set.of(), log.failing, "the log failed at both steps");
        assertEquals(1, events(logOf("4744"), "FAX_STATUS_UNKNOWN").size());
        assertEquals(1, events(logOf("4744"), "SESSION_ENDED").size());
    }

}
