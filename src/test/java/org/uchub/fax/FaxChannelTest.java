package org.uchub.fax;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.MimeMessage;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.camel.Exchange;
import org.junit.jupiter.api.Test;
import org.uchub.contract.Event;
import org.uchub.contract.ReplyStatus;
import org.uchub.contract.SessionReply;

/** Faxes out through GreenMail's SMTP, the gateway's reports back through its IMAP. */
class FaxChannelTest extends FaxTestSupport {


    @Test
    void eachNumberGetsOneMailAtItsGatewayAddressWithTheDocumentTheCaseInTheSubjectAndTheCoverText() throws Exception {
        SessionReply r = ok(T, startFax("4711", "Contract", "Please sign &amp; return.", "+4930111119", "+4930222229"));
        assertEquals(ReplyStatus.ACCEPTED, r.getStatus(), r.getMessage());
        awaitEvent("4711", "FAX_SENT", 2);

        for (String number : List.of("+4930111119", "+4930222229")) {
            List<MimeMessage> got = gatewayMails(number);
            assertEquals(1, got.size(), "one mail per number");
            MimeMessage m = got.get(0);
            assertEquals(1, m.getAllRecipients().length);
            assertEquals("uchub@hub.test", m.getFrom()[0].toString());
            assertTrue(m.getSubject().contains("case 4711") && m.getSubject().contains("Contract") && m.getSubject().contains("[uc-fax:"),
                    m.getSubject());
            assertTrue(m.getMessageID().startsWith("<uc-fax."), m.getMessageID());
            Multipart mp = (Multipart) m.getContent();
            assertEquals(2, mp.getCount());
            assertEquals("Please sign & return.", ((String) mp.getBodyPart(0).getContent()).trim());
            Part doc = mp.getBodyPart(1);
            assertTrue(doc.isMimeType("application/pdf"), doc.getContentType());
            assertEquals("contract.pdf", doc.getFileName());
            assertEquals(Part.ATTACHMENT, doc.getDisposition());
            assertArrayEquals(PDF, doc.getInputStream().readAllBytes());
        }
        SessionReply log = logOf("4711");
        assertEquals("ACTIVE", log.getSessions().getSession().get(0).getState());
        log.getSessions().getSession().get(0).getParticipants().getParticipant().forEach(p -> assertEquals("SENT", p.getState()));
    }

    @Test
    void aDeliveryReportAndAFailureReportAreMatchedLoggedAndMovedOutOfTheInbox() throws Exception {
        javax.sql.DataSource ds = context.getRegistry().lookupByNameAndType("dataSource", javax.sql.DataSource.class);
        org.uchub.sessionlog.QueryPlans.record(ds);
        ok(T, startFax("4712", null, null, "+4930111119", "+4930222229"));
        awaitEvent("4712", "FAX_SENT", 2);
        MimeMessage first = gatewayMails("+4930111119").get(0);
        MimeMessage second = gatewayMails("+4930222229").get(0);

        // One gateway quotes the subject; another only answers the mail (In-Reply-To).
        report("Re: " + first.getSubject() + " - delivered", "Your fax was delivered.\nPages sent: 3\nDuration: 41 s\n", null);
        report("Fax report", "Transmission result\nResult: failed\nReason: busy (line engaged) after 3 attempts\n",
                second.getMessageID());
        awaitEvent("4712", "FAX_DELIVERED", 1);
        awaitEvent("4712", "FAX_FAILED", 1);

        SessionReply log = logOf("4712");
        Event delivered = events(log, "FAX_DELIVERED").get(0);
        assertTrue(delivered.getDetail().contains("+4930111119") && delivered.getDetail().contains("3 pages"), delivered.getDetail());
        Event failed = events(log, "FAX_FAILED").get(0);
        assertTrue(failed.getDetail().contains("+4930222229") && failed.getDetail().contains("busy (line engaged)"), failed.getDetail());
        await(() -> logOf("4712").getSessions().getSession().get(0).getState().equals("ENDED"), 10_000,
                "every fax settled and one delivered: the session is over");
        await(() -> statusFolderCount("UC-Fax-Done") == 2, 10_000, "both reports filed as done");
        assertEquals(0, statusFolderCount("INBOX"), "nothing is read twice");
        // Reports are matched to their fax through indexes, not by reading every fax ever sent.
        org.uchub.sessionlog.QueryPlans.Result plans = org.uchub.sessionlog.QueryPlans.wholeTableReads(ds);
        assertTrue(plans.clean(), plans.toString());
    }

    @Test
    void anUnmatchedReportAndAnUnreadableOneAreFiledForAPersonAndTheNextReportIsStillRead() throws Exception {
        ok(T, startFax("4713", null, null, "+4930111119"));
        awaitEvent("4713", "FAX_SENT", 1);
        report("Fax delivered", "Your fax to +49 30 999 was delivered. 2 pages.", null);
        report("Fax delivered [uc-fax:00000000-0000-0000-0000-000000000000:1]", "2 pages", "<uc-fax.999999.x@hub.test>");
        // Bytes no MIME parser likes: a multipart whose boundary never comes.
        MimeMessage broken = new MimeMessage(jakarta.mail.Session.getInstance(new java.util.Properties()),
                new java.io.ByteArrayInputStream(("From: x@" + GATEWAY_DOMAIN + "\r\nSubject: =?broken?Q?\r\nContent-Type: multipart/mixed;"
                        + " boundary=\"nope\"\r\n\r\n--other\r\n\u0000\u0001garbage").getBytes(StandardCharsets.ISO_8859_1)));
        mail.getUserManager().getUserByEmail(STATUS_ADDRESS).deliver(broken);
        MimeMessage sent = gatewayMails("+4930111119").get(0);
        report("Re: " + sent.getSubject(), "Status: delivered, 1 page", null);

        awaitEvent("4713", "FAX_DELIVERED", 1);
        await(() -> statusFolderCount("UC-Fax-Unmatched") == 3, 10_000, "the three are filed for a person");
        assertEquals(1, statusFolderCount("UC-Fax-Done"));
        assertEquals(0, statusFolderCount("INBOX"));
        assertEquals(1, events(logOf("4713"), "FAX_DELIVERED").size());
    }

    @Test
    void crLfInSubjectOrCoverTextAddsNoHeaderAndHeadersThatCameWithTheRequestDoNotSteerTheMail() throws Exception {
        // A subject is one header line: a line break in it is refused at the door.
        rejected(T, startFax("4714", "Contract&#13;&#10;Bcc: evil@evil.test", null, "+4930111119"), "INVALID_TEXT");
        // Cover text is the body: line breaks are its own, and stay there.
        String request = startFax("4714", "Contract", "Hi&#13;&#10;&#13;&#10;Bcc: evil@evil.test&#13;&#10;.&#13;&#10;RCPT TO:&lt;evil@evil.test&gt;",
                "+4930111119");
        // What an ingress might carry in: headers camel-mail would read as recipients or as its SMTP settings.
        Map<String, Object> headers = Map.of("mail.smtp.host", "203.0.113.1", "mail.smtp.port", "1", "To", "evil@evil.test",
                "Bcc", "evil@evil.test", "Subject", "forged", "CamelMailTo", "evil@evil.test", "Message-ID", "<forged@evil.test>");
        Exchange ex = template.send("direct:hub-request", e -> {
            e.setProperty("ucTenant", T);
            e.setProperty("ucIngress", "test");
            e.getMessage().setHeaders(new java.util.HashMap<>(headers));
            e.getMessage().setBody(request.getBytes(StandardCharsets.UTF_8));
        });
        assertNull(ex.getException());
        String reply = context.getRegistry().lookupByNameAndType("contractCodec", org.uchub.request.ContractCodec.class)
                .render(ex.getMessage().getBody(jakarta.xml.bind.JAXBElement.class), ex.getProperty("ucFormat", String.class));
        assertEquals(ReplyStatus.ACCEPTED, sessionReply(reply).getStatus(), reply);
        awaitEvent("4714", "FAX_SENT", 1);

        MimeMessage m = gatewayMails("+4930111119").get(0);
        assertEquals(1, m.getAllRecipients().length);
        assertNull(m.getHeader("Bcc"));
        assertTrue(m.getSubject().startsWith("Fax to +4930111119 for case 4714 Contract [uc-fax:"), m.getSubject());
        assertTrue(m.getMessageID().startsWith("<uc-fax."), m.getMessageID());
        String cover = (String) ((Multipart) m.getContent()).getBodyPart(0).getContent();
        assertTrue(cover.contains("Bcc: evil@evil.test"), "the text is still there, as text: " + cover);
        assertEquals(0, mail.getReceivedMessagesForDomain("evil.test").length, "no copy to anyone else");
        assertEquals(1, mail.getReceivedMessages().length);
        for (String h : Collections.list(m.getAllHeaderLines())) {
            assertTrue(!h.toLowerCase().startsWith("bcc") && !h.contains("forged"), h);
        }
    }

    @Test
    void aDroppedRequestCanNameItsDocumentBesideItAndTheDocumentMovesWithIt() throws Exception {
        java.nio.file.Path folder = inbox().resolve(T);
        java.nio.file.Files.createDirectories(folder);
        java.nio.file.Files.write(folder.resolve("Contract_4717.pdf"), PDF);
        String named = startFax("4717", null, "See attached.", "+4930111119").replace("<fileName>contract.pdf</fileName>", "")
                .replaceAll("<content>[^<]*</content>", "<inboxFile>Contract_4717.pdf</inboxFile>");
        drop(T + "/fax-4717.xml", named);
        SessionReply r = sessionReply(awaitReply(T + "/fax-4717.reply.xml"));
        assertEquals(ReplyStatus.ACCEPTED, r.getStatus(), r.getMessage());
        awaitEvent("4717", "FAX_SENT", 1);
        Part doc = ((Multipart) gatewayMails("+4930111119").get(0).getContent()).getBodyPart(1);
        assertEquals("Contract_4717.pdf", doc.getFileName());
        assertArrayEquals(PDF, doc.getInputStream().readAllBytes());
        await(() -> java.nio.file.Files.exists(inbox().resolve(".done").resolve(T).resolve("Contract_4717.pdf")), 10_000,
                "the document follows its request to .done/");
        assertTrue(!java.nio.file.Files.exists(folder.resolve("Contract_4717.pdf")));

        // Only a plain name in the request's own folder, and only for dropped files.
        drop(T + "/fax-4718.xml", named.replace("4717", "4718").replace("Contract_4718.pdf", "../../etc/passwd"));
        SessionReply escaped = sessionReply(awaitReply(T + "/fax-4718.reply.xml"));
        assertEquals("INVALID_TEXT", escaped.getError().getCode(), escaped.getError().getMessage());
        drop(T + "/fax-4719.xml", named.replace("4717", "4719"));
        SessionReply missing = sessionReply(awaitReply(T + "/fax-4719.reply.xml"));
        assertEquals("DOCUMENT_MISSING", missing.getError().getCode(), missing.getError().getMessage());
        rejected(T, named.replace("4717", "4720"), "DOCUMENT_MISSING");
        assertEquals(1, mail.getReceivedMessages().length);

        // The same request and document names again (a batch job's next run): both kept, under one stamp.
        java.nio.file.Files.delete(outbox().resolve(T).resolve("fax-4717.reply.xml"));
        java.nio.file.Files.write(folder.resolve("Contract_4717.pdf"), PDF);
        drop(T + "/fax-4717.xml", named.replace("<businessId>4717</businessId>", "<businessId>4717-2</businessId>"));
        assertEquals(ReplyStatus.ACCEPTED, sessionReply(awaitReply(T + "/fax-4717.reply.xml")).getStatus());
        java.nio.file.Path done = inbox().resolve(".done").resolve(T);
        await(() -> java.nio.file.Files.list(done).filter(f -> f.getFileName().toString().endsWith("-Contract_4717.pdf")).count() == 1,
                10_000, "the second document kept beside the first");
        String doc2 = java.nio.file.Files.list(done).map(f -> f.getFileName().toString()).filter(n -> n.endsWith("-Contract_4717.pdf"))
                .findFirst().orElseThrow();
        String stamp = doc2.substring(0, doc2.length() - "Contract_4717.pdf".length());
        assertTrue(java.nio.file.Files.exists(done.resolve(stamp + "fax-4717.xml")), "request and document under one stamp: " + stamp);
    }

    @Test
    void aDroppedFaxRequestResentUnderItsRequestIdGetsItsFirstReplyWithOrWithoutItsDocumentAndNothingIsSentTwice() throws Exception {
        java.nio.file.Path folder = inbox().resolve(T);
        java.nio.file.Files.createDirectories(folder);
        java.nio.file.Files.write(folder.resolve("Contract_4721.pdf"), PDF);
        String request = startFax("4721", null, null, "+4930111119").replace("<fileName>contract.pdf</fileName>", "")
                .replaceAll("<content>[^<]*</content>", "<inboxFile>Contract_4721.pdf</inboxFile>")
                .replace("<businessId>", "<requestId>fax-4721</requestId><businessId>");
        drop(T + "/fax-4721.xml", request);
        SessionReply first = sessionReply(awaitReply(T + "/fax-4721.reply.xml"));
        assertEquals(ReplyStatus.ACCEPTED, first.getStatus(), first.getMessage());
        awaitEvent("4721", "FAX_SENT", 1);

        // The reply went missing; the job sends the request again. Its document went to .done/ with the first.
        drop(T + "/fax-4721-again.xml", request);
        SessionReply again = sessionReply(awaitReply(T + "/fax-4721-again.reply.xml"));
        assertEquals(ReplyStatus.ACCEPTED, again.getStatus(), again.getError() == null ? again.getMessage() : again.getError().getCode());
        assertEquals(Boolean.TRUE, again.isReplayed());
        assertEquals(first.getSessionId(), again.getSessionId());

        // Or it drops both again: answered the same, and the document does not stay behind in the inbox.
        java.nio.file.Files.write(folder.resolve("Contract_4721.pdf"), PDF);
        drop(T + "/fax-4721-both.xml", request);
        SessionReply both = sessionReply(awaitReply(T + "/fax-4721-both.reply.xml"));
        assertEquals(Boolean.TRUE, both.isReplayed());
        await(() -> !java.nio.file.Files.exists(folder.resolve("Contract_4721.pdf")), 10_000, "the document follows its request");

        assertEquals(1, gatewayMails("+4930111119").size(), "one fax");
        assertTrue(events(logOf("4721"), "REQUEST_REJECTED").isEmpty(), "nothing refused");

        // The requestId used again for another case: refused before its document is read, and the document goes with it.
        java.nio.file.Files.write(folder.resolve("Contract_4721.pdf"), PDF);
        drop(T + "/fax-4722.xml", request.replace("<businessId>4721</businessId>", "<businessId>4722</businessId>"));
        SessionReply reused = sessionReply(awaitReply(T + "/fax-4722.reply.xml"));
        assertEquals("REQUEST_ID_REUSED", reused.getError().getCode(), reused.getError().getMessage());
        await(() -> java.nio.file.Files.exists(inbox().resolve(".error").resolve(T).resolve("Contract_4721.pdf")), 10_000,
                "the document follows its refused request to .error/");
        assertTrue(!java.nio.file.Files.exists(folder.resolve("Contract_4721.pdf")));
    }

    @Test
    void aNumberAddedLaterGetsTheSameDocumentAndTheNewCoverText() throws Exception {
        ok(T, startFax("4723", null, "First.", "+4930111119"));
        awaitEvent("4723", "FAX_SENT", 1);
        SessionReply modified = ok(T, "<ModifySession " + NS + "><businessId>4723</businessId><add><participant><fax>+4930333339</fax>"
                + "</participant></add><text>For your files.</text></ModifySession>");
        assertEquals(ReplyStatus.ACCEPTED, modified.getStatus(), modified.getMessage());
        awaitEvent("4723", "FAX_SENT", 2);
        Multipart mp = (Multipart) gatewayMails("+4930333339").get(0).getContent();
        assertEquals("For your files.", ((String) mp.getBodyPart(0).getContent()).trim());
        assertArrayEquals(PDF, mp.getBodyPart(1).getInputStream().readAllBytes());
        assertEquals(1, gatewayMails("+4930111119").size(), "the first number is not faxed again");
    }

    @Test
    void wordsOfTheRequestsOwnSubjectQuotedBackByTheGatewayAreNotItsVerdict() throws Exception {
        ok(T, startFax("4731", "Claim rejected", null, "+4930111119"));
        awaitEvent("4731", "FAX_SENT", 1);
        MimeMessage original = gatewayMails("+4930111119").get(0);
        // A gateway that answers with its own words and the original mail attached (its
        // subject folded over two lines, as the hub's long subjects are), without In-Reply-To.
        MimeMessage m = new MimeMessage(jakarta.mail.Session.getInstance(new java.util.Properties()));
        m.setFrom("reports@" + GATEWAY_DOMAIN);
        m.setRecipients(MimeMessage.RecipientType.TO, STATUS_ADDRESS);
        m.setSubject("Fax transmission report");
        jakarta.mail.internet.MimeMultipart parts = new jakarta.mail.internet.MimeMultipart();
        jakarta.mail.internet.MimeBodyPart text = new jakarta.mail.internet.MimeBodyPart();
        text.setText("Transmission successful, 1 page.\n", "US-ASCII");
        parts.addBodyPart(text);
        jakarta.mail.internet.MimeBodyPart attached = new jakarta.mail.internet.MimeBodyPart();
        attached.setContent(original, "message/rfc822");
        parts.addBodyPart(attached);
        m.setContent(parts);
        m.saveChanges();
        assertTrue(String.join("", original.getHeader("Subject")).contains("\r\n"), "the quoted subject is folded");
        mail.getUserManager().getUserByEmail(STATUS_ADDRESS).deliver(m);

        awaitEvent("4731", "FAX_DELIVERED", 1);
        assertEquals(0, events(logOf("4731"), "FAX_FAILED").size());
    }

    @Test
    void aMailServersBounceFailsTheFaxItQuotesAndADelayNoticeSettlesNothing() throws Exception {
        ok(T, startFax("4725", null, null, "+4930111119", "+4930222229"));
        awaitEvent("4725", "FAX_SENT", 2);
        MimeMessage first = gatewayMails("+4930111119").get(0);
        MimeMessage second = gatewayMails("+4930222229").get(0);
        // RFC 3464 reports as an MTA writes them: no In-Reply-To, the original headers quoted.
        mail.getUserManager().getUserByEmail(STATUS_ADDRESS).deliver(dsn(first, "failed", "5.1.1",
                "smtp; 550 5.1.1 <+4930111119@fax.test>: Recipient address rejected: unknown fax account"));
        MimeMessage delay = dsn(second, "delayed", "4.4.1", "smtp; 451 4.4.1 gateway busy, will retry");
        mail.getUserManager().getUserByEmail(STATUS_ADDRESS).deliver(delay);
        awaitEvent("4725", "FAX_FAILED", 1);
        awaitEvent("4725", "FAX_MAIL_NOTICE", 1);
        SessionReply log = logOf("4725");
        Event failed = events(log, "FAX_FAILED").get(0);
        assertTrue(failed.getDetail().contains("+4930111119") && failed.getDetail().contains("unknown fax account"), failed.getDetail());
        assertTrue(events(log, "FAX_MAIL_NOTICE").get(0).getDetail().contains("delayed"));
        assertEquals("SENT", log.getSessions().getSession().get(0).getParticipants().getParticipant().get(1).getState(),
                "a delay notice is no verdict");
        await(() -> statusFolderCount("UC-Fax-Done") == 2, 10_000, "both notices filed");

        // Read again (as when the server refused to move it out of the folder): not logged twice.
        org.apache.camel.Exchange again = new org.apache.camel.support.DefaultExchange(context);
        again.setIn(new org.apache.camel.component.mail.MailMessage(again, delay, false));
        context.getRegistry().lookupByNameAndType("faxReports", FaxReports.class).record(again);
        assertEquals(Boolean.TRUE, again.getIn().getHeader("ucFaxMatched"));
        assertEquals(1, events(logOf("4725"), "FAX_MAIL_NOTICE").size());
    }

    private static MimeMessage dsn(MimeMessage original, String action, String status, String diagnostic) throws Exception {
        jakarta.mail.Session session = jakarta.mail.Session.getInstance(new java.util.Properties());
        MimeMessage m = new MimeMessage(session);
        m.setFrom("MAILER-DAEMON@mx." + GATEWAY_DOMAIN);
        m.setRecipients(MimeMessage.RecipientType.TO, STATUS_ADDRESS);
        m.setSubject(action.equals("failed") ? "Undelivered Mail Returned to Sender" : "Delayed Mail (still being retried)");
        jakarta.mail.internet.MimeMultipart report = new jakarta.mail.internet.MimeMultipart("report; report-type=delivery-status");
        jakarta.mail.internet.MimeBodyPart human = new jakarta.mail.internet.MimeBodyPart();
        human.setText("This is the mail system at host mx." + GATEWAY_DOMAIN + ".\n", "US-ASCII");
        report.addBodyPart(human);
        jakarta.mail.internet.MimeBodyPart statusPart = new jakarta.mail.internet.MimeBodyPart();
        statusPart.setContent("Reporting-MTA: dns; mx." + GATEWAY_DOMAIN + "\r\n\r\nFinal-Recipient: rfc822; "
                + original.getAllRecipients()[0] + "\r\nAction: " + action + "\r\nStatus: " + status + "\r\nDiagnostic-Code: "
                + diagnostic + "\r\n", "message/delivery-status");
        report.addBodyPart(statusPart);
        jakarta.mail.internet.MimeBodyPart headers = new jakarta.mail.internet.MimeBodyPart();
        headers.setContent("Message-ID: " + original.getMessageID() + "\r\nSubject: " + original.getSubject() + "\r\n",
                "text/rfc822-headers");
        report.addBodyPart(headers);
        m.setContent(report);
        m.saveChanges();
        return m;
    }

    @Test
    void headerTextIsOneLineWhateverItHolds() {
        assertEquals("a b c", FaxText.headerSafe("a\r\nb\u0000\u2028c"));
        assertEquals("x Bcc: y", FaxText.headerSafe("x\r\n Bcc: y\n"));
    }

    @Test
    void aDocumentOverTheLimitOrOfTheWrongTypeIsRefusedAndNothingIsMailed() throws Exception {
        String wrongType = startFax("4715", null, null, "+4930111119").replace(Base64.getEncoder().encodeToString(PDF),
                Base64.getEncoder().encodeToString("MZ\u0090\u0000 an executable".getBytes(StandardCharsets.ISO_8859_1)));
        rejected(T, wrongType, "DOCUMENT_TYPE_NOT_ALLOWED");
        byte[] big = new byte[10 * 1024 * 1024 + 1];
        System.arraycopy(PDF, 0, big, 0, PDF.length);
        String tooBig = startFax("4716", null, null, "+4930111119").replace(Base64.getEncoder().encodeToString(PDF),
                Base64.getEncoder().encodeToString(big));
        rejected(T, tooBig, "DOCUMENT_TOO_LARGE");
        Thread.sleep(1000);
        assertEquals(0, mail.getReceivedMessages().length);
    }
}
