package org.uchub.broker;

import org.apache.activemq.artemis.api.core.Message;
import org.apache.activemq.artemis.api.core.SimpleString;

/**
 * What decides the order in which a queue hands out a request, set by the broker alone. An
 * Artemis queue serves a higher priority first and holds a message with a delivery time until
 * then, even within one message group, so a sender's EndSession at priority 9, or a
 * StartSession sent with a delivery delay, was served before the StartSession sent ahead of
 * it (NOT_FOUND). And a message with group sequence -1 closes its group: the next request of
 * that business ID could go to another consumer while the one before it is still being
 * retried. So every request gets the default priority, no delivery time, the group it
 * belongs in, and no group sequence.
 */
final class RequestOrder {
    /** JMS's default priority, the one every request is served at. */
    static final byte PRIORITY = 4;

    private RequestOrder() {
    }

    /** @param group the request's group, or null for none */
    static void keep(Message message, String group) {
        Class<?> amqp = AmqpGroups.amqpClass(message);
        if (amqp != null) {
            // An AMQP message keeps these in its own sections, which only its class can rewrite.
            AmqpGroups.order(amqp, message, group, PRIORITY);
            return;
        }
        message.setPriority(PRIORITY);
        // Also a STOMP frame's AMQ_SCHEDULED_DELAY/AMQ_SCHEDULED_TIME and an OpenWire
        // message's delay: the broker turns all of them into this one property.
        message.setScheduledDeliveryTime(null);
        if (group == null) {
            message.removeProperty(Message.HDR_GROUP_ID);
        } else {
            message.setGroupID(SimpleString.of(group));
        }
        message.removeProperty(Message.HDR_GROUP_SEQUENCE);
    }
}
