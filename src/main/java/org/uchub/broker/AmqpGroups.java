package org.uchub.broker;

import java.lang.reflect.Field;
import org.apache.activemq.artemis.api.core.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets the message group, priority and delivery time of a message an AMQP client sent.
 * Artemis 2.40's AMQP message ignores {@code setGroupID} (the interface's default does
 * nothing) and takes its group and group sequence only from the AMQP properties section, so
 * they are written there and the message encoded again. Reached by reflection, so that the
 * plugins also load in a broker without the AMQP protocol module.
 */
final class AmqpGroups {
    private static final Logger LOG = LoggerFactory.getLogger(AmqpGroups.class);
    private static final String AMQP_MESSAGE = "org.apache.activemq.artemis.protocol.amqp.broker.AMQPMessage";
    private static final String PROPERTIES = "org.apache.qpid.proton.amqp.messaging.Properties";
    private static final String UNSIGNED_INTEGER = "org.apache.qpid.proton.amqp.UnsignedInteger";
    private static volatile boolean warned;

    private AmqpGroups() {
    }

    static Class<?> amqpClass(Message message) {
        for (Class<?> c = message.getClass(); c != null; c = c.getSuperclass()) {
            if (c.getName().equals(AMQP_MESSAGE)) {
                return c;
            }
        }
        return null;
    }

    /**
     * Sets what {@link RequestOrder} sets on every request: the group (null: none) without a
     * group sequence, the priority, and no delivery time (the annotations x-opt-delivery-time
     * and x-opt-delivery-delay).
     *
     * @return whether the group was set; if not, the request is served with the group its
     *         sender gave it, if any, and a warning logged once
     */
    static boolean order(Class<?> amqp, Message message, String group, byte priority) {
        try {
            // Decodes the sections, so that the fields hold the message's own header and properties.
            message.getGroupID();
            message.setPriority(priority);
            message.setScheduledDeliveryTime(null);
            Field field = amqp.getDeclaredField("properties");
            field.setAccessible(true);
            Object properties = field.get(message);
            Class<?> type = Class.forName(PROPERTIES, true, amqp.getClassLoader());
            if (properties == null && group != null) {
                properties = type.getConstructor().newInstance();
                field.set(message, properties);
            }
            if (properties != null) {
                type.getMethod("setGroupId", String.class).invoke(properties, group);
                // An unsigned int: 4294967295 is the -1 that closes a group.
                type.getMethod("setGroupSequence", Class.forName(UNSIGNED_INTEGER, true, amqp.getClassLoader()))
                        .invoke(properties, (Object) null);
            }
            message.reencode();
            if (java.util.Objects.equals(group, message.getGroupID() == null ? null : message.getGroupID().toString())
                    && message.getGroupSequence() == 0) {
                return true;
            }
            warnOnce("the message still says " + message.getGroupID() + ", sequence " + message.getGroupSequence());
            return false;
        } catch (ReflectiveOperationException | RuntimeException e) {
            warnOnce(e.toString());
            // Its priority and delivery time, if set above, must still reach the bytes the journal keeps.
            message.reencode();
            return false;
        }
    }

    private static void warnOnce(String why) {
        if (!warned) {
            warned = true;
            LOG.warn("Cannot set the message group of AMQP requests ({}): with several hub consumers, requests of one business"
                    + " ID from AMQP senders keep their order only if the senders set the group themselves, and a sender"
                    + " can name another tenant's group", why);
        }
    }
}
