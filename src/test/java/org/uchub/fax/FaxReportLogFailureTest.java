package org.uchub.fax;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The session log failing as a report is logged, and again as its session ends: the report is told once and the session ends. */
class FaxReportLogFailureTest extends FaxTestSupport {

    @Override
    protected java.util.Properties hubProperties() {
        java.util.Properties p = super.hubProperties();
        // The sweep that ends what the failed write left open, at each fax-retry tick.
        p.setProperty("fax.finish-sweep-ms", "0");
        return p;
    }


    @Test
    void aDeliveryIsLoggedOnceAndItsSessionEndsThoughTheLogFailedAtEachStep() throws Exception {
        FailingOnceProgress log = FailingOnceProgress.install(context, "FAX_DELIVERED", "SESSION_ENDED");
        ok(T, startFax("4745", null, null, "+4930111119"));
        awaitEvent("4745", "FAX_SENT", 1);
        report("Re: " + gatewayMails("+4930111119").get(0).getSubject(), "Your fax was delivered. 1 page.", null);

        awaitEvent("4745", "FAX_DELIVERED", 1);
        await(() -> logOf("4745").getSessions().getSession().get(0).getState().equals("ENDED"), 15_000,
                "the session ends: " + described(logOf("4745")));
        await(() -> statusFolderCount("UC-Fax-Done") == 1, 10_000, "the report is filed as done");
        assertEquals(java.util.Set.of(), log.failing, "the log failed at both steps");
        assertEquals(1, events(logOf("4745"), "FAX_DELIVERED").size());
        assertEquals(1, events(logOf("4745"), "SESSION_ENDED").size());
    }
}
