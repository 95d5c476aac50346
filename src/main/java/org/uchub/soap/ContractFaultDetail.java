package org.uchub.soap;

import java.util.Locale;
import org.apache.cxf.interceptor.Fault;
import org.apache.cxf.message.Message;
import org.apache.cxf.phase.AbstractPhaseInterceptor;
import org.apache.cxf.phase.Phase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.uchub.request.ContractCodec;
import org.uchub.request.ErrorCode;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * Gives the faults CXF raises itself (unreadable envelope, DTD, a limit passed, unknown
 * operation) the contract's error code and a plain message, as the hub's own faults have. A
 * server-side failure says only that it happened: its cause stays in the hub's log.
 */
public class ContractFaultDetail extends AbstractPhaseInterceptor<Message> {
    private static final Logger LOG = LoggerFactory.getLogger(ContractFaultDetail.class);

    public ContractFaultDetail() {
        super(Phase.PRE_LOGICAL);
    }

    @Override
    public void handleMessage(Message message) {
        if (!(message.getContent(Exception.class) instanceof Fault fault) || hasContractDetail(fault)) {
            return;
        }
        String text = String.valueOf(fault.getMessage()) + " " + (fault.getCause() == null ? "" : fault.getCause());
        // The words looked for below are the parser's and CXF's, not the caller's: an element
        // named <Entity> or <RateLimit> must not pick its own error code.
        String lower = CALLERS_NAMES.matcher(text).replaceAll(" ").toLowerCase(Locale.ROOT);
        ErrorCode code;
        String plain;
        org.apache.cxf.message.Message in = message.getExchange() == null ? null : message.getExchange().getInMessage();
        if (in != null && Boolean.TRUE.equals(in.get(RequestSizeLimit.EXCEEDED))) {
            code = ErrorCode.REQUEST_TOO_LARGE;
            plain = "The request is larger than the service accepts.";
        } else if (fault.getCode() != null && fault.getCode().startsWith("SOAP_ACTION_MISMATCH")) {
            // CXF raises this with its default Server code, but it is the caller's header that is wrong.
            code = ErrorCode.UNKNOWN_OPERATION;
            plain = "The SOAPAction header names no operation of this service: every operation's soapAction is \"\" (send"
                    + " SOAPAction: \"\"), and the element in the body names the operation.";
        } else if (NO_SUCH_OPERATION.contains(String.valueOf(fault.getCode()))) {
            code = ErrorCode.UNKNOWN_OPERATION;
            plain = "The element in the body names no operation of this service: StartSession, ModifySession, EndSession,"
                    + " QuerySessionLog or GetRecording, in namespace " + ContractCodec.NAMESPACE + ".";
        } else if (Fault.FAULT_CODE_SERVER.equals(fault.getFaultCode())) {
            LOG.error("SOAP call failed inside the hub", fault);
            code = ErrorCode.INTERNAL_ERROR;
            plain = "The hub could not process the request; the failure is in its log.";
        } else if (lower.contains("dtd") || lower.contains("doctype") || lower.contains("entity")) {
            code = ErrorCode.DTD_NOT_ALLOWED;
            plain = "DTDs and entities are not allowed in a request.";
        } else if (lower.contains("maximum") || lower.contains("max") && lower.contains("exceed") || lower.contains("limit")) {
            code = ErrorCode.REQUEST_TOO_LARGE;
            plain = "The request passes a size limit (size, depth or number of elements): " + firstLine(fault.getMessage());
        } else if (lower.contains("soap 1.2")) {
            code = ErrorCode.MALFORMED_REQUEST;
            plain = "This address speaks SOAP 1.1; send SOAP 1.2 to the SessionPortSoap12 port, this address plus -soap12.";
        } else if (lower.contains("operation") || lower.contains("binding") || lower.contains("action")) {
            code = ErrorCode.UNKNOWN_OPERATION;
            plain = firstLine(fault.getMessage());
        } else {
            code = ErrorCode.MALFORMED_REQUEST;
            plain = "The request is not a readable SOAP message: " + firstLine(fault.getMessage());
        }
        if (Fault.FAULT_CODE_CLIENT.equals(fault.getFaultCode()) || Fault.FAULT_CODE_SERVER.equals(fault.getFaultCode())) {
            // VersionMismatch and MustUnderstand are SOAP's own codes: a SOAP stack acts on them.
            fault.setFaultCode(code.isCallerFault() ? Fault.FAULT_CODE_CLIENT : Fault.FAULT_CODE_SERVER);
        }
        fault.setMessage(plain);
        javax.xml.namespace.QName soapCode = fault.getFaultCode();
        if (soapCode != null && SOAP11.equals(soapCode.getNamespaceURI()) && "MustUnderstand".equals(soapCode.getLocalPart())) {
            // SOAP 1.1 (4.4): detail MUST NOT carry errors of header entries; a client stack may
            // take one here for an error of the Body.
            return;
        }
        SoapFaults.attachDetail(fault, code, plain);
    }

    private static final String SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/";
    /** CXF's message codes (cxf-core interceptor/Messages.properties) for a body no operation takes. */
    private static final java.util.Set<String> NO_SUCH_OPERATION = java.util.Set.of("NO_PART_FOUND", "NO_OPERATION",
            "NO_OPERATION_PATH", "NO_OPERATION_ELEMENT", "UNEXPECTED_WRAPPER_ELEMENT");
    /** Names and values a parser or CXF quotes from the request: {ns}local, <tag>, 'x', "x". */
    private static final java.util.regex.Pattern CALLERS_NAMES = java.util.regex.Pattern.compile(
            "\\{[^}]*}\\S*|<[^>]*>|'[^']*'|\"[^\"]*\"");

    private static boolean hasContractDetail(Fault fault) {
        Element detail = fault.getDetail();
        if (detail == null) {
            return false;
        }
        for (Node n = detail.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (ContractCodec.NAMESPACE.equals(n.getNamespaceURI()) && "Error".equals(n.getLocalName())) {
                return true;
            }
        }
        return false;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        String line = s.lines().findFirst().orElse("");
        return line.length() > 300 ? line.substring(0, 300) : line;
    }
}
