package org.uchub.ingress;

import java.util.Set;
import org.apache.camel.Exchange;
import org.apache.camel.spi.HeaderFilterStrategy;

/**
 * Which JMS properties cross into Camel and back: only the ones the contract names, by
 * exact name. A sender's property can therefore never become a Camel control header, in any
 * letter case ({@code CamelJmsDestinationName}, {@code CAmelJmsDestinationName}, ...: the
 * header-filter bypasses of CVE-2025-27636 and CVE-2026-40453), and nothing the hub holds
 * internally leaks into a reply.
 */
public class StrictJmsHeaderFilter implements HeaderFilterStrategy {
    /** JMS properties the hub reads from a request. */
    static final Set<String> INBOUND = Set.of("JMSXDeliveryCount", "JMSXGroupID");
    /** Properties the hub itself puts on replies, dead letters and events. */
    static final Set<String> OUTBOUND = Set.of("JMSCorrelationID", "ucErrorCode", "ucErrorMessage", "ucFailureReason", "businessId",
            "tenant", "eventType", "seq", "JMSXGroupID");

    @Override
    public boolean applyFilterToCamelHeaders(String headerName, Object headerValue, Exchange exchange) {
        return !OUTBOUND.contains(headerName);
    }

    @Override
    public boolean applyFilterToExternalHeaders(String headerName, Object headerValue, Exchange exchange) {
        return !INBOUND.contains(headerName);
    }
}
