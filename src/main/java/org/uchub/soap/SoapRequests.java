package org.uchub.soap;

import jakarta.activation.DataHandler;
import jakarta.xml.bind.JAXBElement;
import java.io.ByteArrayOutputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Source;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMResult;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.apache.camel.Exchange;
import org.apache.camel.attachment.AttachmentMessage;
import org.apache.camel.component.cxf.common.CxfPayload;
import org.apache.camel.component.cxf.common.message.CxfConstants;
import org.apache.cxf.binding.soap.SoapFault;
import org.apache.cxf.message.Message;
import org.uchub.contract.ErrorDetail;
import org.uchub.contract.ErrorReply;
import org.uchub.contract.Recording;
import org.uchub.contract.ReplyStatus;
import org.uchub.contract.SessionReply;
import org.uchub.request.ContractCodec;
import org.uchub.request.ErrorCode;
import org.uchub.request.Rejections;
import org.w3c.dom.Element;

/**
 * The SOAP ingress's two steps around the spine: the call's body element becomes the
 * contract's bytes, with the authenticated user as tenant; the spine's reply becomes the
 * response element, or a SOAP fault carrying the error.
 */
public class SoapRequests {
    /** Exchange property with the operation CXF matched from the WSDL, e.g. StartSession. */
    public static final String OPERATION = "ucSoapOperation";
    private static final TransformerFactory TRANSFORMERS = TransformerFactory.newInstance();

    /** Exchange property: the caller sent its request as an XOP package, or said it accepts one. */
    static final String CALLER_READS_MTOM = "ucSoapCallerReadsMtom";

    /** When GetRecording's audio goes as an MTOM part (soap.recording.mtom). */
    public enum Mtom {
        /** When the caller shows it reads MTOM: its request was an XOP package, or its Accept names one. */
        AUTO,
        ALWAYS,
        /** Never: base64 text inside the reply. */
        NEVER;

        public static Mtom of(String setting) {
            return switch (setting == null ? "auto" : setting.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "true", "always" -> ALWAYS;
                case "false", "never" -> NEVER;
                case "auto" -> AUTO;
                default -> throw new IllegalArgumentException("soap.recording.mtom must be auto, always or never, not " + setting);
            };
        }
    }

    private final ContractCodec codec;
    private final Mtom mtom;

    private final long maxRequestBytes;

    /**
     * @param maxRequestBytes the most an MTOM request's binary parts may hold together: no more
     *                        than the contract takes as base64 (hub.request.max-bytes) or the
     *                        call's bytes (soap.max-request-bytes)
     */
    public SoapRequests(ContractCodec codec, Mtom mtom, long maxRequestBytes) {
        this.codec = codec;
        this.mtom = mtom;
        this.maxRequestBytes = maxRequestBytes;
    }

    /**
     * A stack without MTOM (PHP's SoapClient, a .NET client generated with the default text
     * encoding) fails on a multipart/related answer; one with MTOM on sends its own requests
     * as XOP packages. An Accept naming multipart/related or application/xop+xml counts too.
     */
    static boolean readsMtom(Message cxf) {
        if (cxf == null) {
            return false;
        }
        String type = String.valueOf(cxf.get(Message.CONTENT_TYPE)).toLowerCase(java.util.Locale.ROOT);
        if (type.contains("multipart/related") && type.contains("application/xop+xml")) {
            return true;
        }
        Object headers = cxf.get(Message.PROTOCOL_HEADERS);
        if (headers instanceof java.util.Map<?, ?> map) {
            for (java.util.Map.Entry<?, ?> e : map.entrySet()) {
                if ("accept".equalsIgnoreCase(String.valueOf(e.getKey()))) {
                    String accept = String.valueOf(e.getValue()).toLowerCase(java.util.Locale.ROOT);
                    return accept.contains("multipart/related") || accept.contains("application/xop+xml");
                }
            }
        }
        return false;
    }

    /**
     * Takes what the route needs from the call and drops every header, so that nothing a
     * caller sends (an HTTP header named like a Camel control header, in any letter case) can
     * steer a later step.
     */
    public byte[] accept(Exchange exchange) {
        org.apache.camel.Message in = exchange.getMessage();
        Message cxf = in.getHeader(CxfConstants.CAMEL_CXF_MESSAGE, Message.class);
        String operation = in.getHeader(CxfConstants.OPERATION_NAME, String.class);
        in.getHeaders().clear();
        exchange.setProperty(CALLER_READS_MTOM, readsMtom(cxf));
        String tenant = cxf == null ? null : (String) cxf.get(BasicAuthentication.TENANT);
        if (tenant == null) {
            // Cannot happen behind BasicAuthentication; refuse rather than guess a tenant.
            throw SoapFaults.fault(ErrorCode.UNAUTHENTICATED, "The call is not authenticated.");
        }
        exchange.setProperty("ucTenant", tenant);
        exchange.setProperty("ucIngress", "soap");
        exchange.setProperty(OPERATION, operation);
        @SuppressWarnings("unchecked")
        CxfPayload<?> payload = in.getBody(CxfPayload.class);
        List<Source> body = payload == null ? List.of() : payload.getBodySources();
        if (body.size() != 1) {
            throw SoapFaults.fault(ErrorCode.MALFORMED_REQUEST, "The SOAP body must hold exactly one request element.");
        }
        Map<String, DataHandler> parts = parts(in, cxf);
        ByteArrayOutputStream out = new ByteArrayOutputStream(2048);
        try {
            Transformer t = TRANSFORMERS.newTransformer();
            t.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
            if (parts.isEmpty()) {
                t.transform(body.get(0), new StreamResult(out));
            } else {
                DOMResult tree = new DOMResult();
                t.transform(body.get(0), tree);
                XopParts.inline(tree.getNode(), parts, maxRequestBytes);
                t.transform(new DOMSource(tree.getNode()), new StreamResult(out));
            }
        } catch (TransformerException e) {
            throw SoapFaults.fault(ErrorCode.MALFORMED_REQUEST, "The request element cannot be read.");
        }
        return out.toByteArray();
    }

    /** The MIME parts of an MTOM request by Content-ID, as CXF read them (or Camel, failing that). */
    private static Map<String, DataHandler> parts(org.apache.camel.Message in, Message cxf) {
        Map<String, DataHandler> parts = new HashMap<>();
        if (cxf != null && cxf.getAttachments() != null) {
            for (org.apache.cxf.message.Attachment a : cxf.getAttachments()) {
                parts.put(XopParts.key(a.getId()), a.getDataHandler());
                String header = a.getHeader("Content-ID");
                if (header != null) {
                    parts.putIfAbsent(XopParts.key(header), a.getDataHandler());
                }
            }
        }
        if (parts.isEmpty() && in instanceof AttachmentMessage am && am.hasAttachments()) {
            am.getAttachments().forEach((id, handler) -> parts.put(XopParts.key(id), handler));
        }
        return parts;
    }

    /**
     * Sets the response payload for a served request (with GetRecording's audio as an MTOM
     * part); throws a fault for a rejected one. It sets the body itself: a setBody step would
     * copy the message and drop its attachments.
     */
    public void reply(Exchange exchange) {
        in(exchange).getHeaders().clear();
        ErrorDetail error = exchange.getProperty(Rejections.ERROR, ErrorDetail.class);
        if (Boolean.TRUE.equals(exchange.getProperty(Rejections.REJECTED, Boolean.class)) && error != null) {
            throw fault(error);
        }
        JAXBElement<?> reply = in(exchange).getBody(JAXBElement.class);
        Recording recording = reply.getValue() instanceof SessionReply r ? r.getRecording() : null;
        boolean asMtom = mtom == Mtom.ALWAYS || (mtom == Mtom.AUTO && Boolean.TRUE.equals(exchange.getProperty(CALLER_READS_MTOM)));
        if (!asMtom || recording == null || recording.getContent() == null) {
            exchange.getMessage().setBody(new CxfPayload<Object>(null, List.of(codec.toElement(reply))));
            return;
        }
        XopAttachments parts = new XopAttachments(recording.getMimeType(), ((SessionReply) reply.getValue()).getSessionId());
        Element element = codec.toElement(reply, parts);
        AttachmentMessage message = exchange.getMessage(AttachmentMessage.class);
        parts.parts().forEach(message::addAttachment);
        // This response alone goes as MTOM: camel-cxf hands the parts to CXF as XOP parts and
        // CXF writes multipart/related; every other response stays a plain envelope (tested).
        exchange.setProperty("mtom-enabled", "true");
        message.setBody(new CxfPayload<Object>(null, List.of(element)));
    }

    /** Answers a request the session log could not take (it is down) with a fault: try again later. */
    public void unavailable(Exchange exchange) {
        in(exchange).getHeaders().clear();
        throw SoapFaults.fault(ErrorCode.SERVICE_UNAVAILABLE,
                "The hub cannot record sessions right now. Send the request again later with the same requestId:"
                        + " if it was applied after all, it is not applied twice.");
    }

    private SoapFault fault(ErrorDetail error) {
        ErrorCode code = ErrorCode.valueOf(error.getCode());
        SoapFault fault = new SoapFault(error.getMessage(),
                code.isCallerFault() ? org.apache.cxf.interceptor.Fault.FAULT_CODE_CLIENT : org.apache.cxf.interceptor.Fault.FAULT_CODE_SERVER);
        ErrorReply reply = new ErrorReply();
        reply.setStatus(code.isCallerFault() ? ReplyStatus.REJECTED : ReplyStatus.FAILED);
        reply.setError(error);
        Element detail = fault.getOrCreateDetail();
        detail.appendChild(detail.getOwnerDocument().importNode(codec.toElement(ContractCodec.element(reply, null)), true));
        return fault;
    }

    private static org.apache.camel.Message in(Exchange exchange) {
        return exchange.getMessage();
    }
}
