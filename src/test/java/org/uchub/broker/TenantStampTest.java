package org.uchub.broker;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.activemq.artemis.core.message.impl.CoreMessage;
import org.junit.jupiter.api.Test;

/**
 * A request is kept by the broker until the hub has applied it, whatever durability its
 * sender asked for: STOMP frames without persistent:true and AMQP messages without a durable
 * header arrive non-durable, and a broker restart would drop them after their sender's receipt.
 */
class TenantStampTest {
    private static CoreMessage nonDurableTo(String address) {
        CoreMessage m = new CoreMessage(1, 256);
        m.setAddress(address);
        m.setDurable(false);
        return m;
    }

    @Test
    void aRequestSentNonDurableIsMadeDurableAndNothingElseIs() {
        TenantStamp stamp = new TenantStamp("uc.requests");
        CoreMessage request = nonDurableTo("uc.requests");
        stamp.beforeSend(null, null, request, false, false);
        assertTrue(request.isDurable());

        // Named as a fully qualified queue, as an AMQP sender may.
        CoreMessage qualified = nonDurableTo("uc.requests::uc.requests");
        stamp.beforeSend(null, null, qualified, false, false);
        assertTrue(qualified.isDurable());

        CoreMessage reply = nonDurableTo("uc.replies.erp");
        stamp.beforeSend(null, null, reply, false, false);
        assertFalse(reply.isDurable(), "only requests: the hub decides for its own replies and events");
    }

    @Test
    void theRequestQueueComesFromTheBrokersConfiguration() {
        TenantStamp stamp = new TenantStamp();
        stamp.init(java.util.Map.of("requestQueue", "erp.requests"));
        CoreMessage request = nonDurableTo("erp.requests");
        stamp.beforeSend(null, null, request, false, false);
        assertTrue(request.isDurable());
    }

    /** The mark on which the hub ignores a message's validated user is Artemis' AMQP conversion's alone. */
    @Test
    void aCoreSendersOwnMarkOfAnAmqpConversionIsRemoved() {
        CoreMessage request = nonDurableTo("uc.requests");
        request.putStringProperty(TenantStamp.FROM_AMQP, org.apache.activemq.artemis.api.core.SimpleString.of("forged"));
        new TenantStamp("uc.requests").beforeSend(null, null, request, false, false);
        assertFalse(request.containsProperty(TenantStamp.FROM_AMQP));
    }
}
