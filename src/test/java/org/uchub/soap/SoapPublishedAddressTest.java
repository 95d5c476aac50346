package org.uchub.soap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;

/**
 * Behind a TLS proxy the hub sees its inside address in every request: with
 * soap.published-url, ?wsdl names the outside one, so a client generated from it calls the
 * proxy and fetches the schema through it.
 */
class SoapPublishedAddressTest extends HubTestSupport {
    private static final String PUBLISHED = "https://uc.example.com/uc/sessions";

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        p.setProperty("soap.published-url", PUBLISHED);
        return p;
    }

    @Test
    void theWsdlNamesThePublishedAddressForBothPortsAndTheSchema() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String wsdl = http.send(HttpRequest.newBuilder(URI.create(soapAddress() + "?wsdl")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(wsdl.contains("location=\"" + PUBLISHED + "\""), wsdl);
        assertTrue(wsdl.contains("location=\"" + PUBLISHED + "-soap12\""), wsdl);
        assertTrue(!wsdl.contains(soapAddress()), "the inside address is not given away: " + wsdl);
        Matcher m = Pattern.compile("schemaLocation=\"([^\"]+)\"").matcher(wsdl);
        assertTrue(m.find(), wsdl);
        String schema = m.group(1).replace("&amp;", "&");
        assertTrue(schema.startsWith(PUBLISHED + "?"), schema);
        // The same path and query at the hub itself (what the proxy forwards to) is the schema.
        HttpResponse<String> xsd = http.send(HttpRequest.newBuilder(URI.create(soapAddress() + schema.substring(PUBLISHED.length())))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, xsd.statusCode());
        assertTrue(xsd.body().contains("name=\"StartSession\""), xsd.body());
    }
}
