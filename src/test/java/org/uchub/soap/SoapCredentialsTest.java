package org.uchub.soap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;
import org.uchub.broker.PasswordHash;

/**
 * HTTP Basic as the clients the hub meets send it: a password beyond ASCII in UTF-8 (what the
 * hub's challenge asks for, RFC 7617) or in ISO-8859-1 (Python's requests, older stacks), and
 * the scheme in any letter case (RFC 7235).
 */
class SoapCredentialsTest extends HubTestSupport {
    private static final String PASSWORD = "Kl\u00e4ger-\u00df-2024";

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        try {
            Path users = Files.createDirectories(stateDir()).resolve("soap-users.properties");
            Files.writeString(users, "erp = " + PasswordHash.hash(PASSWORD.toCharArray()) + "\n");
            p.setProperty("soap.users.file", users.toString());
            // A check waits hardly at all for its turn: concurrent wrong passwords are refused as busy.
            p.setProperty("hub.users.check-wait-ms", "1");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return p;
    }

    private HttpResponse<String> call(String authorization) throws Exception {
        return HttpClient.newHttpClient().send(request(authorization), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest request(String authorization) {
        String envelope = "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:uc=\"urn:uc-hub:session:v1\">"
                + "<soapenv:Body><uc:QuerySessionLog><uc:businessId>case-nobody</uc:businessId></uc:QuerySessionLog></soapenv:Body>"
                + "</soapenv:Envelope>";
        return HttpRequest.newBuilder(URI.create(soapAddress())).header("Content-Type", "text/xml; charset=UTF-8")
                .header("SOAPAction", "\"\"").header("Authorization", authorization)
                .POST(HttpRequest.BodyPublishers.ofString(envelope, StandardCharsets.UTF_8)).build();
    }

    private static String basic(String scheme, String password, Charset charset) {
        return scheme + Base64.getEncoder().encodeToString(("erp:" + password).getBytes(charset));
    }

    private static void authenticated(HttpResponse<String> r) {
        // Past authentication, asking about a business ID nobody has is NOT_FOUND.
        assertEquals(500, r.statusCode(), r.body());
        assertTrue(r.body().contains("NOT_FOUND"), r.body());
    }

    @Test
    void aPasswordBeyondAsciiIsReadInUtf8OrIso88591AndTheSchemeInAnyCase() throws Exception {
        authenticated(call(basic("Basic ", PASSWORD, StandardCharsets.UTF_8)));
        authenticated(call(basic("Basic ", PASSWORD, StandardCharsets.ISO_8859_1)));
        authenticated(call(basic("basic  ", PASSWORD, StandardCharsets.UTF_8)));
        assertEquals(401, call(basic("Basic ", "Klager-ss-2024", StandardCharsets.UTF_8)).statusCode());
        assertEquals(401, call("Bearer abc").statusCode());
        assertEquals(401, call("Basic not base64!").statusCode());
    }

    @Test
    void aPasswordTypedAsDecomposedCharactersIsTheSamePassword() throws Exception {
        authenticated(call(basic("Basic ", java.text.Normalizer.normalize(PASSWORD, java.text.Normalizer.Form.NFD), StandardCharsets.UTF_8)));
    }

    /**
     * Wrong passwords sent faster than the slow hash checks them are not queued for ever,
     * each holding a thread of the SOAP server: beyond the wait they get 500 with Retry-After
     * and a Server fault saying to try again, not 401 (which would tell a client whose password
     * is right to give up).
     */
    @Test
    void passwordsCheckedFasterThanTheHashAllowsAreAnsweredBusyWithRetryAfter() throws Exception {
        List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> calls = new java.util.ArrayList<>();
        HttpClient client = HttpClient.newHttpClient();
        for (int i = 0; i < 12; i++) {
            calls.add(client.sendAsync(request(basic("Basic ", "wrong-" + i, StandardCharsets.UTF_8)), HttpResponse.BodyHandlers.ofString()));
        }
        List<HttpResponse<String>> answers = new java.util.ArrayList<>();
        for (var c : calls) {
            answers.add(c.get(60, java.util.concurrent.TimeUnit.SECONDS));
        }
        HttpResponse<String> busy = answers.stream().filter(r -> r.statusCode() == 500).findFirst()
                .orElseThrow(() -> new AssertionError("no call answered busy: " + answers.stream().map(HttpResponse::statusCode).toList()));
        assertEquals("1", busy.headers().firstValue("Retry-After").orElse(""));
        assertTrue(busy.body().contains("<faultcode>soap:Server</faultcode>") && busy.body().contains("SERVICE_UNAVAILABLE"), busy.body());
        assertTrue(answers.stream().allMatch(r -> r.statusCode() == 500 || r.statusCode() == 401),
                answers.stream().map(HttpResponse::statusCode).toList().toString());
        // The door is open again once the flood is over.
        authenticated(call(basic("Basic ", PASSWORD, StandardCharsets.UTF_8)));
    }

    /**
     * Clients such as .NET's send a call's whole body before they offer credentials, and send
     * them only once they have read the 401. The hub answers before reading that body; the
     * 401 must still reach a client that is still writing, not a connection reset.
     */
    @Test
    void aClientStillSendingABigBodyWithoutCredentialsReadsThe401() throws Exception {
        java.net.URI uri = URI.create(soapAddress());
        byte[] body = ("<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body><!-- "
                + "x".repeat(2_000_000) + " --></soapenv:Body></soapenv:Envelope>").getBytes(StandardCharsets.UTF_8);
        try (java.net.Socket socket = new java.net.Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(20_000);
            String head = "POST " + uri.getPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                    + "\r\nContent-Type: text/xml; charset=UTF-8\r\nSOAPAction: \"\"\r\nContent-Length: " + body.length + "\r\n\r\n";
            // As such a client does: the whole request first, then the answer.
            var out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            byte[] status = socket.getInputStream().readNBytes(12);
            assertEquals("HTTP/1.1 401", new String(status, StandardCharsets.US_ASCII));
        }
    }
}
