package org.uchub.soap;

import org.apache.cxf.binding.soap.SoapFault;
import org.apache.cxf.interceptor.Fault;
import org.uchub.contract.ReplyStatus;
import org.uchub.request.ContractCodec;
import org.uchub.request.ErrorCode;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * SOAP faults in the contract's terms: soap:Client for what the caller must change, soap:Server
 * for what the hub could not do, each with the contract's Error element (status, code,
 * message) as its detail. Never a stack trace.
 */
public final class SoapFaults {
    private SoapFaults() {
    }

    public static SoapFault fault(ErrorCode code, String message) {
        SoapFault fault = new SoapFault(message, code.isCallerFault() ? Fault.FAULT_CODE_CLIENT : Fault.FAULT_CODE_SERVER);
        attachDetail(fault, code, message);
        return fault;
    }

    /** Gives a fault the contract's detail, in place of whatever detail it had. */
    static void attachDetail(Fault fault, ErrorCode code, String message) {
        Element detail = fault.getOrCreateDetail();
        while (detail.getFirstChild() != null) {
            detail.removeChild(detail.getFirstChild());
        }
        Document doc = detail.getOwnerDocument();
        Element error = doc.createElementNS(ContractCodec.NAMESPACE, "uc:Error");
        error.setAttributeNS("http://www.w3.org/2000/xmlns/", "xmlns:uc", ContractCodec.NAMESPACE);
        Element status = child(error, "status", (code.isCallerFault() ? ReplyStatus.REJECTED : ReplyStatus.FAILED).value());
        error.appendChild(status);
        Element inner = doc.createElementNS(ContractCodec.NAMESPACE, "uc:error");
        inner.appendChild(child(error, "code", code.name()));
        inner.appendChild(child(error, "message", message));
        error.appendChild(inner);
        detail.appendChild(error);
    }

    private static Element child(Element parent, String name, String text) {
        Element e = parent.getOwnerDocument().createElementNS(ContractCodec.NAMESPACE, "uc:" + name);
        e.setTextContent(text);
        return e;
    }

    /**
     * A whole envelope with the fault the code calls for (Client, SOAP 1.2 Sender, for the
     * caller's mistakes; Server, SOAP 1.2 Receiver, for the hub's), for answers given before
     * CXF reads the call.
     */
    static String faultEnvelope(ErrorCode code, String message, boolean soap12) {
        boolean caller = code.isCallerFault();
        String error = "<uc:Error xmlns:uc=\"" + ContractCodec.NAMESPACE + "\"><uc:status>" + (caller ? ReplyStatus.REJECTED
                : ReplyStatus.FAILED).value() + "</uc:status><uc:error><uc:code>" + code.name() + "</uc:code><uc:message>"
                + escape(message) + "</uc:message></uc:error></uc:Error>";
        if (soap12) {
            return "<env:Envelope xmlns:env=\"http://www.w3.org/2003/05/soap-envelope\"><env:Body><env:Fault>"
                    + "<env:Code><env:Value>env:" + (caller ? "Sender" : "Receiver") + "</env:Value></env:Code><env:Reason>"
                    + "<env:Text xml:lang=\"en\">" + escape(message) + "</env:Text></env:Reason><env:Detail>" + error
                    + "</env:Detail></env:Fault></env:Body></env:Envelope>";
        }
        return "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><soap:Fault>"
                + "<faultcode>soap:" + (caller ? "Client" : "Server") + "</faultcode><faultstring>" + escape(message)
                + "</faultstring><detail>" + error + "</detail></soap:Fault></soap:Body></soap:Envelope>";
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
