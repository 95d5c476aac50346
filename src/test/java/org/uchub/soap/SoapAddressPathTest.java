package org.uchub.soap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;

/**
 * With soap.address at a path other than the WSDL file's and no soap.published-url, ?wsdl
 * names both ports at the address the caller used, at soap.address's path: not the file's
 * (/uc/sessions-soap12), where nothing answers. The addresses in ?wsdl come from the request here,
 * so this also shows what a Host header can and cannot do to them.
 */
class SoapAddressPathTest extends HubTestSupport {

    @Override
    protected String soapAddress() {
        return "http://127.0.0.1:" + soapPort + "/elsewhere/sessions";
    }

    @Test
    void theWsdlNamesBothPortsAtTheirOwnPath() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String wsdl = http.send(HttpRequest.newBuilder(URI.create(soapAddress() + "?wsdl")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertEquals(soapAddress(), SoapPublishedAddressTest.address(wsdl, "soap"), wsdl);
        assertEquals(soapAddress() + SoapEndpoint.SOAP12_PATH, SoapPublishedAddressTest.address(wsdl, "soap12"), wsdl);
        // ... and the SOAP 1.2 port answers there.
        HttpResponse<String> soap12 = http.send(HttpRequest.newBuilder(
                URI.create(SoapPublishedAddressTest.address(wsdl, "soap12") + "?wsdl")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, soap12.statusCode());
    }

    /**
     * Without soap.published-url the addresses in ?wsdl come from the request's Host header
     * (CXF's default, what a developer wants): a Host holding markup must not put it in the
     * document. Jetty refuses such a Host before CXF sees it.
     */
    @Test
    void aHostHeaderCannotPutMarkupInTheWsdl() throws Exception {
        String answer = rawGet("/elsewhere/sessions?wsdl", "x\"><evil/>");
        assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
        assertFalse(answer.contains("<evil/>"), answer);
        // A well-formed Host the hub does not know is named as given: that is why a cache in front
        // of ?wsdl needs soap.published-url (README, SOAP ingress).
        String other = rawGet("/elsewhere/sessions?wsdl", "other.example:81");
        assertTrue(other.startsWith("HTTP/1.1 200"), other);
        assertTrue(other.contains("location=\"http://other.example:81/elsewhere/sessions\""), other);
        assertTrue(other.contains("location=\"http://other.example:81/elsewhere/sessions-soap12\""), other);
    }

    private String rawGet(String path, String host) throws Exception {
        try (Socket s = new Socket("127.0.0.1", soapPort)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
