package org.uchub.fax;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The session log failing as a fax the mail server never took is failed: the fax is tried again, and its failure told once. */
class FaxSendFailureLogFailureTest extends FaxTestSupport {

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        // The fax whose failure could not be logged stays claimed; a stale claim is taken up again.
        p.setProperty("fax.claim.stale-ms", "2000");
        // A refused login is retried (it may be a passing fault) until the give-up time.
        p.setProperty("fax.retry.give-up-ms", "2000");
        return p;
    }

    @Test
    void aFaxTheServerNeverTakesIsFailedOnceAndItsSessionEndsThoughTheLogFailedAsItWasFailed() throws Exception {
        FailingOnceProgress log = FailingOnceProgress.install(context, "FAX_SEND_FAILED");
        mail.getUserManager().getUser(SMTP_LOGIN).setPassword("not-the-hubs");
        ok(T, startFax("4747", null, null, "+4930111119"));
        awaitEvent("4747", "FAX_SEND_FAILED", 1);
        await(() -> logOf("4747").getSessions().getSession().get(0).getState().equals("FAILED"), 15_000,
                "the session is over: " + described(logOf("4747")));
        assertEquals(java.util.Set.of(), log.failing, "the log failed as the fax was failed");
        assertEquals(1, events(logOf("4747"), "FAX_SEND_FAILED").size());
    }
}
