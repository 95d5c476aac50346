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
 * proxy and fetches the schema through it. The proxy here puts the service under a path prefix
 * (/hub) the hub does not have: the SOAP 1.2 port was named at the file's path without it.
 */
class SoapPublishedAddressTest extends HubTestSupport {
    private static final String PUBLISHED = "https://api.example.com/hub/uc/sessions";

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        p.setProperty("soap.published-url", PUBLISHED);
        return p;
    }

    @Test
    void theWsdlNamesThePublishedAddressForBothPortsAndTheSchema() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        // Either port's ?wsdl names both ports (a generator may be pointed at the SOAP 1.2 one).
        for (String at : new String[] {soapAddress(), soapAddress() + SoapEndpoint.SOAP12_PATH}) {
            String wsdl = http.send(HttpRequest.newBuilder(URI.create(at + "?wsdl")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertEquals(PUBLISHED, address(wsdl, "soap"), wsdl);
            assertEquals(PUBLISHED + SoapEndpoint.SOAP12_PATH, address(wsdl, "soap12"), wsdl);
            assertTrue(!wsdl.contains("127.0.0.1"), "the inside address is not given away: " + wsdl);
            Matcher m = Pattern.compile("schemaLocation=\"([^\"]+)\"").matcher(wsdl);
            assertTrue(m.find(), wsdl);
            String schema = m.group(1).replace("&amp;", "&");
            String outside = at.equals(soapAddress()) ? PUBLISHED : PUBLISHED + SoapEndpoint.SOAP12_PATH;
            assertTrue(schema.startsWith(outside + "?"), schema);
            // The same path and query at the hub itself (what the proxy forwards to) is the schema.
            HttpResponse<String> xsd = http.send(HttpRequest.newBuilder(URI.create(at + schema.substring(outside.length())))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, xsd.statusCode());
            assertTrue(xsd.body().contains("name=\"StartSession\""), xsd.body());
        }
    }

    /** The location of the port whose address element has this prefix (soap or soap12). */
    static String address(String wsdl, String prefix) {
        Matcher m = Pattern.compile("<" + prefix + ":address location=\"([^\"]*)\"").matcher(wsdl);
        assertTrue(m.find(), prefix + ":address in " + wsdl);
        return m.group(1);
    }
}
