package org.uchub.soap;

import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.HashMap;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.xml.namespace.QName;
import org.apache.camel.CamelContext;
import org.apache.camel.component.cxf.common.DataFormat;
import org.apache.camel.component.cxf.jaxws.CxfEndpoint;
import org.apache.cxf.Bus;
import org.apache.cxf.bus.CXFBusFactory;
import org.apache.cxf.configuration.jsse.TLSServerParameters;
import org.apache.cxf.transport.http_jetty.JettyHTTPServerEngineFactory;
import org.uchub.broker.BrokerUsers;
import org.uchub.request.ContractCodec;

/**
 * The session service's CXF endpoint ({@code cxf:bean:soapSessions}): the WSDL-first contract
 * in PAYLOAD mode (the spine reads the XML itself), HTTP Basic in front of everything, XML
 * limits on the parser, and TLS from a keystore when the address is https.
 */
public final class SoapEndpoint {
    public static final QName SERVICE = new QName(ContractCodec.NAMESPACE, "SessionService");
    public static final QName PORT = new QName(ContractCodec.NAMESPACE, "SessionPort");
    public static final QName PORT_SOAP12 = new QName(ContractCodec.NAMESPACE, "SessionPortSoap12");
    /** Where the SOAP 1.2 port listens: the SOAP 1.1 address with this appended (Jetty refuses a path under it). */
    public static final String SOAP12_PATH = "-soap12";

    /** What the endpoint is built from; every field comes from a {@code soap.*} key. */
    public record Settings(String address, BrokerUsers users, String realm, long maxRequestBytes, int maxDepth,
            int maxChildElements, long maxElements, int maxAttributes, int maxTextLength, String keystore,
            String keystorePassword, String keystoreType, String publishedUrl) {
    }

    private SoapEndpoint() {
    }

    /** The CXF bus both ports share, with TLS on their port when the address is https. */
    public static Bus bus(Settings s) throws Exception {
        URI uri = URI.create(s.address());
        Bus bus = new CXFBusFactory().createBus();
        if ("https".equalsIgnoreCase(uri.getScheme())) {
            bus.getExtension(JettyHTTPServerEngineFactory.class)
                    .setTLSServerParametersForPort(uri.getPort() < 0 ? 443 : uri.getPort(), tls(s));
        } else if (!"http".equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException("soap.address must be http:// or https://, not " + s.address());
        }
        return bus;
    }

    /** The SOAP 1.1 port at the address, or the SOAP 1.2 port at the address plus {@value #SOAP12_PATH}. */
    public static CxfEndpoint create(CamelContext context, Bus bus, Settings s, boolean soap12) {
        CxfEndpoint endpoint = new CxfEndpoint();
        endpoint.setCamelContext(context);
        endpoint.setBus(bus);
        endpoint.setAddress(soap12 ? s.address() + SOAP12_PATH : s.address());
        endpoint.setWsdlURL("classpath:contract/uc-sessions.wsdl");
        String published = published(s);
        if (published != null) {
            // Behind a proxy the request's own URL is the hub's inside address: ?wsdl names this
            // one instead, in soap:address and in the schema's import, so generators can use it.
            endpoint.setPublishedEndpointUrl(soap12 ? published + SOAP12_PATH : published);
        }
        // ... and names the other port at its path too (the outside one, or soap.address's).
        String base = published != null ? published : s.address();
        endpoint.setCxfConfigurer(new PublishedPortAddresses(SERVICE,
                Map.of(PORT.getLocalPart(), base, PORT_SOAP12.getLocalPart(), base + SOAP12_PATH)));
        endpoint.setServiceNameAsQName(SERVICE);
        endpoint.setPortNameAsQName(soap12 ? PORT_SOAP12 : PORT);
        endpoint.setDataFormat(DataFormat.PAYLOAD);
        // A DOM body keeps the namespace declarations a caller put on the envelope.
        endpoint.setAllowStreaming(false);
        endpoint.setSkipFaultLogging(true);
        // No HTTP or SOAP header of a call becomes a Camel header, and no Camel header becomes
        // one of the response: camel-cxf's own filter lets CamelHttpResponseCode through, and
        // the routes need nothing from the transport but what SoapRequests takes.
        endpoint.setHeaderFilterStrategy(new NoHeaders());
        Map<String, Object> props = new HashMap<>();
        props.put("org.apache.cxf.stax.maxElementDepth", s.maxDepth());
        props.put("org.apache.cxf.stax.maxChildElements", s.maxChildElements());
        props.put("org.apache.cxf.stax.maxElementCount", s.maxElements());
        props.put("org.apache.cxf.stax.maxAttributeCount", s.maxAttributes());
        props.put("org.apache.cxf.stax.maxTextLength", s.maxTextLength());
        props.put("org.apache.cxf.stax.maxXMLCharacters", s.maxRequestBytes());
        props.put(javax.xml.stream.XMLInputFactory.class.getName(), parserFactory(s.maxAttributes()));
        props.put("faultStackTraceEnabled", false);
        // ?wsdl names the other port at the scheme, host and port the caller used (or the
        // published URL's), not the file's localhost:8080; its path is PublishedPortAddresses'.
        props.put("autoRewriteSoapAddressForAllServices", true);
        props.put("exceptionMessageCauseEnabled", false);
        endpoint.setProperties(props);
        endpoint.getInInterceptors().add(new BasicAuthentication(s.users(), s.realm(), soap12));
        endpoint.getInInterceptors().add(new RequestSizeLimit(s.maxRequestBytes()));
        endpoint.getOutFaultInterceptors().add(new ContractFaultDetail());
        return endpoint;
    }

    /**
     * The parser factory of this endpoint's requests: CXF's own (secure: no DTD, no external
     * entities) with the attribute limit on it. CXF sets the limits of each request on its
     * reader (maxAttributeCount among them), but Woodstox reads the attribute limit only when
     * it creates a reader, so there it had no effect: an element could carry as many
     * attributes as the JVM-wide default allowed, whatever soap.max-attributes said.
     */
    private static javax.xml.stream.XMLInputFactory parserFactory(int maxAttributes) {
        javax.xml.stream.XMLInputFactory factory = org.apache.cxf.staxutils.StaxUtils.createXMLInputFactory(true);
        factory.setProperty("com.ctc.wstx.maxAttributesPerElement", maxAttributes);
        return factory;
    }

    /** soap.published-url without its trailing slashes, or null when it is not set. */
    private static String published(Settings s) {
        if (s.publishedUrl() == null || s.publishedUrl().isBlank()) {
            return null;
        }
        return URI.create(s.publishedUrl().trim()).toString().replaceAll("/+$", "");
    }

    private static final class NoHeaders implements org.apache.camel.spi.HeaderFilterStrategy {
        @Override
        public boolean applyFilterToCamelHeaders(String name, Object value, org.apache.camel.Exchange exchange) {
            return true;
        }

        @Override
        public boolean applyFilterToExternalHeaders(String name, Object value, org.apache.camel.Exchange exchange) {
            return true;
        }
    }

    private static TLSServerParameters tls(Settings s) throws Exception {
        if (s.keystore() == null || s.keystore().isBlank()) {
            throw new IllegalArgumentException("soap.address is https but soap.tls.keystore is not set");
        }
        KeyStore ks = KeyStore.getInstance(s.keystoreType());
        char[] password = s.keystorePassword() == null ? new char[0] : s.keystorePassword().toCharArray();
        try (InputStream in = Files.newInputStream(Path.of(s.keystore()))) {
            ks.load(in, password);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, password);
        TLSServerParameters p = new TLSServerParameters();
        p.setKeyManagers(kmf.getKeyManagers());
        p.setSecureSocketProtocol("TLSv1.3");
        p.setIncludeProtocols(java.util.List.of("TLSv1.3", "TLSv1.2"));
        return p;
    }
}
