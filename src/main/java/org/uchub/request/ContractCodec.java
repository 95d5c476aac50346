package org.uchub.request;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.module.jakarta.xmlbind.JakartaXmlBindAnnotationModule;
import jakarta.xml.bind.JAXBContext;
import jakarta.xml.bind.JAXBElement;
import jakarta.xml.bind.JAXBException;
import jakarta.xml.bind.Marshaller;
import jakarta.xml.bind.Unmarshaller;
import jakarta.xml.bind.ValidationEvent;
import jakarta.xml.bind.ValidationEventLocator;
import jakarta.xml.bind.util.JAXBSource;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.namespace.QName;
import javax.xml.parsers.SAXParserFactory;
import javax.xml.transform.sax.SAXSource;
import javax.xml.validation.Schema;
import javax.xml.validation.SchemaFactory;
import javax.xml.validation.Validator;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.uchub.contract.ErrorReply;
import org.uchub.contract.ObjectFactory;
import org.uchub.contract.RequestBase;
import org.uchub.contract.SessionReply;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;
import org.xml.sax.XMLReader;

/**
 * Turns bytes in the contract (XML or JSON, told apart by content) into a {@link HubRequest}
 * and replies back into bytes of the same format. Both formats pass the same XSD, so JSON
 * cannot carry anything XML could not. XML is read with DTDs refused outright, so no entity
 * of any kind (external file, billion laughs) is ever expanded.
 */
public class ContractCodec {
    public static final String NAMESPACE = "urn:uc-hub:session:v1";
    public static final String FORMAT_PROPERTY = "ucFormat";
    /** An ingress that could not even get the request's bytes leaves the rejection here. */
    public static final String INGRESS_ERROR = "ucIngressError";
    /**
     * Set by an ingress whose transport delivered characters (a JMS text message, or bytes in
     * a charset the transport named) and passed them on as UTF-8: an XML declaration's
     * {@code encoding} then describes bytes that no longer exist and is not believed.
     */
    public static final String DECODED_BY_INGRESS = "ucDecodedByIngress";
    public static final String XML = "xml";
    public static final String JSON = "json";
    private static final int MAX_DEPTH = 64;

    private final JAXBContext jaxb;
    private final Schema schema;
    private final SAXParserFactory saxFactory;
    private final ObjectMapper json;
    private final int maxBytes;

    public ContractCodec(int maxBytes) {
        this.maxBytes = maxBytes;
        try {
            this.jaxb = JAXBContext.newInstance(ObjectFactory.class);
            SchemaFactory sf = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI);
            sf.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            sf.setProperty(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            URL xsd = ContractCodec.class.getResource("/contract/uc-hub-session-v1.xsd");
            this.schema = sf.newSchema(xsd);
            this.saxFactory = SAXParserFactory.newInstance();
            saxFactory.setNamespaceAware(true);
            saxFactory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            saxFactory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            saxFactory.setFeature("http://xml.org/sax/features/external-general-entities", false);
            saxFactory.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            saxFactory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            saxFactory.setXIncludeAware(false);
        } catch (JAXBException | SAXException | javax.xml.parsers.ParserConfigurationException e) {
            throw new IllegalStateException("cannot load the contract schema", e);
        }
        this.json = JsonMapper.builder()
                .addModule(new JakartaXmlBindAnnotationModule())
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                // One request per body, as in XML: a second object after it was ignored unread.
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
                // 1.9 is no xs:long, as it is not in XML
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                // "role": 0 is no role (Jackson would take the first), nor is "channel": "3"
                .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                .serializationInclusion(JsonInclude.Include.NON_NULL)
                .build();
        // A number where the contract has a string is refused, not turned into one: the JSON
        // number 4930111111 would be dialled as a national number, not as +49 30 111111. Nor
        // is 1 true.
        json.coercionConfigFor(com.fasterxml.jackson.databind.type.LogicalType.Textual)
                .setCoercion(com.fasterxml.jackson.databind.cfg.CoercionInputShape.Integer, com.fasterxml.jackson.databind.cfg.CoercionAction.Fail)
                .setCoercion(com.fasterxml.jackson.databind.cfg.CoercionInputShape.Float, com.fasterxml.jackson.databind.cfg.CoercionAction.Fail)
                .setCoercion(com.fasterxml.jackson.databind.cfg.CoercionInputShape.Boolean, com.fasterxml.jackson.databind.cfg.CoercionAction.Fail);
        json.coercionConfigFor(com.fasterxml.jackson.databind.type.LogicalType.Boolean)
                .setCoercion(com.fasterxml.jackson.databind.cfg.CoercionInputShape.Integer, com.fasterxml.jackson.databind.cfg.CoercionAction.Fail);
        json.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(MAX_DEPTH).maxStringLength(maxBytes).build());
    }

    /**
     * "xml" or "json", by the first significant character; anything else is malformed. A byte
     * order mark and the zero bytes of UTF-16 or UTF-32 are passed over, so JSON in those (which
     * the JSON reader detects by itself, RFC 4627 §3) is not taken for XML.
     */
    public static String detectFormat(byte[] body) {
        int i = 0;
        if (body.length >= 3 && (body[0] & 0xff) == 0xEF && (body[1] & 0xff) == 0xBB && (body[2] & 0xff) == 0xBF) {
            i = 3;
        } else if (body.length >= 4 && body[0] == 0 && body[1] == 0 && (body[2] & 0xff) == 0xFE && (body[3] & 0xff) == 0xFF) {
            i = 4; // UTF-32BE's byte order mark
        } else if (body.length >= 2 && ((body[0] & 0xff) == 0xFE && (body[1] & 0xff) == 0xFF
                || (body[0] & 0xff) == 0xFF && (body[1] & 0xff) == 0xFE)) {
            i = 2; // UTF-16's, and the start of UTF-32LE's (FF FE 00 00), whose zeros the loop passes
        }
        while (i < body.length && (Character.isWhitespace(body[i]) || body[i] == 0)) {
            i++;
        }
        if (i < body.length && body[i] == '{') {
            return JSON;
        }
        // XML is the contract's primary form, so whatever is not JSON gets XML's error messages.
        return XML;
    }

    /**
     * Reads one request, never more than the size limit of it; the format found is left in
     * the exchange property {@value #FORMAT_PROPERTY}. The ingress names the tenant it
     * authenticated ({@code ucTenant}), itself ({@code ucIngress}) and, optionally, a key
     * that identifies a redelivery of the same transport message ({@code ucDedupeKey}).
     */
    public HubRequest read(InputStream body, @ExchangeProperty("ucTenant") String tenant,
            @ExchangeProperty("ucIngress") String ingress, @ExchangeProperty("ucDedupeKey") String ingressKey,
            Exchange exchange) throws IOException {
        byte[] bytes = body == null ? new byte[0] : body.readNBytes(maxBytes + 1);
        String format = detectFormat(bytes);
        exchange.setProperty(FORMAT_PROPERTY, format);
        RequestRejectedException ingressError = exchange.getProperty(INGRESS_ERROR, RequestRejectedException.class);
        if (ingressError != null) {
            throw ingressError;
        }
        if (tenant == null || !RequestRules.ID.matcher(tenant).matches()) {
            throw new RequestRejectedException(ErrorCode.UNKNOWN_TENANT,
                    "The ingress could not tell which business system sent this request.");
        }
        if (bytes.length == 0) {
            throw new RequestRejectedException(ErrorCode.MALFORMED_REQUEST, "The request is empty.");
        }
        if (bytes.length > maxBytes) {
            throw new RequestRejectedException(ErrorCode.REQUEST_TOO_LARGE, "The request is larger than the limit of " + maxBytes + " bytes.");
        }
        RequestBase payload = JSON.equals(format) ? readJson(bytes)
                : readXml(bytes, Boolean.TRUE.equals(exchange.getProperty(DECODED_BY_INGRESS, Boolean.class)));
        HubRequest request = new HubRequest(tenant, ingress, Action.forType(payload.getClass()), payload);
        request.setIngressKey(ingressKey);
        return request;
    }

    RequestBase readXml(byte[] body) {
        return readXml(body, false);
    }

    /** {@code utf8}: the body is UTF-8 whatever its XML declaration says (XML 1.0 F.2: outside information wins). */
    RequestBase readXml(byte[] body, boolean utf8) {
        FirstProblem problem = new FirstProblem();
        Object result;
        try {
            XMLReader reader = saxFactory.newSAXParser().getXMLReader();
            Unmarshaller u = jaxb.createUnmarshaller();
            u.setSchema(schema);
            u.setEventHandler(problem);
            // Read as characters, the parser ignores the declaration's encoding.
            InputSource source = utf8 ? new InputSource(new java.io.InputStreamReader(new ByteArrayInputStream(body),
                    java.nio.charset.StandardCharsets.UTF_8)) : new InputSource(new ByteArrayInputStream(body));
            result = u.unmarshal(new SAXSource(reader, source));
        } catch (JAXBException e) {
            throw problem.toRejection(e, XmlProlog.declaresDoctype(body, utf8));
        } catch (SAXException | javax.xml.parsers.ParserConfigurationException e) {
            throw new IllegalStateException(e);
        }
        Object value = result instanceof JAXBElement<?> el ? el.getValue() : result;
        if (value instanceof RequestBase request) {
            return request;
        }
        String name = result instanceof JAXBElement<?> el ? el.getName().getLocalPart() : value.getClass().getSimpleName();
        throw new RequestRejectedException(ErrorCode.UNKNOWN_OPERATION,
                "<" + name + "> is not a request; send StartSession, ModifySession, EndSession, QuerySessionLog or GetRecording.");
    }

    RequestBase readJson(byte[] body) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            throw new RequestRejectedException(ErrorCode.MALFORMED_REQUEST, "Not well-formed JSON: " + e.getOriginalMessage(),
                    loc == null ? null : loc.getLineNr(), loc == null ? null : loc.getColumnNr());
        } catch (IOException e) {
            throw new RequestRejectedException(ErrorCode.MALFORMED_REQUEST, "Cannot read the JSON request: " + e.getMessage());
        }
        if (!(root instanceof ObjectNode obj) || obj.size() != 1) {
            throw new RequestRejectedException(ErrorCode.UNKNOWN_OPERATION,
                    "A JSON request is an object with exactly one member named after the operation, e.g. {\"StartSession\": {...}}.");
        }
        Map.Entry<String, JsonNode> only = obj.fields().next();
        Action action = Action.forElement(only.getKey());
        if (action == null) {
            throw new RequestRejectedException(ErrorCode.UNKNOWN_OPERATION, "\"" + only.getKey()
                    + "\" is not an operation; use StartSession, ModifySession, EndSession, QuerySessionLog or GetRecording.");
        }
        xmlCharactersOnly(only.getValue(), "$." + only.getKey());
        RequestBase request;
        try {
            request = json.treeToValue(only.getValue(), action.type());
        } catch (JsonProcessingException e) {
            throw new RequestRejectedException(ErrorCode.SCHEMA_INVALID,
                    "The request does not match the contract: " + e.getOriginalMessage() + " at " + jsonPath(e));
        }
        if (request == null) {
            throw new RequestRejectedException(ErrorCode.SCHEMA_INVALID, "\"" + only.getKey() + "\" must be an object.");
        }
        validateAgainstSchema(new JAXBElement<>(new QName(NAMESPACE, action.element()), RequestBase.class, request));
        return request;
    }

    /**
     * JSON can carry what XML cannot (U+FFFF, a lone surrogate): such a request would be
     * applied and then break every XML made of it (its stored reply, answered again to a
     * resend; its events on the topic; a query of its business ID). Refused, as the same
     * characters are in an XML request.
     */
    private static void xmlCharactersOnly(JsonNode node, String path) {
        if (node.isTextual()) {
            checkXmlCharacters(node.textValue(), path);
        } else if (node.isObject()) {
            for (Map.Entry<String, JsonNode> f : node.properties()) {
                checkXmlCharacters(f.getKey(), path);
                xmlCharactersOnly(f.getValue(), path + "." + f.getKey());
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                xmlCharactersOnly(node.get(i), path + "[" + i + "]");
            }
        }
    }

    private static void checkXmlCharacters(String s, String path) {
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            // C0 controls are left to the rules, which name the field and its own code (INVALID_TEXT,
            // INVALID_JID ...); what no rule would catch everywhere is checked here.
            boolean ok = cp < 0x20 || (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
            if (!ok) {
                throw new RequestRejectedException(ErrorCode.MALFORMED_REQUEST, String.format(
                        "Character U+%04X at %s is not allowed in the contract (XML 1.0 cannot carry it).", cp, path));
            }
            i += Character.charCount(cp);
        }
    }

    private static String jsonPath(JsonProcessingException e) {
        if (e instanceof com.fasterxml.jackson.databind.JsonMappingException m) {
            StringBuilder sb = new StringBuilder("$");
            for (var ref : m.getPath()) {
                sb.append(ref.getFieldName() != null ? "." + ref.getFieldName() : "[" + ref.getIndex() + "]");
            }
            return sb.toString();
        }
        return "$";
    }

    /** JSON requests go through the same XSD as XML ones: required fields, enumerations, types. */
    private void validateAgainstSchema(JAXBElement<?> element) {
        try {
            Validator validator = schema.newValidator();
            validator.validate(new JAXBSource(jaxb, element));
        } catch (SAXParseException e) {
            throw new RequestRejectedException(ErrorCode.SCHEMA_INVALID, "The request does not match the contract: " + e.getMessage());
        } catch (SAXException | JAXBException | IOException e) {
            throw new RequestRejectedException(ErrorCode.SCHEMA_INVALID, "The request does not match the contract: " + e.getMessage());
        }
    }

    /** The reply of a served request, named for its operation. */
    public JAXBElement<?> replyOf(HubRequest r) {
        return element(r.getReply(), r.getAction());
    }

    /** Renders a named reply in the format the request came in. */
    public String render(JAXBElement<?> reply, @ExchangeProperty(FORMAT_PROPERTY) String format) {
        return write(reply.getValue(), reply.getName().getLocalPart(), format);
    }

    /** Renders a reply (a {@link SessionReply} for an action, or an {@link ErrorReply}) in the given format. */
    public String write(Object reply, Action action, String format) {
        JAXBElement<?> element = element(reply, action);
        return write(element.getValue(), element.getName().getLocalPart(), format);
    }

    private String write(Object value, String name, String format) {
        if (JSON.equals(format)) {
            Map<String, Object> wrapper = new LinkedHashMap<>();
            wrapper.put(name, value);
            try {
                return json.writerWithDefaultPrettyPrinter().writeValueAsString(wrapper);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot render reply", e);
            }
        }
        @SuppressWarnings({"unchecked", "rawtypes"})
        JAXBElement<?> element = new JAXBElement(new QName(NAMESPACE, name), value.getClass(), value);
        return toXml(element);
    }

    public String toXml(JAXBElement<?> element) {
        try {
            Marshaller m = jaxb.createMarshaller();
            m.setProperty(Marshaller.JAXB_FORMATTED_OUTPUT, true);
            m.setProperty(Marshaller.JAXB_ENCODING, StandardCharsets.UTF_8.name());
            StringWriter out = new StringWriter();
            m.marshal(element, out);
            return out.toString();
        } catch (JAXBException e) {
            throw new IllegalStateException("cannot render reply", e);
        }
    }

    /** A reply as a DOM element of its own document, for transports that carry XML trees (SOAP). */
    public org.w3c.dom.Element toElement(JAXBElement<?> element) {
        return toElement(element, null);
    }

    /**
     * The reply as a DOM element; with an attachment marshaller that is a XOP package, its
     * binary content is handed to it and an xop:Include written in its place (MTOM).
     */
    public org.w3c.dom.Element toElement(JAXBElement<?> element, jakarta.xml.bind.attachment.AttachmentMarshaller attachments) {
        try {
            javax.xml.transform.dom.DOMResult result = new javax.xml.transform.dom.DOMResult();
            Marshaller m = jaxb.createMarshaller();
            if (attachments != null) {
                m.setAttachmentMarshaller(attachments);
            }
            m.marshal(element, result);
            return ((org.w3c.dom.Document) result.getNode()).getDocumentElement();
        } catch (JAXBException e) {
            throw new IllegalStateException("cannot render reply", e);
        }
    }

    /** Reads back a reply stored by the request ledger. */
    public SessionReply parseStoredReply(String xml) {
        try {
            Unmarshaller u = jaxb.createUnmarshaller();
            XMLReader reader = saxFactory.newSAXParser().getXMLReader();
            Object o = u.unmarshal(new SAXSource(reader, new InputSource(new java.io.StringReader(xml))));
            return (SessionReply) ((JAXBElement<?>) o).getValue();
        } catch (JAXBException | SAXException | javax.xml.parsers.ParserConfigurationException e) {
            throw new IllegalStateException("stored reply unreadable", e);
        }
    }

    public static JAXBElement<?> element(Object reply, Action action) {
        ObjectFactory f = new ObjectFactory();
        if (reply instanceof ErrorReply e) {
            return f.createError(e);
        }
        SessionReply r = (SessionReply) reply;
        return switch (action) {
            case START -> f.createStartSessionResponse(r);
            case MODIFY -> f.createModifySessionResponse(r);
            case END -> f.createEndSessionResponse(r);
            case QUERY -> f.createQuerySessionLogResponse(r);
            case RECORDING -> f.createGetRecordingResponse(r);
        };
    }

    /** Keeps the first schema or well-formedness problem, with its position. */
    private static final class FirstProblem implements jakarta.xml.bind.ValidationEventHandler {
        private ValidationEvent first;

        @Override
        public boolean handleEvent(ValidationEvent event) {
            if (first == null) {
                first = event;
            }
            return false;
        }

        RequestRejectedException toRejection(JAXBException e, boolean doctype) {
            Throwable cause = e.getLinkedException() != null ? e.getLinkedException() : e.getCause();
            String msg = first != null ? first.getMessage() : cause != null ? cause.getMessage() : e.getMessage();
            Integer line = null;
            Integer col = null;
            ValidationEventLocator loc = first != null ? first.getLocator() : null;
            if (loc != null && loc.getLineNumber() > 0) {
                line = loc.getLineNumber();
                col = loc.getColumnNumber();
            } else if (cause instanceof SAXParseException spe && spe.getLineNumber() > 0) {
                line = spe.getLineNumber();
                col = spe.getColumnNumber();
            }
            if (doctype) {
                return new RequestRejectedException(ErrorCode.DTD_NOT_ALLOWED,
                        "DOCTYPE declarations are not accepted (no DTDs, no entities).", line, col);
            }
            // Xerces words every schema-validity error as "cvc-..."; anything else is a parse error.
            boolean schema = msg != null && msg.startsWith("cvc-");
            if (!schema) {
                return new RequestRejectedException(ErrorCode.MALFORMED_REQUEST, "Not well-formed XML: " + msg, line, col);
            }
            if (msg != null && msg.startsWith("cvc-elt.1")) {
                return new RequestRejectedException(ErrorCode.UNKNOWN_OPERATION,
                        "The root element is not an operation of " + NAMESPACE
                                + ": send StartSession, ModifySession, EndSession, QuerySessionLog or GetRecording.", line, col);
            }
            return new RequestRejectedException(ErrorCode.SCHEMA_INVALID, "The request does not match the contract: " + msg, line, col);
        }
    }
}
