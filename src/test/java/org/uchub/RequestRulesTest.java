package org.uchub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Base64;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.uchub.contract.ReplyStatus;
import org.uchub.contract.SessionReply;

/**
 * Every validation rule and error code, through the shared entry every ingress uses. The rules
 * here do not depend on what the session log holds, so the tests share one hub (starting one
 * took nearly two seconds of each test); {@link SessionStateRulesTest} has those that do.
 * camel-test-junit5 4.14 runs a PER_CLASS test on its "legacy" context manager and warns
 * that it is deprecated; it still is the way this module shares a context between tests.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestRulesTest extends HubTestSupport {
    private static final String T = "erp";

    @TempDir
    static Path sharedState;

    @Override
    protected Path stateDir() {
        return sharedState;
    }

    /**
     * camel-test-junit5's legacy per-class context manager never stops the shared context: left
     * running, this hub (its JMS consumers reconnecting) took requests of later test classes.
     */
    @AfterAll
    void stopTheSharedHub() {
        context.stop();
    }

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        p.setProperty("hub.pool.numbers", "8000-8001");
        p.setProperty("hub.rules.max-document-bytes", "2048");
        p.setProperty("hub.request.max-bytes", "200000");
        p.setProperty("hub.rules.max-participants", "5");
        p.setProperty("hub.rules.max-text-length", "100");
        return p;
    }

    private static String start(String businessId, String channel, String participants, String options) {
        return "<StartSession " + NS + "><businessId>" + businessId + "</businessId><channel>" + channel
                + "</channel><participants>" + participants + "</participants>" + (options == null ? "" : "<options>" + options + "</options>")
                + "</StartSession>";
    }

    private static String num(String n) {
        return "<participant><number>" + n + "</number></participant>";
    }

    private static String two() {
        return num("+4930111111") + num("+4930222222");
    }

    private static String fax(String mime, byte[] content) {
        return "<document><fileName>contract.pdf</fileName><mimeType>" + mime + "</mimeType><content>"
                + Base64.getEncoder().encodeToString(content) + "</content></document>";
    }

    @Test
    void businessIdWithForbiddenCharactersIsRefused() {
        rejected(T, start("47 11", "call", two(), null), "INVALID_BUSINESS_ID");
        rejected(T, start("4711/../x", "call", two(), null), "INVALID_BUSINESS_ID");
        rejected(T, start("", "call", two(), null), "INVALID_BUSINESS_ID");
    }

    @Test
    void businessIdOfSixtyFiveCharactersIsRefusedAndSixtyFourAccepted() {
        rejected(T, start("a".repeat(65), "call", two(), null), "INVALID_BUSINESS_ID");
        ok(T, start("b".repeat(64), "call", two(), null));
        ok(T, start("Case_1.2:3-4", "call", two(), null));
    }

    @Test
    void requestIdFollowsTheSameCharacterRules() {
        rejected(T, "<EndSession " + NS + "><requestId>bad id</requestId><businessId>x</businessId></EndSession>",
                "INVALID_REQUEST_ID");
    }

    @Test
    void numberWithALineBreakNeverGetsThrough() {
        String message = rejected(T, start("4711", "call", num("+4930111111&#13;&#10;Action: Originate") + num("+4930222222"), null),
                "INVALID_NUMBER");
        // The echo in the message is escaped, so the error text itself cannot smuggle a line.
        assertFalse(message.contains("\n"));
        assertFalse(message.contains("\r"));
    }

    @Test
    void numbersMustBeAnOptionalPlusAndTwoToTwentyDigits() {
        rejected(T, start("4711", "call", num("+49 30 111") + num("+4930222222"), null), "INVALID_NUMBER");
        rejected(T, start("4711", "call", num("1") + num("+4930222222"), null), "INVALID_NUMBER");
        rejected(T, start("4711", "call", num("1".repeat(21)) + num("+4930222222"), null), "INVALID_NUMBER");
        rejected(T, start("4711", "call", num("++4930") + num("+4930222222"), null), "INVALID_NUMBER");
        rejected(T, start("4711", "call", num("0301234*") + num("+4930222222"), null), "INVALID_NUMBER");
        ok(T, start("4711", "call", num("12") + num("1".repeat(20)), null));
    }

    @Test
    void malformedJidIsRefused() {
        rejected(T, start("4711", "im", "<participant><jid>not a jid</jid></participant>", null), "INVALID_JID");
        rejected(T, start("4711", "im", "<participant><jid>a@b@c</jid></participant>", null), "INVALID_JID");
    }

    /**
     * The request passed the rules and was applied, whatever its channel then answered: this
     * test's hub has no XMPP server, so an IM session ends FAILED with XMPP_NOT_CONFIGURED.
     */
    private SessionReply passes(String request) {
        SessionReply r = assertInstanceOf(SessionReply.class, parse(call(T, request)));
        if (r.getError() != null) {
            assertEquals("XMPP_NOT_CONFIGURED", r.getError().getCode(), r.getError().getMessage());
        }
        assertEquals(1, r.getSessions().getSession().size());
        return r;
    }

    @Test
    void jidsAreBoundedAndFreeOfUnicodeLineBreaks() {
        rejected(T, start("4711", "im", "<participant><jid>" + "a".repeat(400) + "@example.com</jid></participant>", null), "INVALID_JID");
        rejected(T, start("4711", "im", "<participant><jid>a&#x2028;b@example.com</jid></participant>", null), "INVALID_JID");
        rejected(T, start("4711", "im", "<participant><jid>a&#x85;b@example.com</jid></participant>", null), "INVALID_JID");
        passes(start("4711", "im", "<participant><jid>jürgen@example.com/desk</jid></participant>", null));
    }

    @Test
    void aPersonAndTheirOwnNumberAreTheSameParticipant() {
        rejected(T, start("4711", "conference", "<participant><personId>alice</personId></participant>" + num("+4930111111"), null),
                "DUPLICATE_PARTICIPANT");
    }

    @Test
    void malformedEmailIsRefused() {
        rejected(T, start("4711", "fax", "<participant><email>a@@b</email></participant>", null), "INVALID_EMAIL");
        rejected(T, start("4711", "fax", "<participant><email>a@b.com&#10;Bcc: x@y.z</email></participant>", null),
                "INVALID_EMAIL");
    }

    @Test
    void personIdMustBeAnIdentifier() {
        rejected(T, start("4711", "call", "<participant><personId>bob smith</personId></participant>" + num("+4930222222"), null),
                "INVALID_PERSON_ID");
    }

    @Test
    void participantLimitComesFromConfiguration() {
        String six = num("+491") + num("+492") + num("+493") + num("+494") + num("+495") + num("+496");
        rejected(T, start("4711", "conference", six, null), "TOO_MANY_PARTICIPANTS");
    }

    @Test
    void theSameParticipantTwiceIsRefused() {
        rejected(T, start("4711", "conference", num("+4930111111") + num("+4930111111"), null), "DUPLICATE_PARTICIPANT");
    }

    @Test
    void aCallConnectsExactlyTwoParties() {
        rejected(T, start("4711", "call", num("+4930111111"), null), "CALL_NEEDS_TWO_PARTIES");
    }

    @Test
    void channelsOnlyTakeAddressesTheyCanReach() {
        rejected(T, start("4711", "conference", "<participant><jid>a@example.com</jid></participant>", null),
                "ADDRESS_NOT_SUPPORTED_BY_CHANNEL");
        rejected(T, start("4711", "im", num("+4930111111"), null), "ADDRESS_NOT_SUPPORTED_BY_CHANNEL");
    }

    @Test
    void personsResolveThroughTheDirectory() {
        SessionReply r = passes(start("4711", "im", "<participant><personId>alice</personId></participant>", null));
        assertEquals("alice@example.com", r.getSessions().getSession().get(0).getParticipants().getParticipant().get(0).getAddress());
        assertEquals("Alice Test", r.getSessions().getSession().get(0).getParticipants().getParticipant().get(0).getDisplayName());
        rejected(T, start("4711", "im", "<participant><personId>nobody</personId></participant>", null), "UNKNOWN_PERSON");
        rejected(T, start("4711", "im", "<participant><personId>carol</personId></participant>", null), "JID_MISSING");
        rejected(T, start("4711", "call", "<participant><personId>nophone</personId></participant>" + num("+4930222222"), null),
                "PERSON_NOT_REACHABLE");
    }

    @Test
    void aDirectoryNumberBreakingTheRulesIsLeftOutNotDialled() {
        // Its person stays (by name, other addresses); the number it had is not there to dial.
        rejected(T, start("4711", "call", "<participant><personId>broken</personId></participant>" + num("+4930222222"), null),
                "PERSON_NOT_REACHABLE");
    }

    @Test
    void aQuotedDirectoryNameWithACommaKeepsItsColumns() {
        SessionReply r = passes(start("4711", "im", "<participant><personId>erin</personId></participant>", null));
        assertEquals("erin@example.com", r.getSessions().getSession().get(0).getParticipants().getParticipant().get(0).getAddress());
        assertEquals("Test, Erin", r.getSessions().getSession().get(0).getParticipants().getParticipant().get(0).getDisplayName());
    }

    @Test
    void faxNeedsADocumentAndAFaxNumber() {
        byte[] pdf = "%PDF-1.4 test".getBytes();
        rejected(T, start("4711", "fax", num("+4930111111"), null), "DOCUMENT_MISSING");
        rejected(T, start("4711", "fax", "<participant><personId>bob</personId></participant>", fax("application/pdf", pdf)),
                "FAX_NUMBER_MISSING");
        // Valid: it gets as far as the channel, which has no gateway in this test's hub.
        rejected(T, start("4711", "fax", "<participant><fax>+4930111119</fax></participant>", fax("application/pdf", pdf)),
                "FAX_NOT_CONFIGURED");
    }

    @Test
    void documentsMustBePdfOrTiffWithinTheSizeLimit() {
        byte[] pdf = "%PDF-1.4 test".getBytes();
        String p = num("+4930111111");
        rejected(T, start("4711", "fax", p, fax("text/plain", pdf)), "DOCUMENT_TYPE_NOT_ALLOWED");
        rejected(T, start("4711", "fax", p, fax("application/pdf", "MZ not a pdf".getBytes())), "DOCUMENT_TYPE_NOT_ALLOWED");
        byte[] big = new byte[2049];
        System.arraycopy(pdf, 0, big, 0, pdf.length);
        rejected(T, start("4711", "fax", p, fax("application/pdf", big)), "DOCUMENT_TOO_LARGE");
        byte[] tiff = {'I', 'I', 42, 0, 8, 0, 0, 0};
        rejected(T, start("4711", "fax", p, fax("image/tiff", tiff)), "FAX_NOT_CONFIGURED");
    }

    @Test
    void subjectIsOneLineAndTextsHaveALengthLimit() {
        rejected(T, start("4711", "call", two(), "<subject>Hi&#13;&#10;Bcc: x@example.com</subject>"), "INVALID_TEXT");
        rejected(T, start("4711", "im", "<participant><jid>a@example.com</jid></participant>", "<text>" + "x".repeat(101) + "</text>"),
                "TEXT_TOO_LONG");
        passes(start("4711", "im", "<participant><jid>a@example.com</jid></participant>", "<text>line one&#10;line two</text>"));
    }

    @Test
    void schemaViolationsAreReportedWithTheirPosition() {
        String msg = rejected(T, "<StartSession " + NS + ">\n<businessId>1</businessId>\n<participants/>\n</StartSession>",
                "SCHEMA_INVALID");
        assertTrue(msg.contains("channel"), msg);
        rejected(T, start("4711", "telepathy", two(), null), "SCHEMA_INVALID");
    }

    @Test
    void anElementThatIsNoOperationIsUnknown() {
        rejected(T, "<Launch " + NS + "><businessId>1</businessId></Launch>", "UNKNOWN_OPERATION");
        rejected(T, "<StartSessionResponse " + NS + "><status>OK</status></StartSessionResponse>", "UNKNOWN_OPERATION");
        rejected(T, "{\"Launch\": {\"businessId\": \"1\"}}", "UNKNOWN_OPERATION");
    }

    @Test
    void brokenXmlAndJsonAreMalformed() {
        rejected(T, "<StartSession " + NS + "><businessId>1</businessId>", "MALFORMED_REQUEST");
        rejected(T, "{\"QuerySessionLog\": {\"businessId\": \"1\"", "MALFORMED_REQUEST");
        rejected(T, "hello", "MALFORMED_REQUEST");
        rejected(T, "", "MALFORMED_REQUEST");
    }

    @Test
    void jsonUsesTheSameSchema() {
        rejected(T, "{\"StartSession\": {\"businessId\": \"1\", \"participants\": {\"participant\": [{\"number\": \"+4930111111\"}]}}}",
                "SCHEMA_INVALID");
        rejected(T, "{\"QuerySessionLog\": {\"businessId\": \"1\", \"tenant\": \"someone-else\"}}", "SCHEMA_INVALID");
        rejected(T, "{\"QuerySessionLog\": {\"businessId\": \"1\", \"businessId\": \"2\"}}", "MALFORMED_REQUEST");
    }

    @Test
    void jsonCarriesNothingXmlCouldNotAndNoNumberWhereTheContractHasText() {
        // Applied, these would break the XML made of them later: the stored reply a resend gets,
        // the events topic, every query of the business ID.
        rejected(T, "{\"StartSession\": {\"requestId\": \"r-x1\", \"businessId\": \"X-1\", \"channel\": \"call\", \"participants\": "
                + "{\"participant\": [{\"number\": \"+4930111111\"}, {\"number\": \"+4930222222\"}]}, "
                + "\"options\": {\"subject\": \"a\\uFFFFb\"}}}", "MALFORMED_REQUEST");
        rejected(T, "{\"StartSession\": {\"businessId\": \"X-2\", \"channel\": \"im\", \"participants\": "
                + "{\"participant\": {\"jid\": \"\\ud800bob@example.com\"}}}}", "MALFORMED_REQUEST");
        rejected(T, "{\"ModifySession\": {\"requestId\": \"x\\uFFFF\", \"businessId\": \"X-3\"}}", "MALFORMED_REQUEST");
        // The JSON number 4930111111 is not the text "+4930111111", nor 1 true, nor 1.9 a seq.
        rejected(T, "{\"StartSession\": {\"businessId\": \"X-4\", \"channel\": \"call\", \"participants\": "
                + "{\"participant\": [{\"number\": 4930111111}, {\"number\": \"+4930222222\"}]}}}", "SCHEMA_INVALID");
        rejected(T, "{\"StartSession\": {\"businessId\": \"X-5\", \"channel\": \"conference\", \"participants\": "
                + "{\"participant\": {\"number\": \"+4930111111\"}}, \"options\": {\"record\": 1}}}", "SCHEMA_INVALID");
        rejected(T, "{\"QuerySessionLog\": {\"businessId\": \"X-6\", \"afterSeq\": 1.9}}", "SCHEMA_INVALID");
        // An enum by its position is no value of it.
        rejected(T, "{\"StartSession\": {\"businessId\": \"X-7\", \"channel\": 3, \"participants\": "
                + "{\"participant\": {\"number\": \"+4930111111\"}}}}", "SCHEMA_INVALID");
        rejected(T, "{\"StartSession\": {\"businessId\": \"X-8\", \"channel\": \"conference\", \"participants\": "
                + "{\"participant\": {\"number\": \"+4930111111\", \"role\": \"0\"}}}}", "SCHEMA_INVALID");
    }

    @Test
    void oneLineFieldsHoldNoEncodedWordsBidiOverridesOrNonCharactersAndNumbersWithPlusAreE164() {
        ok(T, startConference("E-1", null, "+4930111111"));
        // The gateway's report quotes the subject decoded: this would read as a failure.
        rejected(T, "<EndSession " + NS + "><businessId>E-1</businessId><reason>=?UTF-8?Q?failed?=</reason></EndSession>", "INVALID_TEXT");
        rejected(T, "<EndSession " + NS + "><businessId>E-1</businessId><reason>case \u202E1174</reason></EndSession>", "INVALID_TEXT");
        rejected(T, "<StartSession " + NS + "><businessId>E-2</businessId><channel>conference</channel><participants>"
                + "<participant><number>+4930111111</number><displayName>Eve \u202Dx</displayName></participant></participants>"
                + "</StartSession>", "INVALID_TEXT");
        for (String n : new String[] {"+0930111111", "+4930111111111111", "+4"}) {
            rejected(T, startConference("E-3", null, n), "INVALID_NUMBER");
        }
        ok(T, end("E-1"));
        ok(T, startConference("E-4", null, "004930111111"));
        ok(T, end("E-4"));
        ok(T, startConference("E-5", null, "+493011111111111"));
    }

    @Test
    void jsonCarriesBooleansDocumentsAndSingleParticipants() {
        String pdf = Base64.getEncoder().encodeToString("%PDF-1.4 json".getBytes());
        String reply = call(T, "{\"StartSession\": {\"businessId\": \"J-1\", \"channel\": \"fax\", \"participants\": "
                + "{\"participant\": {\"fax\": \"+4930111119\"}}, \"options\": {\"record\": false, \"subject\": \"Contract\", "
                + "\"document\": {\"fileName\": \"c.pdf\", \"mimeType\": \"application/pdf\", \"content\": \"" + pdf + "\"}}}}");
        com.fasterxml.jackson.databind.JsonNode r = readJson(reply).get("StartSessionResponse");
        assertEquals("FAILED", r.get("status").asText(), reply);
        assertEquals("FAX_NOT_CONFIGURED", r.get("error").get("code").asText(), reply);
        assertEquals("Contract", r.get("sessions").get("session").get(0).get("subject").asText());
        rejected(T, "{\"StartSession\": {\"businessId\": \"J-2\", \"channel\": \"fax\", \"participants\": "
                + "{\"participant\": {\"fax\": \"+4930111119\"}}, \"options\": {\"document\": {\"mimeType\": \"application/pdf\", "
                + "\"content\": \"" + Base64.getEncoder().encodeToString("not a pdf".getBytes()) + "\"}}}}", "DOCUMENT_TYPE_NOT_ALLOWED");
    }

    @Test
    void requestsOverTheSizeLimitAreRefusedUnread() {
        rejected(T, "<QuerySessionLog " + NS + "><businessId>1</businessId><!--" + "x".repeat(200_000) + "--></QuerySessionLog>",
                "REQUEST_TOO_LARGE");
    }

    @Test
    void unknownBusinessIdIsNotFoundForModifyEndAndQuery() {
        rejected(T, query("nope"), "NOT_FOUND");
        rejected(T, end("nope"), "NOT_FOUND");
        rejected(T, "<ModifySession " + NS + "><businessId>nope</businessId><text>hi</text></ModifySession>", "NOT_FOUND");
    }
}
