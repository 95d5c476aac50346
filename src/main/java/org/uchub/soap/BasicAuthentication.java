package org.uchub.soap;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.cxf.configuration.security.AuthorizationPolicy;
import org.apache.cxf.message.Message;
import org.apache.cxf.phase.AbstractPhaseInterceptor;
import org.apache.cxf.phase.Phase;
import org.apache.cxf.transport.http.AbstractHTTPDestination;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.uchub.broker.BrokerUsers;
import org.uchub.request.ErrorCode;
import org.uchub.request.RequestRules;

/**
 * HTTP Basic authentication of every SOAP call, before a byte of its body is read: the user
 * is the tenant. A call without valid credentials gets 401 with a Basic challenge (clients
 * such as .NET's only send credentials after one) and a soap:Client fault with code
 * UNAUTHENTICATED; it never reaches a route, so nothing of it is logged as a session. The
 * WSDL and its schema are served without credentials: they are the public contract, and
 * client generators fetch them anonymously.
 */
public class BasicAuthentication extends AbstractPhaseInterceptor<Message> {
    /** The CXF message key holding the authenticated tenant. */
    public static final String TENANT = "org.uchub.soap.tenant";
    private static final Logger LOG = LoggerFactory.getLogger(BasicAuthentication.class);

    private final BrokerUsers users;
    private final String realm;
    private final boolean soap12;

    public BasicAuthentication(BrokerUsers users, String realm, boolean soap12) {
        super(Phase.RECEIVE);
        this.users = users;
        this.realm = realm.replaceAll("[^A-Za-z0-9 ._-]", "");
        this.soap12 = soap12;
    }

    @Override
    public void handleMessage(Message message) {
        HttpServletRequest http = (HttpServletRequest) message.get(AbstractHTTPDestination.HTTP_REQUEST);
        if (http != null && "GET".equals(http.getMethod()) && contractQuery(http.getQueryString())) {
            // The public contract. Any other GET is a call like a POST: CXF reads an envelope
            // from a GET's body and hands it to the routes, so it is authenticated too.
            return;
        }
        String[] credentials = http != null ? credentials(http.getHeader("Authorization")) : fromPolicy(message.get(AuthorizationPolicy.class));
        Optional<String> tenant;
        try {
            tenant = credentials == null ? Optional.empty() : users.authenticate(credentials[0], credentials[1]);
        } catch (BrokerUsers.Busy busy) {
            // Not a wrong password: a flood of checks (most likely of wrong ones) leaves no room
            // for this one now. 401 would tell a client with the right password to give up; 500
            // because WS-I BP 1.1 (R1126) has every fault answered so, and a SOAP stack reads the
            // fault's code from a 500 where it turns a 503 into a bare HTTP error.
            LOG.warn("SOAP call of user {} from {} refused: {}", RequestRules.printable(credentials[0]),
                    http == null ? "?" : http.getRemoteAddr(), busy.getMessage());
            refuse(message, HttpServletResponse.SC_INTERNAL_SERVER_ERROR, ErrorCode.SERVICE_UNAVAILABLE,
                    "Too many passwords are being checked at once: send the call again in a moment.");
            return;
        }
        if (tenant.isPresent()) {
            message.put(TENANT, tenant.get());
            return;
        }
        if (credentials == null) {
            // Not worth a warning: clients such as .NET's send every call without credentials
            // first and again after the challenge, and anyone could fill the log with them.
            LOG.debug("SOAP call without credentials from {} challenged", http == null ? "?" : http.getRemoteAddr());
        } else {
            LOG.warn("SOAP call refused: wrong credentials for user {} from {}", RequestRules.printable(credentials[0]),
                    http == null ? "?" : http.getRemoteAddr());
        }
        refuse(message, HttpServletResponse.SC_UNAUTHORIZED, ErrorCode.UNAUTHENTICATED,
                "Credentials missing or wrong: authenticate with HTTP Basic as your business system's user.");
    }

    private void refuse(Message message, int status, ErrorCode code, String text) {
        HttpServletResponse response = (HttpServletResponse) message.get(AbstractHTTPDestination.HTTP_RESPONSE);
        try {
            response.setStatus(status);
            if (status == HttpServletResponse.SC_UNAUTHORIZED) {
                response.setHeader("WWW-Authenticate", "Basic realm=\"" + realm + "\", charset=\"UTF-8\"");
            } else {
                response.setHeader("Retry-After", "1");
            }
            // The body was never read: the connection cannot carry another request, and the client must know.
            response.setHeader("Connection", "close");
            response.setContentType(soap12 ? "application/soap+xml; charset=UTF-8" : "text/xml; charset=UTF-8");
            response.getOutputStream().write(SoapFaults.faultEnvelope(code, text, soap12).getBytes(StandardCharsets.UTF_8));
            response.flushBuffer();
        } catch (IOException e) {
            LOG.debug("could not answer a refused SOAP call: {}", e.toString());
        }
        message.getInterceptorChain().abort();
    }

    /** Whether the query asks for the WSDL or its schema, read as CXF's WSDLGetInterceptor reads it. */
    private static boolean contractQuery(String query) {
        if (query == null || query.isEmpty()) {
            return false;
        }
        java.util.Map<String, String> params = org.apache.cxf.common.util.UrlUtils.parseQueryString(query);
        return params.containsKey("wsdl") || params.containsKey("xsd");
    }

    private static String[] fromPolicy(AuthorizationPolicy policy) {
        return policy == null || policy.getUserName() == null ? null : new String[] {policy.getUserName(), policy.getPassword()};
    }

    /**
     * User and password of an HTTP Basic Authorization header, or null. Read here rather than by
     * CXF, which decodes them in the JVM's default charset and wants the scheme spelt "Basic"
     * with one space: RFC 7235 makes the scheme case-insensitive, and RFC 7617 has the
     * credentials in UTF-8 when the server asks for it (this one's challenge does), while many
     * clients (Python's requests among them) still send ISO-8859-1. Bytes that are not UTF-8 are
     * read as ISO-8859-1.
     */
    static String[] credentials(String header) {
        if (header == null) {
            return null;
        }
        String h = header.trim();
        if (h.length() < 6 || !h.regionMatches(true, 0, "Basic", 0, 5) || !Character.isWhitespace(h.charAt(5))) {
            return null;
        }
        byte[] raw;
        try {
            raw = java.util.Base64.getDecoder().decode(h.substring(6).trim());
        } catch (IllegalArgumentException notBase64) {
            return null;
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(raw)).toString();
        } catch (java.nio.charset.CharacterCodingException notUtf8) {
            text = new String(raw, StandardCharsets.ISO_8859_1);
        }
        int colon = text.indexOf(':');
        return colon < 0 ? null : new String[] {text.substring(0, colon), text.substring(colon + 1)};
    }
}
