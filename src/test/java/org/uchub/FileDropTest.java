package org.uchub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.uchub.contract.Channel;
import org.uchub.contract.ErrorReply;
import org.uchub.contract.Event;
import org.uchub.contract.ParticipantState;
import org.uchub.contract.ReplyStatus;
import org.uchub.contract.Session;
import org.uchub.contract.SessionReply;

/** The file-drop ingress end to end: inbox, outbox, .done, .error, tenants. */
class FileDropTest extends HubTestSupport {

    private SessionReply dropAndAwait(String name, String content) throws Exception {
        drop(name, content);
        String base = name.substring(0, name.lastIndexOf('.'));
        return sessionReply(awaitReply(base + ".reply.xml"));
    }

    private static List<String> eventTypes(SessionReply r) {
        return r.getEvents().getEvent().stream().map(Event::getType).toList();
    }

    @Test
    void imWithoutAnXmppServerFailsAtOnceWithXmppNotConfiguredAndTheLogSaysSo() throws Exception {
        drop("im.xml", "<StartSession " + NS + "><businessId>case-im</businessId><channel>im</channel><participants>"
                + "<participant><jid>alice@example.com</jid></participant></participants><options><text>Hello</text></options>"
                + "</StartSession>");
        SessionReply r = sessionReply(awaitReply("im.reply.xml"));
        assertEquals(ReplyStatus.FAILED, r.getStatus());
        assertEquals("XMPP_NOT_CONFIGURED", r.getError().getCode(), r.getError().getMessage());
        assertEquals("FAILED", r.getSessions().getSession().get(0).getState());
        SessionReply log = dropAndAwait("im-query.xml", query("case-im"));
        Event failed = log.getEvents().getEvent().stream().filter(e -> e.getType().equals("SESSION_FAILED")).findFirst().orElseThrow();
        assertTrue(failed.getDetail().startsWith("XMPP_NOT_CONFIGURED"), failed.getDetail());
    }

    @Test
    void faxWithoutAGatewayFailsAtOnceWithFaxNotConfiguredAndTheLogSaysSo() throws Exception {
        String pdf = Base64.getEncoder().encodeToString("%PDF-1.4\n%test\n".getBytes(StandardCharsets.US_ASCII));
        SessionReply r = dropAndAwait("fax.xml", "<StartSession " + NS + "><businessId>case-fax</businessId><channel>fax</channel>"
                + "<participants><participant><fax>+4930111119</fax></participant></participants><options><document>"
                + "<mimeType>application/pdf</mimeType><content>" + pdf + "</content></document></options></StartSession>");
        assertEquals(ReplyStatus.FAILED, r.getStatus());
        assertEquals("FAX_NOT_CONFIGURED", r.getError().getCode(), r.getError().getMessage());
        Session s = r.getSessions().getSession().get(0);
        assertEquals(Channel.FAX, s.getChannel());
        assertEquals("FAILED", s.getState());
        SessionReply log = dropAndAwait("fax-query.xml", query("case-fax"));
        Event failed = log.getEvents().getEvent().stream().filter(e -> e.getType().equals("SESSION_FAILED")).findFirst().orElseThrow();
        assertTrue(failed.getDetail().startsWith("FAX_NOT_CONFIGURED"), failed.getDetail());
    }

    @Test
    void jsonRequestsGetJsonReplies() throws Exception {
        drop("call.json", Files.readString(Path.of("examples/start-call.json")));
        JsonNode reply = readJson(awaitReply("call.reply.json")).get("StartSessionResponse");
        assertEquals("ACCEPTED", reply.get("status").asText());
        assertEquals("case-9001", reply.get("businessId").asText());
        JsonNode participant = reply.get("sessions").get("session").get(0).get("participants").get("participant").get(1);
        assertEquals("+4930333333", participant.get("address").asText());
        // The reply is written inside the route; the file moves to .done/ once the route has finished.
        await(() -> Files.exists(inbox().resolve(".done/call.json")), 5_000, "call.json moved to .done/");
    }

    @Test
    void malformedFileGoesToErrorWithItsReasonAndLine() throws Exception {
        drop("broken.xml", Files.readString(Path.of("examples/malformed.xml")));
        Object reply = parse(awaitReply("broken.reply.xml"));
        ErrorReply error = (ErrorReply) reply;
        assertEquals("MALFORMED_REQUEST", error.getError().getCode());
        assertEquals(ReplyStatus.REJECTED, error.getStatus());
        Path note = inbox().resolve(".error/broken.xml.error.txt");
        awaitFile(note);
        String text = Files.readString(note);
        assertTrue(text.contains("code: MALFORMED_REQUEST"), text);
        assertTrue(text.contains("line: 5"), text);
        assertTrue(Files.exists(inbox().resolve(".error/broken.xml")), "the rejected file is kept");
        assertFalse(Files.exists(inbox().resolve("broken.xml")));
    }

    @Test
    void malformedJsonGoesToErrorWithItsLine() throws Exception {
        drop("broken.json", "{\n  \"StartSession\": {\n    \"businessId\": \"1\",,\n  }\n}");
        JsonNode error = readJson(awaitReply("broken.reply.json")).get("Error").get("error");
        assertEquals("MALFORMED_REQUEST", error.get("code").asText());
        assertEquals(3, error.get("line").asInt());
        awaitFile(inbox().resolve(".error/broken.json.error.txt"));
    }

    @Test
    void externalEntityIsRejectedAndTheFileIsNeverRead() throws Exception {
        Path secret = dataDir.resolve("secret.txt");
        Files.writeString(secret, "TOP-SECRET-CONTENT");
        String xxe = "<?xml version=\"1.0\"?>\n<!DOCTYPE q [<!ENTITY xxe SYSTEM \"" + secret.toUri() + "\">]>\n"
                + "<QuerySessionLog " + NS + "><businessId>&xxe;</businessId></QuerySessionLog>";
        drop("xxe.xml", xxe);
        String reply = awaitReply("xxe.reply.xml");
        assertEquals("DTD_NOT_ALLOWED", ((ErrorReply) parse(reply)).getError().getCode());
        assertFalse(reply.contains("TOP-SECRET"));
        Path note = inbox().resolve(".error/xxe.xml.error.txt");
        awaitFile(note);
        assertFalse(Files.readString(note).contains("TOP-SECRET"));
    }

    @Test
    void billionLaughsIsRejectedWithoutExpansion() throws Exception {
        StringBuilder dtd = new StringBuilder("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\">");
        for (int i = 1; i < 10; i++) {
            dtd.append("<!ENTITY lol").append(i).append(" \"").append(("&lol" + (i == 1 ? "" : i - 1) + ";").repeat(10)).append("\">");
        }
        dtd.append("]>\n<QuerySessionLog ").append(NS).append("><businessId>&lol9;</businessId></QuerySessionLog>");
        drop("lol.xml", dtd.toString());
        assertEquals("DTD_NOT_ALLOWED", ((ErrorReply) parse(awaitReply("lol.reply.xml"))).getError().getCode());
    }

    @Test
    void tenantsAreTheirSubfoldersAndCannotSeeEachOther() throws Exception {
        drop("erp/start.xml", startConference("shared-7", null, "+4930111111"));
        SessionReply started = sessionReply(awaitReply("erp/start.reply.xml"));
        assertEquals("8000", started.getReservedNumber());

        // Another tenant asking for the same business ID gets exactly what an unknown ID gets.
        drop("crm/query.xml", query("shared-7"));
        SessionReply foreign = sessionReply(awaitReply("crm/query.reply.xml"));
        assertEquals("NOT_FOUND", foreign.getError().getCode());
        drop("crm/query-unknown.xml", query("never-seen"));
        SessionReply unknown = sessionReply(awaitReply("crm/query-unknown.reply.xml"));
        assertEquals(unknown.getError().getCode(), foreign.getError().getCode());
        assertEquals(unknown.getError().getMessage().replace("never-seen", "shared-7"), foreign.getError().getMessage());

        drop("crm/end.xml", end("shared-7"));
        assertEquals("NOT_FOUND", sessionReply(awaitReply("crm/end.reply.xml")).getError().getCode());
        // The default tenant (top-level inbox) is a tenant of its own.
        drop("end.xml", end("shared-7"));
        assertEquals("NOT_FOUND", sessionReply(awaitReply("end.reply.xml")).getError().getCode());

        drop("erp/query.xml", query("shared-7"));
        SessionReply own = sessionReply(awaitReply("erp/query.reply.xml"));
        assertEquals(ReplyStatus.OK, own.getStatus());
        assertEquals(1, own.getSessions().getSession().size());
        assertTrue(Files.exists(inbox().resolve(".error/crm/end.xml")));
    }

    @Test
    void aFolderNameThatIsNoTenantIdIsRejected() throws Exception {
        drop("bad tenant/q.xml", query("x"));
        assertEquals("UNKNOWN_TENANT", ((ErrorReply) parse(awaitReply("bad tenant/q.reply.xml"))).getError().getCode());
    }

    @Test
    void aRepeatedRequestIdReturnsTheFirstReplyAndChangesNothing() throws Exception {
        String request = startConference("idem-1", "req-1", "+4930111111");
        SessionReply first = dropAndAwait("a.xml", request);
        SessionReply second = dropAndAwait("b.xml", request);
        assertEquals(first.getSessionId(), second.getSessionId());
        assertEquals(first.getReservedNumber(), second.getReservedNumber());
        assertEquals(Boolean.TRUE, second.isReplayed());
        assertNull(first.isReplayed());

        SessionReply log = dropAndAwait("q.xml", query("idem-1"));
        assertEquals(1, log.getSessions().getSession().size());
        assertEquals(1, eventTypes(log).stream().filter("REQUEST_RECEIVED"::equals).count());
        // A different request under the same id from another tenant is that tenant's own.
        SessionReply other = dropAndAwait("crm/c.xml", request);
        assertFalse(first.getSessionId().equals(other.getSessionId()));
    }

    @Test
    void aHundredFilesDroppedAtOnceAreEachProcessedExactlyOnce() throws Exception {
        Path staging = dataDir.resolve("staging");
        Files.createDirectories(staging);
        for (int i = 0; i < 100; i++) {
            Files.writeString(staging.resolve("bulk-" + i + ".xml"), i % 2 == 0
                    ? startConference("bulk-" + i, "bulk-req-" + i, "+49301111" + String.format("%02d", i))
                    : "<StartSession " + NS + "><businessId>bulk-" + i + "</businessId><channel>call</channel><participants>"
                            + "<participant><number>+4930111111</number></participant><participant><number>+4930222222</number>"
                            + "</participant></participants></StartSession>");
        }
        try (Stream<Path> files = Files.list(staging)) {
            for (Path f : files.toList()) {
                Files.move(f, inbox().resolve(f.getFileName()));
            }
        }
        for (int i = 0; i < 100; i++) {
            SessionReply r = sessionReply(awaitReply("bulk-" + i + ".reply.xml"));
            assertEquals(ReplyStatus.ACCEPTED, r.getStatus(), "bulk-" + i);
        }
        awaitCount(inbox().resolve(".done"), 100);
        for (int i = 0; i < 100; i++) {
            SessionReply log = ok("default", query("bulk-" + i));
            assertEquals(1, log.getSessions().getSession().size(), "bulk-" + i);
        }
        // Fifty conferences hold fifty distinct reserved numbers.
        try (Stream<Path> replies = Files.list(outbox())) {
            List<String> numbers = replies.map(p -> sessionReply(read(p)).getReservedNumber()).filter(n -> n != null).collect(Collectors.toList());
            assertEquals(50, numbers.size());
            assertEquals(50, numbers.stream().distinct().count());
        }
    }

    @Test
    void anEmptyFileIsAnsweredAsMalformedAndKeptWithItsNote() throws Exception {
        drop("empty.xml", "");
        // Camel's read lock waits for at least one byte unless told otherwise: the file was never answered.
        // Now it is, once it stayed empty for hub.inbox.empty-min-age-ms (1 s here): not before.
        Thread.sleep(600);
        assertFalse(Files.exists(outbox().resolve("empty.reply.xml")), "an empty file taken before its writer could begin");
        ErrorReply r = (ErrorReply) parse(awaitReply("empty.reply.xml"));
        assertEquals("MALFORMED_REQUEST", r.getError().getCode(), r.getError().getMessage());
        awaitFile(inbox().resolve(".error/empty.xml"));
        awaitFile(inbox().resolve(".error/empty.xml.error.txt"));
        // And the inbox goes on at once behind it.
        dropAndAwait("after-empty.xml", query("x"));
    }

    @Test
    void aNameUsedAgainNeverReplacesAnEarlierFileOrItsNote() throws Exception {
        drop("again.xml", "<first");
        awaitReply("again.reply.xml");
        awaitFile(inbox().resolve(".error/again.xml.error.txt"));
        awaitFile(inbox().resolve(".error/again.xml"));
        Files.delete(outbox().resolve("again.reply.xml"));
        drop("again.xml", "<second");
        awaitReply("again.reply.xml");
        awaitCount(inbox().resolve(".error"), 4);
        try (Stream<Path> kept = Files.list(inbox().resolve(".error"))) {
            List<String> names = kept.map(p -> p.getFileName().toString()).sorted().toList();
            List<String> contents = names.stream().filter(n -> !n.endsWith(".error.txt"))
                    .map(n -> read(inbox().resolve(".error").resolve(n))).sorted().toList();
            assertEquals(List.of("<first", "<second"), contents, names.toString());
            for (String n : names.stream().filter(n -> !n.endsWith(".error.txt")).toList()) {
                assertTrue(names.contains(n + ".error.txt"), "each kept file has its own note: " + names);
            }
        }

        String one = startConference("twice-1", null, "+4930111111");
        String two = startConference("twice-2", null, "+4930111111");
        dropAndAwait("done-twice.xml", one);
        awaitFile(inbox().resolve(".done/done-twice.xml"));
        Files.delete(outbox().resolve("done-twice.reply.xml"));
        dropAndAwait("done-twice.xml", two);
        awaitCount(inbox().resolve(".done"), 2);
        try (Stream<Path> done = Files.list(inbox().resolve(".done"))) {
            List<String> contents = done.map(p -> read(p)).sorted().toList();
            assertEquals(Stream.of(one, two).sorted().toList(), contents);
        }
    }

    @Test
    void aNameTheHubCannotOpenIsToldOnceAndTheRestOfTheInboxGoesOn() throws Exception {
        // Latin-1 bytes under a UTF-8 locale (an old Unix writer over NFS), and a backslash.
        org.junit.jupiter.api.Assumptions.assumeTrue("UTF-8".equals(System.getProperty("sun.jnu.encoding")),
                "file names are read as UTF-8");
        Process p = new ProcessBuilder("bash", "-c", "printf x > $'M\\xfcller.xml' && printf x > 'a\\b.xml'")
                .directory(inbox().toFile()).start();
        assertEquals(0, p.waitFor());
        dropAndAwait("after-odd-names.xml", query("x"));
        org.uchub.ingress.InboxListing names = context.getRegistry().lookupByNameAndType("inboxListing", org.uchub.ingress.InboxListing.class);
        await(() -> names.unopenable().size() == 2, 5_000, "both names told: " + names.unopenable());
        assertTrue(names.unopenable().stream().anyMatch(n -> n.endsWith("M?ller.xml")), names.unopenable().toString());
        assertTrue(names.unopenable().stream().anyMatch(n -> n.endsWith("a\\b.xml")), names.unopenable().toString());
        Thread.sleep(500);
        assertEquals(2, names.toldCount(), "told once, not at every poll");
    }

    @Test
    void aLinkDroppedAsARequestIsRefusedAndNeverReadThrough() throws Exception {
        // Another tenant's request, which the link would have made this tenant's.
        drop("erp/theirs.xml", startConference("linked-1", null, "+4930111111"));
        awaitReply("erp/theirs.reply.xml");
        Files.createDirectories(inbox().resolve("crm"));
        Files.createSymbolicLink(inbox().resolve("crm/mine.xml"), inbox().resolve(".done/erp/theirs.xml"));
        ErrorReply r = (ErrorReply) parse(awaitReply("crm/mine.reply.xml"));
        assertEquals("MALFORMED_REQUEST", r.getError().getCode(), r.getError().getMessage());
        assertTrue(r.getError().getMessage().contains("link"), r.getError().getMessage());
        assertEquals(1, ok("erp", query("linked-1")).getSessions().getSession().size());
        rejected("crm", query("linked-1"), "NOT_FOUND");
        await(() -> Files.isSymbolicLink(inbox().resolve(".error/crm/mine.xml")), 5_000, "the link is kept, not what it points at");

        // A tenant folder that is a link to another tenant's done requests: not looked into.
        Files.createSymbolicLink(inbox().resolve("sales"), inbox().resolve(".done/erp"));
        dropAndAwait("after-linked-folder.xml", query("x"));
        Thread.sleep(500);
        assertTrue(Files.exists(inbox().resolve(".done/erp/theirs.xml")), "the other tenant's file stays where it is");
        assertFalse(Files.exists(outbox().resolve("sales/theirs.reply.xml")));
        assertEquals(1, ok("erp", query("linked-1")).getSessions().getSession().size());
        rejected("sales", query("linked-1"), "NOT_FOUND");
    }

    @Test
    void aLinkToNothingIsAnsweredAndKeptInsteadOfPassedOverAtEveryPoll() throws Exception {
        Files.createDirectories(inbox().resolve("crm"));
        Files.createSymbolicLink(inbox().resolve("crm/gone.xml"), inbox().resolve("crm/nowhere.xml"));
        ErrorReply r = (ErrorReply) parse(awaitReply("crm/gone.reply.xml"));
        assertEquals("MALFORMED_REQUEST", r.getError().getCode(), r.getError().getMessage());
        assertTrue(r.getError().getMessage().contains("link"), r.getError().getMessage());
        await(() -> Files.isSymbolicLink(inbox().resolve(".error/crm/gone.xml")), 5_000, "the link is kept");
        awaitFile(inbox().resolve(".error/crm/gone.xml.error.txt"));
        assertFalse(Files.exists(inbox().resolve("crm/gone.xml"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aNameTooLongToAnswerUnderIsRefusedBeforeAnythingIsAppliedAndKeptUnderAShorterName() throws Exception {
        // 250 bytes: a legal name, but Camel's lock marker's, the reply's and the note's names would pass the file system's 255.
        String longName = "a".repeat(246) + ".xml";
        String fitted = org.uchub.ingress.InboxFiles.fit(longName);
        assertTrue(fitted.length() <= 200 && fitted.endsWith(".xml") && fitted.startsWith("aaaa"), fitted);
        drop(longName, startConference("long-name", null, "+4930111111"));
        ErrorReply r = (ErrorReply) parse(awaitReply(fitted.substring(0, fitted.length() - 4) + ".reply.xml"));
        assertEquals("FILE_NAME_TOO_LONG", r.getError().getCode(), r.getError().getMessage());
        assertTrue(r.getError().getMessage().contains(fitted), r.getError().getMessage());
        awaitFile(inbox().resolve(".error").resolve(fitted));
        awaitFile(inbox().resolve(".error").resolve(fitted + ".error.txt"));
        assertFalse(Files.exists(inbox().resolve(longName)));
        rejected("default", query("long-name"), "NOT_FOUND");

        // The longest name read, twice (a batch job's fixed name): answered both times, both kept.
        String longest = "b".repeat(196) + ".xml";
        String first = startConference("longest-1", null, "+4930111111");
        String second = startConference("longest-2", null, "+4930111111");
        dropAndAwait(longest, first);
        awaitFile(inbox().resolve(".done").resolve(longest));
        Files.delete(outbox().resolve("b".repeat(196) + ".reply.xml"));
        dropAndAwait(longest, second);
        awaitCount(inbox().resolve(".done"), 2);
        assertFalse(Files.exists(inbox().resolve(longest)));
    }

    @Test
    void aFileStillBeingWrittenIsNotPickedUp() throws Exception {
        String request = startConference("slow-1", null, "+4930111111");
        // Split where whitespace is legal, so the padding below keeps the document valid.
        int half = request.indexOf("<participants>") + "<participants>".length();
        Path file = inbox().resolve("slow.xml");
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(request.substring(0, half).getBytes(StandardCharsets.UTF_8));
            out.flush();
            // Keep writing slowly for longer than the read lock's minimum age.
            for (int i = 0; i < 8; i++) {
                Thread.sleep(150);
                out.write(' ');
                out.flush();
            }
            assertFalse(Files.exists(outbox().resolve("slow.reply.xml")), "a half-written file was taken");
            out.write(request.substring(half).getBytes(StandardCharsets.UTF_8));
        }
        SessionReply r = sessionReply(awaitReply("slow.reply.xml"));
        assertEquals(ReplyStatus.ACCEPTED, r.getStatus());
    }

    @Test
    void filesBeingWrittenUnderATemporaryNameAreLeftAlone() throws Exception {
        Path tmp = inbox().resolve("upload.xml.part");
        Files.writeString(tmp, query("x"));
        drop("marker.xml", query("y"));
        awaitReply("marker.reply.xml");
        Thread.sleep(500);
        assertTrue(Files.exists(tmp));
        assertFalse(Files.exists(outbox().resolve("upload.xml.reply.xml")));
    }

    @Test
    void aDeadSessionLogLeavesTheFileInTheInboxToRetry() throws Exception {
        dropAndAwait("first.xml", query("x"));
        context.getRegistry().lookupByNameAndType("dataSource", com.zaxxer.hikari.HikariDataSource.class).close();
        drop("waiting.xml", startConference("db-down", null, "+4930111111"));
        Thread.sleep(2000);
        assertTrue(Files.exists(inbox().resolve("waiting.xml")), "the request must stay in the inbox");
        assertFalse(Files.exists(outbox().resolve("waiting.reply.xml")));
        assertFalse(Files.exists(inbox().resolve(".error/waiting.xml")));
        assertFalse(Files.exists(inbox().resolve(".done/waiting.xml")));
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void awaitFile(Path p) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (!Files.exists(p) && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(Files.exists(p), p + " missing");
    }

    private static void awaitCount(Path dir, int n) throws Exception {
        long deadline = System.currentTimeMillis() + 20_000;
        long count = 0;
        while (System.currentTimeMillis() < deadline) {
            try (Stream<Path> s = Files.list(dir)) {
                count = s.filter(Files::isRegularFile).count();
            }
            if (count >= n) {
                break;
            }
            Thread.sleep(100);
        }
        assertEquals(n, count, "files in " + dir);
    }
}
