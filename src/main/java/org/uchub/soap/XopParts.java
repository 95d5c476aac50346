package org.uchub.soap;

import jakarta.activation.DataHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.uchub.request.ErrorCode;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Puts an MTOM request's binary parts back where they belong. A client with MTOM on (.NET's
 * Mtom encoding, JAX-WS with MTOM enabled) sends a base64Binary value, such as a fax document,
 * as a MIME part and leaves an {@code xop:Include} in its place; XOP 1.0 §3.2 has the receiver
 * read the message as if the value were there as base64 text. CXF does not do that for the
 * hub's payload-mode endpoint, so without this the element held an Include and failed the
 * contract's schema.
 */
final class XopParts {
    static final String XOP = "http://www.w3.org/2004/08/xop/include";

    private XopParts() {
    }

    /**
     * Replaces each {@code xop:Include} under {@code root} with the base64 text of the part its
     * {@code cid:} href names, refusing a reference to a part the request does not carry and
     * parts that together pass {@code maxBytes}.
     */
    static void inline(Node root, Map<String, DataHandler> parts, long maxBytes) {
        Document doc = root instanceof Document d ? d : root.getOwnerDocument();
        NodeList live = doc.getElementsByTagNameNS(XOP, "Include");
        List<Element> includes = new ArrayList<>(live.getLength());
        for (int i = 0; i < live.getLength(); i++) {
            includes.add((Element) live.item(i));
        }
        long total = 0;
        for (Element include : includes) {
            String href = include.getAttribute("href").trim();
            if (!href.regionMatches(true, 0, "cid:", 0, 4)) {
                throw SoapFaults.fault(ErrorCode.MALFORMED_REQUEST, "An xop:Include must name its MIME part with a cid: URL.");
            }
            // CXF keys a part by its Content-ID URL-decoded ('+' read as a space), SoapRequests also
            // by the header as sent: the href is looked up %-decoded (RFC 2392), then as written.
            DataHandler part = parts.get(contentId(href.substring(4)));
            if (part == null) {
                part = parts.get(href.substring(4));
            }
            if (part == null) {
                throw SoapFaults.fault(ErrorCode.MALFORMED_REQUEST, "An xop:Include names a MIME part the request does not carry.");
            }
            long[] count = {0};
            String base64 = base64(part, maxBytes - total, count);
            total += count[0];
            include.getParentNode().replaceChild(doc.createTextNode(base64), include);
        }
    }

    /** The Content-ID a cid: URL names: RFC 2392 writes it %-encoded, with no angle brackets. */
    static String contentId(String encoded) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(encoded.length());
        for (int i = 0; i < encoded.length(); i++) {
            char ch = encoded.charAt(i);
            if (ch == '%' && i + 2 < encoded.length()
                    && Character.digit(encoded.charAt(i + 1), 16) >= 0 && Character.digit(encoded.charAt(i + 2), 16) >= 0) {
                out.write(Character.digit(encoded.charAt(i + 1), 16) * 16 + Character.digit(encoded.charAt(i + 2), 16));
                i += 2;
            } else {
                byte[] b = String.valueOf(ch).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** A Content-ID header's value as a key: without its angle brackets. */
    static String key(String contentId) {
        String id = contentId == null ? "" : contentId.trim();
        if (id.startsWith("<") && id.endsWith(">")) {
            id = id.substring(1, id.length() - 1);
        }
        return id;
    }

    /** The part as base64 text, encoded while read (no copy of its raw bytes); {@code count[0]}: its size. */
    private static String base64(DataHandler part, long limit, long[] count) {
        ByteArrayOutputStream text = new ByteArrayOutputStream(8192);
        try (InputStream in = part.getInputStream(); java.io.OutputStream encoder = Base64.getEncoder().wrap(text)) {
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) > 0;) {
                count[0] += n;
                if (count[0] > limit) {
                    throw SoapFaults.fault(ErrorCode.REQUEST_TOO_LARGE, "The request's binary parts are larger than the hub takes ("
                            + limit + " bytes).");
                }
                encoder.write(buf, 0, n);
            }
        } catch (IOException e) {
            throw SoapFaults.fault(ErrorCode.MALFORMED_REQUEST, "A MIME part of the request cannot be read.");
        }
        return text.toString(StandardCharsets.ISO_8859_1);
    }
}
