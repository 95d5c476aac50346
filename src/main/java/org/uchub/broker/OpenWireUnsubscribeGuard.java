package org.uchub.broker;

import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.protocol.openwire.OpenWireConnection;
import org.apache.activemq.artemis.core.protocol.openwire.OpenWireInterceptor;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.Queue;
import org.apache.activemq.artemis.jms.client.ActiveMQDestination;
import org.apache.activemq.artemis.spi.core.protocol.RemotingConnection;
import org.apache.activemq.command.Command;
import org.apache.activemq.command.RemoveSubscriptionInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An OpenWire client's unsubscribe ({@code RemoveSubscriptionInfo}) names a queue by client id
 * and subscription name, and Artemis 2.40 destroys that queue without asking the security
 * manager: any queue without consumers whose name has one dot could go, with its messages
 * (ExpiryQueue, another tenant's durable events subscription, uc.requests while the hub is
 * between consumers). Only the sender's own durable subscription on its own events address
 * may be removed; any other unsubscribe is answered as one of a subscription that does not
 * exist.
 */
public final class OpenWireUnsubscribeGuard implements OpenWireInterceptor {
    private static final Logger LOG = LoggerFactory.getLogger(OpenWireUnsubscribeGuard.class);
    private final ActiveMQServer server;
    private final String eventsTopic;

    public OpenWireUnsubscribeGuard(ActiveMQServer server, String eventsTopic) {
        this.server = server;
        this.eventsTopic = eventsTopic;
    }

    @Override
    public boolean intercept(Command command, RemotingConnection connection) {
        if (!(command instanceof RemoveSubscriptionInfo info)) {
            return true;
        }
        String user = connection instanceof OpenWireConnection ow ? ow.getValidatedUser() : null;
        SimpleString name = ActiveMQDestination.createQueueNameForSubscription(true, info.getClientId(), info.getSubscriptionName());
        Queue queue = server.locateQueue(name);
        if (queue == null) {
            return true; // nothing to remove: Artemis answers that itself
        }
        boolean own = user != null && queue.isDurable() && queue.getAddress().toString().equals(eventsTopic + "." + user);
        if (!own) {
            LOG.warn("OpenWire client of user {} asked to remove queue {} (address {}), which is not its own events subscription:"
                    + " refused", user, name, queue.getAddress());
            // Pointed at a queue that does not exist: the client gets Artemis' "no such queue"
            // error and keeps its connection (refusing the command would close it, and a failover
            // client would send it again at every reconnect).
            info.setSubscriptionName("refused-" + java.util.UUID.randomUUID());
        }
        return true;
    }
}
