package org.uchub.ingress;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.activemq.artemis.jms.client.ActiveMQDestination;
import org.junit.jupiter.api.Test;

/**
 * Where a reply may go. A destination that calls itself temporary says nothing about who made
 * it: without a broker that knows (an external one), no temporary reply-to is answered.
 */
class ReplyDestinationTest {
    @Test
    void withoutABrokerThatKnowsItsCreatorNoTemporaryQueueIsAnswered() throws Exception {
        JmsRequests requests = new JmsRequests("DLQ.uc.requests", 1_000_000, false);
        assertFalse(requests.mayReplyTo(ActiveMQDestination.createTemporaryQueue("uc.replies.crm"), "erp"));
        assertFalse(requests.mayReplyTo(ActiveMQDestination.createTemporaryQueue("DLQ"), "erp"));
        assertFalse(requests.mayReplyTo(ActiveMQDestination.createTemporaryQueue("8f7c2d1e-0b5a-4e36-9c1d-2f4a6b8c0d1e"), "erp"));
        assertTrue(requests.mayReplyTo(ActiveMQDestination.createQueue("uc.replies.erp"), "erp"));
        assertFalse(requests.mayReplyTo(ActiveMQDestination.createQueue("uc.replies.crm"), "erp"));
    }

    @Test
    void withTheEmbeddedBrokerOnlyTheSendersOwnTemporaryQueueIsAnswered() throws Exception {
        JmsRequests requests = new JmsRequests("DLQ.uc.requests", 1_000_000, true);
        requests.temporaryOwner((tenant, address) -> tenant.equals("erp") && address.equals("erp-temp"));
        assertTrue(requests.mayReplyTo(ActiveMQDestination.createTemporaryQueue("erp-temp"), "erp"));
        assertFalse(requests.mayReplyTo(ActiveMQDestination.createTemporaryQueue("erp-temp"), "crm"));
        assertFalse(requests.mayReplyTo(ActiveMQDestination.createTemporaryTopic("erp-temp"), "erp"), "queues only");
    }
}
