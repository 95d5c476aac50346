package org.uchub.broker;

import org.apache.activemq.artemis.api.core.Message;
import org.apache.activemq.artemis.core.server.ServerSession;
import org.apache.activemq.artemis.core.server.plugin.ActiveMQServerPlugin;
import org.apache.activemq.artemis.core.transaction.Transaction;

/**
 * Stamps every message entering the broker (the embedded one, or an external one that loads
 * it from its broker.xml) with the user the broker authenticated for its sender, whatever
 * the protocol (Artemis' own validated-user field does not survive
 * the trip from AMQP to a JMS consumer). A value the sender put in the same property is
 * overwritten, so the stamp is the only tenant the hub believes.
 */
public class TenantStamp implements ActiveMQServerPlugin {
    public static final String PROPERTY = "_UC_TENANT";
    /** What Artemis' AMQP-to-CORE conversion writes on every message it converts. */
    public static final org.apache.activemq.artemis.api.core.SimpleString FROM_AMQP =
            org.apache.activemq.artemis.api.core.SimpleString.of("JMS_AMQP_ORIGINAL_ENCODING");
    /**
     * A unique id the broker gives each AMQP message, kept with it across redeliveries: the JMS
     * message id Artemis shows a JMS consumer of an AMQP message is made afresh at each
     * conversion (unless the sender's id was a UUID), so it cannot tell a redelivery.
     */
    public static final String MESSAGE_ID = "_UC_MSG_ID";

    private String requestQueue = "uc.requests";

    public TenantStamp() {
    }

    public TenantStamp(String requestQueue) {
        this.requestQueue = requestQueue;
    }

    /** For a broker that loads the plugin from its broker.xml (property requestQueue). */
    @Override
    public void init(java.util.Map<String, String> properties) {
        requestQueue = properties.getOrDefault("requestQueue", requestQueue);
    }

    @Override
    public void beforeSend(ServerSession session, Transaction tx, Message message, boolean direct, boolean noAutoCreateQueue) {
        boolean amqp = "AMQP".equals(message.getProtocolName());
        if (!message.isDurable() && requestQueue.equals(BusinessIdGroups.address(session, message))) {
            // A request is kept until the hub has applied it, whatever its sender asked: a STOMP
            // frame without persistent:true and an AMQP message without a durable header (Rhea's,
            // proton's, AMQP.Net Lite's default) are otherwise lost when the broker restarts,
            // although their sender got its receipt.
            message.setDurable(true);
        }
        String id = null;
        if (amqp) {
            // setUserID does nothing on an AMQP message, and its getUserID is the sender's own id.
            id = org.apache.activemq.artemis.utils.UUIDGenerator.getInstance().generateStringUUID();
            message.putStringProperty(MESSAGE_ID, id);
        } else {
            message.removeProperty(org.apache.activemq.artemis.api.core.SimpleString.of(MESSAGE_ID));
            // The mark of Artemis' AMQP conversion, on which the hub ignores a message's validated
            // user: set by a CORE, OpenWire or STOMP sender, it would switch off the hub's check
            // that the validated user and the stamp agree.
            message.removeProperty(FROM_AMQP);
            if (message.getUserID() == null) {
                // STOMP senders' messages carry no id; dedupe by message id needs one that is unique.
                message.setUserID(org.apache.activemq.artemis.utils.UUIDGenerator.getInstance().generateUUID());
            }
        }
        String user = session == null ? null : session.getValidatedUser();
        if (user != null) {
            message.putStringProperty(PROPERTY, user);
        } else {
            message.removeProperty(org.apache.activemq.artemis.api.core.SimpleString.of(PROPERTY));
        }
        if (amqp) {
            stampAmqp(message, user, id);
        }
    }

    /**
     * The stamps of an AMQP message also go where Artemis keeps its own additions to one
     * ("extra properties"): a large AMQP message (over 100 KiB) reaches a JMS consumer rebuilt
     * from the file its sender's bytes went to, with those additions laid over the sender's
     * own properties, so a stamp only in its application properties never arrives (every
     * large AMQP request was refused with UNKNOWN_TENANT) and a forged one would. The message
     * is encoded again too, so a small one keeps its stamps across a broker restart. Reached
     * by reflection, so that the plugins also load in a broker without the AMQP module.
     */
    private static void stampAmqp(Message message, String user, String id) {
        try {
            Object extra = message.getClass().getMethod("createExtraProperties").invoke(message);
            org.apache.activemq.artemis.utils.collections.TypedProperties p = (org.apache.activemq.artemis.utils.collections.TypedProperties) extra;
            p.putSimpleStringProperty(org.apache.activemq.artemis.api.core.SimpleString.of(MESSAGE_ID),
                    org.apache.activemq.artemis.api.core.SimpleString.of(id));
            if (user != null) {
                p.putSimpleStringProperty(org.apache.activemq.artemis.api.core.SimpleString.of(PROPERTY),
                        org.apache.activemq.artemis.api.core.SimpleString.of(user));
            }
            message.reencode();
        } catch (ReflectiveOperationException | RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(TenantStamp.class).warn("AMQP message not stamped where a large one keeps it ({})",
                    e.toString());
            // Its durable header, if set above, must still reach the bytes the journal keeps.
            message.reencode();
        }
    }
}
