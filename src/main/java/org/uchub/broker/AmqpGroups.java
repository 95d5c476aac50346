package org.uchub.broker;

import java.lang.reflect.Field;
import org.apache.activemq.artemis.api.core.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets the message group of a message an AMQP client sent. Artemis 2.40's AMQP message
 * ignores {@code setGroupID} (the interface's default does nothing) and takes its group only
 * from the AMQP properties section, so the group is written there and the message encoded
 * again. Reached by reflection, so that the plugins also load in a broker without the AMQP
 * protocol module.
 */
final class AmqpGroups {
    private static final Logger LOG = LoggerFactory.getLogger(AmqpGroups.class);
    private static final String AMQP_MESSAGE = "org.apache.activemq.artemis.protocol.amqp.broker.AMQPMessage";
    private static final String PROPERTIES = "org.apache.qpid.proton.amqp.messaging.Properties";
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

    /** @return whether the group was set; if not, the request is served ungrouped and a warning logged once */
    static boolean set(Class<?> amqp, Message message, String group) {
        try {
            // Decodes the sections, so that the field holds the message's own properties.
            message.getGroupID();
            Field field = amqp.getDeclaredField("properties");
            field.setAccessible(true);
            Object properties = field.get(message);
            Class<?> type = Class.forName(PROPERTIES, true, amqp.getClassLoader());
            if (properties == null) {
                properties = type.getConstructor().newInstance();
                field.set(message, properties);
            }
            type.getMethod("setGroupId", String.class).invoke(properties, group);
            message.reencode();
            if (group.equals(String.valueOf(message.getGroupID()))) {
                return true;
            }
            warnOnce("the message still says " + message.getGroupID());
            return false;
        } catch (ReflectiveOperationException | RuntimeException e) {
            warnOnce(e.toString());
            return false;
        }
    }

    private static void warnOnce(String why) {
        if (!warned) {
            warned = true;
            LOG.warn("Cannot set the message group of AMQP requests ({}): with several hub consumers, requests of one business"
                    + " ID from AMQP senders keep their order only if the senders set the group themselves", why);
        }
    }
}
