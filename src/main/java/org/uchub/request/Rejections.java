package org.uchub.request;

import jakarta.xml.bind.JAXBElement;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.uchub.contract.ErrorDetail;
import org.uchub.contract.ErrorReply;
import org.uchub.contract.ReplyStatus;
import org.uchub.contract.SessionReply;
import org.uchub.sessionlog.SessionLog;

/**
 * Turns a request that cannot be served into the contract's error reply, and leaves the
 * error on the exchange (properties {@code ucRejected}, {@code ucError}) for the ingress to
 * keep the request with its reason. When the business ID belongs to the tenant, the
 * rejection is also written to its session log.
 */
public class Rejections {
    public static final String REJECTED = "ucRejected";
    public static final String ERROR = "ucError";
    private static final Logger LOG = LoggerFactory.getLogger(Rejections.class);

    private final SessionLog log;

    public Rejections(SessionLog log) {
        this.log = log;
    }

    /** The reply for the exception caught on this exchange. */
    public JAXBElement<?> toReply(Exchange exchange) {
        Exception cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        ErrorDetail error = new ErrorDetail();
        if (cause instanceof RequestRejectedException r) {
            error.setCode(r.getCode().name());
            error.setMessage(r.getMessage());
            error.setLine(r.getLine());
            error.setColumn(r.getColumn());
        } else {
            LOG.error("Request failed inside the hub", cause);
            error.setCode(ErrorCode.INTERNAL_ERROR.name());
            error.setMessage("The hub could not process the request; the failure is in its log.");
        }
        boolean callerFault = ErrorCode.valueOf(error.getCode()).isCallerFault();
        ReplyStatus status = callerFault ? ReplyStatus.REJECTED : ReplyStatus.FAILED;
        exchange.setProperty(REJECTED, true);
        exchange.setProperty(ERROR, error);

        Object body = exchange.getMessage().getBody();
        if (!(body instanceof HubRequest request)) {
            LOG.info("Request rejected before it could be read: {} {}", error.getCode(), RequestRules.printable(error.getMessage()));
            ErrorReply reply = new ErrorReply();
            reply.setStatus(status);
            reply.setError(error);
            return ContractCodec.element(reply, null);
        }
        LOG.info("{} of tenant {} for business ID {} rejected: {} {}", request.getAction().element(), request.getTenant(),
                RequestRules.printable(request.getBusinessId()), error.getCode(), RequestRules.printable(error.getMessage()));
        noteInSessionLog(request, error);
        SessionReply reply = new SessionReply();
        reply.setStatus(status);
        reply.setRequestId(request.getRequestId());
        reply.setBusinessId(request.getBusinessId());
        reply.setSessionId(request.getSessionId());
        reply.setError(error);
        return ContractCodec.element(reply, request.getAction());
    }

    private void noteInSessionLog(HubRequest r, ErrorDetail error) {
        // A refused read changes nothing, and a client polling for a recording must not fill
        // the business ID's log with refusals.
        if (!r.getAction().changes() || !RequestRules.ID.matcher(r.getBusinessId()).matches()) {
            return;
        }
        try {
            if (log.caseExists(r.getTenant(), r.getBusinessId())) {
                log.append(r.getTenant(), r.getBusinessId(), r.getSessionId(), "REQUEST_REJECTED", "ingress:" + r.getIngress(), null,
                        r.getAction().element() + ": " + error.getCode() + " " + error.getMessage());
            }
        } catch (RuntimeException e) {
            LOG.warn("Could not note the rejection in the session log: {}", e.toString());
        }
    }
}
