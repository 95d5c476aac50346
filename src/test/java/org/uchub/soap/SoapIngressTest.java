package org.uchub.soap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;

/** The SOAP session service, spoken to with hand-written envelopes over real HTTP. */
class SoapIngressTest extends HubTestSupport {
    private static final String ENV_OPEN = "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\""
            + " xmlns:uc=\"urn:uc-hub:session:v1\"><soapenv:Body>";
    private static final String ENV_CLOSE = "</soapenv:Body></soapenv:Envelope>";
    static final int MAX_BYTES = 300_000;
    /** soap.max-text-length here: below MAX_BYTES, so a text node can pass it while the request does not. */
    static final int MAX_TEXT = 100_000;

    private final HttpClient http = HttpClient.newHttpClient();

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        p.setProperty("soap.max-request-bytes", String.valueOf(MAX_BYTES));
        p.setProperty("soap.max-text-length", String.valueOf(MAX_TEXT));
        return p;
    }

    record Answer(int status, String body, HttpResponse<String> response) {
        String code() {
            Matcher m = Pattern.compile("<(?:\\w+:)?code>([^<]*)</").matcher(body);
            return m.find() ? m.group(1) : null;
        }

        String faultCode() {
            Matcher m = Pattern.compile("<faultcode>([^<]*)</faultcode>").matcher(body);
            return m.find() ? m.group(1) : null;
        }

        String element(String name) {
            Matcher m = Pattern.compile("<(?:\\w+:)?" + name + ">([^<]*)</").matcher(body);
            return m.find() ? m.group(1) : null;
        }
    }

    Answer post(String user, String password, String envelope, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(soapAddress()))
                .header("Content-Type", "text/xml; charset=UTF-8").header("SOAPAction", "\"\"")
                .POST(HttpRequest.BodyPublishers.ofString(envelope, StandardCharsets.UTF_8));
        if (user != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.setHeader(headers[i], headers[i + 1]);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body(), r);
    }

    Answer erp(String body) throws Exception {
        return post("erp", "erp-dev-password", ENV_OPEN + body + ENV_CLOSE);
    }

    static String startCall(String businessId) {
        return "<uc:StartSession><uc:businessId>" + businessId + "</uc:businessId><uc:channel>call</uc:channel><uc:participants>"
                + "<uc:participant><uc:number>+4930123456</uc:number></uc:participant>"
                + "<uc:participant><uc:number>+4930654321</uc:number></uc:participant></uc:participants></uc:StartSession>";
    }

    static String queryBody(String businessId) {
        return "<uc:QuerySessionLog><uc:businessId>" + businessId + "</uc:businessId></uc:QuerySessionLog>";
    }

    /** SOAP 1.1 (4.4): a fault about a header carries no detail, which is for errors of the Body. */
    @Test
    void aSoap11HeaderTheHubMustUnderstandAndDoesNotGetsAMustUnderstandFaultWithoutDetail() throws Exception {
        Answer a = post("erp", "erp-dev-password", "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\""
                + " xmlns:uc=\"urn:uc-hub:session:v1\"><soapenv:Header><x:Route xmlns:x=\"urn:example:other\""
                + " soapenv:mustUnderstand=\"1\">a</x:Route></soapenv:Header><soapenv:Body>" + startCall("case-mu11") + ENV_CLOSE);
        assertEquals(500, a.status(), a.body());
        assertTrue(a.faultCode() != null && a.faultCode().endsWith("MustUnderstand"), a.body());
        assertTrue(!a.body().contains("<detail"), a.body());
        rejected("erp", query("case-mu11"), "NOT_FOUND");
    }

    @Test
    void wsdlAndItsSchemaAreServedWithoutCredentials() throws Exception {
        HttpResponse<String> wsdl = http.send(HttpRequest.newBuilder(URI.create(soapAddress() + "?wsdl")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, wsdl.statusCode());
        for (String op : List.of("StartSession", "ModifySession", "EndSession", "QuerySessionLog", "GetRecording")) {
            assertTrue(wsdl.body().contains("operation name=\"" + op + "\""), op);
        }
        assertTrue(wsdl.body().contains("location=\"" + soapAddress() + "\""), wsdl.body());
        assertTrue(wsdl.body().contains("location=\"" + soapAddress() + "-soap12\""), wsdl.body());
        Matcher m = Pattern.compile("schemaLocation=\"([^\"]+)\"").matcher(wsdl.body());
        assertTrue(m.find(), wsdl.body());
        HttpResponse<String> xsd = http.send(HttpRequest.newBuilder(URI.create(m.group(1).replace("&amp;", "&"))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, xsd.statusCode());
        assertTrue(xsd.body().contains("name=\"StartSession\""), xsd.body());
    }

    @Test
    void startSessionIsAnsweredWithItsSessionAndLoggedForTheBusinessId() throws Exception {
        Answer a = erp(startCall("case-1"));
        assertEquals(200, a.status(), a.body());
        assertTrue(a.body().contains("StartSessionResponse"), a.body());
        assertEquals("ACCEPTED", a.element("status"), a.body());
        String sessionId = a.element("sessionId");
        Answer q = erp(queryBody("case-1"));
        assertEquals(200, q.status(), q.body());
        assertTrue(q.body().contains(sessionId), q.body());
        assertTrue(q.body().contains("ingress:soap"), q.body());
    }

    @Test
    void namespacesDeclaredOnlyOnTheEnvelopeAreUnderstood() throws Exception {
        String env = "<e:Envelope xmlns:e=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns=\"urn:uc-hub:session:v1\"><e:Body>"
                + "<QuerySessionLog><businessId>nothing-here</businessId></QuerySessionLog></e:Body></e:Envelope>";
        Answer a = post("erp", "erp-dev-password", env);
        assertEquals(500, a.status(), a.body());
        assertEquals("NOT_FOUND", a.code(), a.body());
    }

    @Test
    void everyOperationRunsEndToEnd() throws Exception {
        String sid = erp(startCall("case-ops")).element("sessionId");
        Answer modify = erp("<uc:ModifySession><uc:businessId>case-ops</uc:businessId><uc:add><uc:participant>"
                + "<uc:number>+4930111111</uc:number></uc:participant></uc:add></uc:ModifySession>");
        assertEquals(200, modify.status(), modify.body());
        assertTrue(modify.body().contains("ModifySessionResponse"), modify.body());
        Answer recording = erp("<uc:GetRecording><uc:businessId>case-ops</uc:businessId></uc:GetRecording>");
        assertEquals(500, recording.status(), recording.body());
        assertEquals("soap:Client", recording.faultCode(), recording.body());
        assertEquals("NO_RECORDING", recording.code(), recording.body());
        Answer end = erp("<uc:EndSession><uc:businessId>case-ops</uc:businessId><uc:sessionId>" + sid
                + "</uc:sessionId></uc:EndSession>");
        assertEquals(200, end.status(), end.body());
        assertEquals("OK", end.element("status"), end.body());
        Answer again = erp("<uc:EndSession><uc:businessId>case-ops</uc:businessId><uc:sessionId>" + sid
                + "</uc:sessionId></uc:EndSession>");
        assertEquals("SESSION_ENDED", again.code(), again.body());
    }

    @Test
    void aCallWithoutCredentialsIsChallengedAndLeavesNoTrace() throws Exception {
        Answer a = post(null, null, ENV_OPEN + startCall("case-anon") + ENV_CLOSE);
        assertEquals(401, a.status(), a.body());
        assertTrue(a.response().headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic realm="));
        assertEquals("soap:Client", a.faultCode());
        assertEquals("UNAUTHENTICATED", a.code());
        Answer wrong = post("erp", "guess", ENV_OPEN + startCall("case-anon") + ENV_CLOSE);
        assertEquals(401, wrong.status(), wrong.body());
        Answer unknownUser = post("mallory", "erp-dev-password", ENV_OPEN + startCall("case-anon") + ENV_CLOSE);
        assertEquals(401, unknownUser.status(), unknownUser.body());
        assertEquals("NOT_FOUND", erp(queryBody("case-anon")).code());
    }

    @Test
    void anotherTenantsBusinessIdIsNotFoundForEveryOperation() throws Exception {
        assertEquals(200, erp(startCall("case-erp")).status());
        for (String body : List.of(queryBody("case-erp"),
                "<uc:ModifySession><uc:businessId>case-erp</uc:businessId><uc:add><uc:participant><uc:number>+4930111111"
                        + "</uc:number></uc:participant></uc:add></uc:ModifySession>",
                "<uc:EndSession><uc:businessId>case-erp</uc:businessId></uc:EndSession>",
                "<uc:GetRecording><uc:businessId>case-erp</uc:businessId></uc:GetRecording>")) {
            Answer a = post("crm", "crm-dev-password", ENV_OPEN + body + ENV_CLOSE);
            assertEquals(500, a.status(), a.body());
            assertEquals("NOT_FOUND", a.code(), a.body());
        }
        assertEquals(200, erp(queryBody("case-erp")).status());
    }

    @Test
    void anInvalidRequestIsAClientFaultWithTheContractsCode() throws Exception {
        Answer a = erp(startCall("bad id with spaces"));
        assertEquals(500, a.status(), a.body());
        assertEquals("soap:Client", a.faultCode(), a.body());
        assertEquals("INVALID_BUSINESS_ID", a.code(), a.body());
        assertEquals("REJECTED", a.element("status"), a.body());
        assertFalse(a.body().contains("at org."), "no stack trace: " + a.body());
    }

    @Test
    void anExternalEntityIsRefusedAndTheFileNeverRead(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path secret = dir.resolve("secret.txt");
        Files.writeString(secret, "TOP-SECRET-CONTENT");
        String xxe = "<?xml version=\"1.0\"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM \"" + secret.toUri() + "\">]>" + ENV_OPEN
                + "<uc:QuerySessionLog><uc:businessId>&xxe;</uc:businessId></uc:QuerySessionLog>" + ENV_CLOSE;
        Answer a = post("erp", "erp-dev-password", xxe);
        assertEquals(500, a.status(), a.body());
        assertEquals("soap:Client", a.faultCode(), a.body());
        assertEquals("DTD_NOT_ALLOWED", a.code(), a.body());
        assertFalse(a.body().contains("TOP-SECRET"), a.body());
    }

    @Test
    void aBillionLaughsIsRefused() throws Exception {
        StringBuilder dtd = new StringBuilder("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">");
        dtd.append("<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">");
        for (int i = 2; i <= 9; i++) {
            dtd.append("<!ENTITY lol").append(i).append(" \"").append(("&lol" + (i - 1) + ";").repeat(10)).append("\">");
        }
        dtd.append("]>");
        Answer a = post("erp", "erp-dev-password", dtd + ENV_OPEN + queryBody("&lol9;") + ENV_CLOSE);
        assertEquals(500, a.status(), a.body());
        assertEquals("DTD_NOT_ALLOWED", a.code(), a.body());
    }

    @Test
    void tooDeepTooManyAndTooLargeAreRefused() throws Exception {
        // Each limit by a request that passes all the others, so each is seen to hold on its own.
        String deep = "<uc:x>".repeat(40) + "</uc:x>".repeat(40);
        assertParserLimit("Maximum Element Depth limit (32)", deep);
        // 1,001 children of one element (soap.max-child-elements), 1,005 elements in all.
        assertParserLimit("Maximum Number of Child Elements limit (1000)", "<uc:z>" + "<uc:y/>".repeat(1001) + "</uc:z>");
        // 22,500 elements (soap.max-elements), no element with more than 900 children.
        assertParserLimit("Maximum Element Count limit (20000)", "<uc:z>" + ("<p>" + "<a/>".repeat(900) + "</p>").repeat(25) + "</uc:z>");
        // 33 attributes on one element (soap.max-attributes).
        StringBuilder attributes = new StringBuilder("<uc:z");
        for (int i = 0; i < 33; i++) {
            attributes.append(" a").append(i).append("=\"v\"");
        }
        assertParserLimit("Attribute limit (32)", attributes + "/>");
        // One text node of MAX_TEXT + 1 characters (soap.max-text-length), a third of the bytes allowed.
        assertParserLimit("Text size limit (" + MAX_TEXT + ")", "<uc:z>" + "t".repeat(MAX_TEXT + 1) + "</uc:z>");

        String big = "x".repeat(MAX_BYTES);
        Answer b = erp("<uc:QuerySessionLog><uc:businessId>" + big + "</uc:businessId></uc:QuerySessionLog>");
        assertEquals(500, b.status(), b.body());
        assertEquals("REQUEST_TOO_LARGE", b.code(), b.body());
        // Refused from its Content-Length, before the parser sees it.
        assertEquals("The request is larger than " + MAX_BYTES + " bytes.", b.element("message"), b.body());
    }

    /**
     * A query holding this beside its businessId is refused as REQUEST_TOO_LARGE, a Client
     * fault, by the parser's limit named (Woodstox's words, with the value of the soap.* key).
     */
    private void assertParserLimit(String limit, String inside) throws Exception {
        Answer a = erp("<uc:QuerySessionLog><uc:businessId>c</uc:businessId>" + inside + "</uc:QuerySessionLog>");
        assertEquals(500, a.status(), limit + ": " + a.body());
        assertEquals("soap:Client", a.faultCode(), limit + ": " + a.body());
        assertEquals("REQUEST_TOO_LARGE", a.code(), limit + ": " + a.body());
        assertTrue(a.element("message").contains(limit), limit + ": " + a.body());
    }

    @Test
    void headersNamedLikeCamelHeadersChangeNothing() throws Exception {
        // Each alone: together, one that empties the response would hide what the others do.
        String[][] headers = {{"CamelHttpResponseCode", "204"}, {"CamelBeanMethodName", "markNotConnected"},
            {"cAMELbEANmETHODnAME", "query"}, {"camelhttpresponsecode", "500"}, {"operationName", "EndSession"}};
        int i = 0;
        for (String[] h : headers) {
            Answer a = post("erp", "erp-dev-password", ENV_OPEN + startCall("case-hdr-" + i++) + ENV_CLOSE, h[0], h[1]);
            assertEquals(200, a.status(), h[0] + ": " + a.body());
            assertTrue(a.body().contains("StartSessionResponse"), h[0] + ": [" + a.body() + "]");
            assertTrue(a.response().headers().map().keySet().stream().noneMatch(n -> n.toLowerCase().startsWith("camel")),
                    a.response().headers().map().toString());
        }
        String inSoapHeader = "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:uc=\"urn:uc-hub:session:v1\">"
                + "<soapenv:Header><CamelHttpResponseCode>204</CamelHttpResponseCode><CamelBeanMethodName>query</CamelBeanMethodName>"
                + "</soapenv:Header><soapenv:Body>" + startCall("case-hdr-soap") + ENV_CLOSE;
        Answer a = post("erp", "erp-dev-password", inSoapHeader);
        assertEquals(200, a.status(), a.body());
        assertTrue(a.body().contains("StartSessionResponse"), "[" + a.body() + "]");
    }

    @Test
    void soap12CallsAreServedAtTheSoap12Port() throws Exception {
        String open = "<env:Envelope xmlns:env=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:uc=\"urn:uc-hub:session:v1\"><env:Body>";
        String close = "</env:Body></env:Envelope>";
        String soap12 = soapAddress() + "-soap12";
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(soap12)).header("Content-Type", "application/soap+xml; charset=UTF-8")
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("erp:erp-dev-password".getBytes(StandardCharsets.UTF_8)));
        HttpResponse<String> ok = http.send(b.POST(HttpRequest.BodyPublishers.ofString(open + startCall("case-12") + close)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ok.statusCode(), ok.body());
        assertTrue(ok.body().contains("http://www.w3.org/2003/05/soap-envelope") && ok.body().contains("StartSessionResponse"), ok.body());
        assertTrue(ok.headers().firstValue("Content-Type").orElse("").startsWith("application/soap+xml"), ok.headers().map().toString());

        HttpResponse<String> fault = http.send(b.POST(HttpRequest.BodyPublishers.ofString(open + startCall("bad id") + close)).build(),
                HttpResponse.BodyHandlers.ofString());
        Answer f = new Answer(fault.statusCode(), fault.body(), fault);
        // SOAP 1.2 part 2 (7.5.1.2) would answer a Sender fault with 400; tried on 2026-11-30, a
        // client generated by CXF then threw a bare "HTTP 400" and lost the fault's detail.
        assertEquals(500, f.status(), f.body());
        assertTrue(f.body().contains("Sender</"), f.body());
        assertEquals("INVALID_BUSINESS_ID", f.code(), f.body());

        // SOAP's own codes keep 500: a header the hub must understand and does not.
        String mustUnderstand = "<env:Envelope xmlns:env=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:uc=\"urn:uc-hub:session:v1\">"
                + "<env:Header><x:Route xmlns:x=\"urn:example:other\" env:mustUnderstand=\"true\">a</x:Route></env:Header><env:Body>"
                + startCall("case-12m") + close;
        HttpResponse<String> notUnderstood = http.send(b.POST(HttpRequest.BodyPublishers.ofString(mustUnderstand)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(500, notUnderstood.statusCode(), notUnderstood.body());
        assertTrue(notUnderstood.body().contains("MustUnderstand</"), notUnderstood.body());

        HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(URI.create(soap12))
                .header("Content-Type", "application/soap+xml; charset=UTF-8")
                .POST(HttpRequest.BodyPublishers.ofString(open + startCall("case-12b") + close)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, anonymous.statusCode(), anonymous.body());
        assertTrue(anonymous.body().contains("env:Sender") && anonymous.body().contains("UNAUTHENTICATED"), anonymous.body());

        // SOAP 1.2 to the SOAP 1.1 port: told where to go, nothing applied.
        Answer wrongPort = post("erp", "erp-dev-password", open + startCall("case-12c") + close, "Content-Type",
                "application/soap+xml; charset=UTF-8");
        assertEquals(500, wrongPort.status(), wrongPort.body());
        assertEquals("MALFORMED_REQUEST", wrongPort.code(), wrongPort.body());
        assertTrue(wrongPort.body().contains("-soap12"), wrongPort.body());
        assertEquals("NOT_FOUND", erp(queryBody("case-12c")).code());
        assertEquals("NOT_FOUND", erp(queryBody("case-12m")).code());
        assertEquals(200, erp(queryBody("case-12")).status());
    }

    @Test
    void aChunkedBodyPastTheLimitIsRefused() throws Exception {
        // Text nodes each under soap.max-text-length (MAX_TEXT), so no parser limit refuses it first.
        byte[] body = (ENV_OPEN + "<uc:QuerySessionLog><uc:businessId>c</uc:businessId>"
                + ("<uc:z>" + "x".repeat(MAX_TEXT / 2) + "</uc:z>").repeat(2 * MAX_BYTES / MAX_TEXT)
                + "</uc:QuerySessionLog>" + ENV_CLOSE).getBytes(StandardCharsets.UTF_8);
        HttpRequest r = HttpRequest.newBuilder(URI.create(soapAddress())).header("Content-Type", "text/xml; charset=UTF-8")
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("erp:erp-dev-password".getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body))).build();
        HttpResponse<String> resp = http.send(r, HttpResponse.BodyHandlers.ofString());
        Answer a = new Answer(resp.statusCode(), resp.body(), resp);
        assertEquals(500, a.status(), a.body());
        assertEquals("REQUEST_TOO_LARGE", a.code(), a.body());
        // Said by the byte counter itself, not by the parser's character limit.
        assertEquals("The request is larger than the service accepts.", a.element("message"), a.body());
    }

    @Test
    void nothingButTheWsdlAnswersWithoutCredentials() throws Exception {
        // A client of its own: a refused request's unread body may cost the server its connection.
        HttpClient anonymous = HttpClient.newHttpClient();
        for (String method : List.of("GET", "PUT", "DELETE")) {
            HttpResponse<String> r = anonymous.send(HttpRequest.newBuilder(URI.create(soapAddress()))
                    .header("Content-Type", "text/xml; charset=UTF-8")
                    .method(method, HttpRequest.BodyPublishers.ofString(ENV_OPEN + startCall("case-" + method) + ENV_CLOSE)).build(),
                    HttpResponse.BodyHandlers.ofString());
            // Challenged like a POST: a GET carrying an envelope was read as a call and refused
            // only by the route's bean, with 500 and no challenge.
            assertEquals(401, r.statusCode(), method + " " + r.body());
            assertEquals("Basic realm=\"UC Hub\", charset=\"UTF-8\"", r.headers().firstValue("WWW-Authenticate").orElse(null), method);
            Answer a = new Answer(r.statusCode(), r.body(), r);
            assertEquals("soap:Client", a.faultCode(), method + " " + r.body());
            assertEquals("UNAUTHENTICATED", a.code(), method + " " + r.body());
            assertFalse(r.body().contains("StartSessionResponse"), r.body());
            assertEquals("NOT_FOUND", erp(queryBody("case-" + method)).code(), method);
        }
        // The public contract is all that answers a GET without credentials.
        for (String query : List.of("?wsdl", "?xsd=uc-hub-session-v1.xsd")) {
            HttpResponse<String> r = anonymous.send(HttpRequest.newBuilder(URI.create(soapAddress() + query)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), query + " " + r.body());
            assertTrue(r.body().contains("name=\"StartSession\""), query + " " + r.body());
        }
    }

    @Test
    void fiftyConcurrentClientsEachGetTheirOwnSession() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(50);
        try {
            List<Callable<Answer>> calls = new java.util.ArrayList<>();
            for (int i = 0; i < 50; i++) {
                String id = "case-par-" + i;
                calls.add(() -> erp(startCall(id)));
            }
            Set<String> sessions = new HashSet<>();
            for (Future<Answer> f : pool.invokeAll(calls)) {
                Answer a = f.get();
                assertEquals(200, a.status(), a.body());
                sessions.add(a.element("sessionId"));
            }
            assertEquals(50, sessions.size());
            for (int i = 0; i < 50; i++) {
                Answer q = erp(queryBody("case-par-" + i));
                assertEquals(1, Pattern.compile("<(?:\\w+:)?session>").matcher(q.body()).results().count(), q.body());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aBodyElementNamingNoOperationIsUnknownOperationWhateverItIsCalled() throws Exception {
        for (String name : List.of("Launch", "RateLimit", "Entity", "MaxDoctype")) {
            Answer a = erp("<uc:" + name + "><uc:businessId>case-x</uc:businessId></uc:" + name + ">");
            assertEquals(500, a.status(), a.body());
            assertTrue(a.faultCode().endsWith("Client"), a.body());
            assertEquals("UNKNOWN_OPERATION", a.code(), name + ": " + a.body());
        }
        // Broken XML whose tag names carry the words: still the parser's verdict, not the caller's.
        Answer broken = post("erp", "erp-dev-password", ENV_OPEN + "<uc:StartSession><entity></limit></uc:StartSession>" + ENV_CLOSE);
        assertEquals("MALFORMED_REQUEST", broken.code(), broken.body());
    }

    @Test
    void aSoapActionNamingNoOperationIsTheCallersFaultAndStartsNothing() throws Exception {
        // CXF raises this with its default Server code: a client retrying Server faults would
        // send it for ever.
        Answer a = post("erp", "erp-dev-password", ENV_OPEN + startCall("case-action") + ENV_CLOSE, "SOAPAction", "\"urn:StartIt\"");
        assertEquals(500, a.status(), a.body());
        assertTrue(a.faultCode().endsWith("Client"), a.body());
        assertEquals("UNKNOWN_OPERATION", a.code(), a.body());
        assertTrue(a.body().contains("SOAPAction"), a.body());
        assertEquals("NOT_FOUND", erp(queryBody("case-action")).code());
    }
}
