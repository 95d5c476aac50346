package org.uchub.fax;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.uchub.contract.Event;
import org.uchub.contract.ReplyStatus;
import org.uchub.contract.SessionReply;

/**
 * A gateway addressed by subject (one fixed address, the number in the subject), whose SMTP
 * server is away, refuses the hub's login, or whose reports never come.
 */
class FaxGatewayTroubleTest extends FaxTestSupport {
    static final String FIXED = "fax-in@" + GATEWAY_DOMAIN;

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        p.setProperty("fax.address.style", "subject");
        p.setProperty("fax.address.fixed", FIXED);
        p.setProperty("fax.subject", "{digits} {token}");
        p.setProperty("fax.retry.give-up-ms", "8000");
        // Long enough for a test to change a session between its fax going out and its settling unreported,
        // and shorter than a fax waits for a mail server that is away.
        p.setProperty("fax.status.wait-ms", "5000");
        p.setProperty("fax.claim.stale-ms", "4000");
        return p;
    }

    @Override
    boolean gatewayUpAtStart() {
        return false;
    }

    @Test
    void aFaxWaitsOutAnSmtpOutageAndIsSentToTheFixedAddressWithTheNumberInTheSubjectWhenTheServerIsBack() throws Exception {
        SessionReply r = ok(T, startFax("4720", null, null, "+4930111119"));
        assertEquals(ReplyStatus.ACCEPTED, r.getStatus());
        awaitEvent("4720", "FAX_DELAYED", 1);
        assertEquals("PENDING", logOf("4720").getSessions().getSession().get(0).getState());

        mail = startMail();
        awaitEvent("4720", "FAX_SENT", 1);
        MimeMessage m = mail.getReceivedMessages()[0];
        assertEquals(FIXED, m.getAllRecipients()[0].toString());
        assertTrue(m.getSubject().startsWith("4930111119 [uc-fax:"), m.getSubject());
        assertEquals(1, mail.getReceivedMessages().length, "sent once");
    }

    @Test
    void aGatewayThatTakesLongerThanTheConnectTimeoutToAcceptTheMailGetsItOnce() throws Exception {
        int realSmtp = freePort();
        mail = startMail(realSmtp, ServerSetup.PROTOCOL_SMTP, ServerSetup.PROTOCOL_IMAP);
        // Longer than fax.smtp.timeout-ms (3 s here), shorter than the reply timeout (10 s here),
        // and longer than a claim stays fresh unrenewed (fax.claim.stale-ms, 4 s here): the
        // retry timer, which looks every 200 ms, would take the fax for abandoned and mail it again.
        try (SlowFinalAnswer gateway = new SlowFinalAnswer(smtpPort, realSmtp, 7_000)) {
            assertEquals(ReplyStatus.ACCEPTED, ok(T, startFax("4725", null, null, "+4930111119")).getStatus());
            awaitEvent("4725", "FAX_SENT", 1);
            Thread.sleep(1_000);
            assertEquals(1, mail.getReceivedMessages().length, "the gateway got the fax once");
            List<String> types = logOf("4725").getEvents().getEvent().stream().map(Event::getType).toList();
            assertFalse(types.contains("FAX_DELAYED"), types.toString());
        }
    }

    @Test
    void aFaxQueuedWhileTheServerIsAwayOutlivesARestartOfTheHub() throws Exception {
        ok(T, startFax("4726", null, null, "+4930111119"));
        awaitEvent("4726", "FAX_DELAYED", 1);
        context.stop();
        // A new hub on the same data directory: all it knows of the fax is the outbox row.
        org.apache.camel.CamelContext restarted = createCamelContext();
        restarted.start();
        try {
            mail = startMail();
            await(() -> mail.getReceivedMessages().length == 1, 15_000, "the restarted hub sends the waiting fax");
            Thread.sleep(1000);
            assertEquals(1, mail.getReceivedMessages().length, "once");
            assertEquals(FIXED, mail.getReceivedMessages()[0].getAllRecipients()[0].toString());
        } finally {
            restarted.stop();
        }
    }

    @Test
    void endingTheSessionWhileTheServerIsAwayCancelsTheFaxesNotSentYet() throws Exception {
        ok(T, startFax("4724", null, null, "+4930111119"));
        awaitEvent("4724", "FAX_DELAYED", 1);
        SessionReply ended = ok(T, end("4724"));
        assertTrue(ended.getMessage().contains("cancelled"), ended.getMessage());
        awaitEvent("4724", "FAX_CANCELLED", 1);
        mail = startMail();
        Thread.sleep(1500);
        assertEquals(0, mail.getReceivedMessages().length, "a cancelled fax is never mailed");
    }

    @Test
    void anSmtpServerThatKeepsRefusingFailsTheFaxWithFaxSendFailedAndItsAnswerAfterTheGiveUpTime() throws Exception {
        mail = startMail();
        mail.getUserManager().getUser(SMTP_LOGIN).setPassword("not-the-hubs");
        ok(T, startFax("4721", null, null, "+4930111119"));
        awaitEvent("4721", "FAX_SEND_FAILED", 1);
        SessionReply log = logOf("4721");
        Event failed = events(log, "FAX_SEND_FAILED").get(0);
        assertTrue(failed.getDetail().startsWith("FAX_SEND_FAILED") && failed.getDetail().contains("535"), failed.getDetail());
        assertEquals("FAILED", log.getSessions().getSession().get(0).getState());
        assertEquals(0, mail.getReceivedMessages().length);
    }

    @Test
    void aSessionWhoseLastWaitingFaxFailsToSendOrIsCancelledEnds() throws Exception {
        mail = startMail();
        ok(T, startFax("4728", null, null, "+4930111119"));
        ok(T, startFax("4729", null, null, "+4930111119"));
        awaitEvent("4728", "FAX_SENT", 1);
        awaitEvent("4729", "FAX_SENT", 1);
        mail.stop();
        // A second fax each while the mail server is away, before the first ones settle (no report within 5 s).
        for (String id : new String[] {"4728", "4729"}) {
            ok(T, "<ModifySession " + NS + "><businessId>" + id + "</businessId><add><participant><fax>+4930222229</fax>"
                    + "</participant></add></ModifySession>");
        }
        awaitEvent("4728", "FAX_STATUS_UNKNOWN", 1);
        awaitEvent("4729", "FAX_STATUS_UNKNOWN", 1);
        ok(T, "<ModifySession " + NS + "><businessId>4729</businessId><remove><participant><fax>+4930222229</fax>"
                + "</participant></remove></ModifySession>");
        awaitEvent("4729", "FAX_CANCELLED", 1);
        awaitEvent("4729", "SESSION_ENDED", 1);
        awaitEvent("4728", "FAX_SEND_FAILED", 1);
        awaitEvent("4728", "SESSION_ENDED", 1);
        assertEquals("ENDED", logOf("4728").getSessions().getSession().get(0).getState());
    }

    @Test
    void aFaxTheGatewayNeverReportsOnIsLoggedAsStatusUnknown() throws Exception {
        mail = startMail();
        ok(T, startFax("4722", null, null, "+4930111119"));
        awaitEvent("4722", "FAX_SENT", 1);
        awaitEvent("4722", "FAX_STATUS_UNKNOWN", 1);
        Thread.sleep(1000);
        assertEquals(1, events(logOf("4722"), "FAX_STATUS_UNKNOWN").size(), "said once");
    }
}
