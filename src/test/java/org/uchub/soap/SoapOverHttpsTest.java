package org.uchub.soap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Base64;
import java.util.Properties;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;

/** The session service on https with a keystore from configuration, made the way the README says. */
class SoapOverHttpsTest extends HubTestSupport {
    private static final String PASSWORD = "test-keystore-pw";

    private Path keystore() {
        return dataDir.resolveSibling(dataDir.getFileName() + "-tls.p12");
    }

    @Override
    protected String soapAddress() {
        return "https://127.0.0.1:" + soapPort + "/uc/sessions";
    }

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        try {
            if (!Files.exists(keystore())) {
                Process k = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                        "-alias", "uc-hub", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2", "-dname", "CN=localhost",
                        "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12", "-keystore", keystore().toString(),
                        "-storepass", PASSWORD, "-keypass", PASSWORD).redirectErrorStream(true).start();
                String out = new String(k.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertEquals(0, k.waitFor(), out);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        p.setProperty("soap.tls.keystore", keystore().toString());
        p.setProperty("soap.tls.keystore-password", PASSWORD);
        return p;
    }

    private SSLContext trusting() throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore())) {
            ks.load(in, PASSWORD.toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        return ssl;
    }

    @Test
    void aCallOverTlsIsServedAndPlainHttpIsNot() throws Exception {
        HttpClient client = HttpClient.newBuilder().sslContext(trusting()).build();
        String envelope = "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>"
                + "<QuerySessionLog xmlns=\"urn:uc-hub:session:v1\"><businessId>case-tls</businessId></QuerySessionLog></s:Body></s:Envelope>";
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(soapAddress()))
                .header("Content-Type", "text/xml; charset=UTF-8")
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("erp:erp-dev-password".getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString(envelope)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(500, r.statusCode(), r.body());
        assertTrue(r.body().contains("<code>NOT_FOUND</code>"), r.body());
        assertEquals("TLSv1.3", r.sslSession().orElseThrow().getProtocol());

        HttpResponse<String> wsdl = client.send(HttpRequest.newBuilder(URI.create(soapAddress() + "?wsdl")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, wsdl.statusCode());
        assertTrue(wsdl.body().contains("https://127.0.0.1:" + soapPort + "/uc/sessions"), wsdl.body());

        HttpClient plain = HttpClient.newHttpClient();
        assertThrows(java.io.IOException.class, () -> plain.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + soapPort + "/uc/sessions?wsdl")).build(), HttpResponse.BodyHandlers.ofString()));
    }
}
