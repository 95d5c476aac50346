package org.uchub.broker;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.activemq.artemis.api.core.ActiveMQBuffer;
import org.apache.activemq.artemis.api.core.ICoreMessage;
import org.apache.activemq.artemis.api.core.Message;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.server.ServerSession;
import org.apache.activemq.artemis.core.server.plugin.ActiveMQServerPlugin;
import org.apache.activemq.artemis.core.transaction.Transaction;

/**
 * Puts every request that arrives on the request queue into the message group of its
 * business ID (tenant/businessId), unless the sender chose a group itself. The broker then
 * hands all requests of one business ID to the same consumer, in order, so the hub can run
 * several consumers without a modify ever overtaking its start. Only the first 64 KiB of a
 * text or bytes body are looked at, for the first businessId element or member; a request
 * without one is left ungrouped (it is invalid and will be refused anyway).
 */
public class BusinessIdGroups implements ActiveMQServerPlugin {
    private static final int SCAN = 64 * 1024;
    private static final Pattern XML = Pattern.compile("<(?:[A-Za-z_][\\w.-]*:)?businessId\\s*>\\s*([A-Za-z0-9._:-]{1,64})\\s*</");
    private static final Pattern JSON = Pattern.compile("\"businessId\"\\s*:\\s*\"([A-Za-z0-9._:-]{1,64})\"");

    private String requestQueue;

    public BusinessIdGroups(String requestQueue) {
        this.requestQueue = requestQueue;
    }

    /** For a broker that loads the plugin from its broker.xml (property requestQueue). */
    public BusinessIdGroups() {
        this("uc.requests");
    }

    @Override
    public void init(java.util.Map<String, String> properties) {
        requestQueue = properties.getOrDefault("requestQueue", requestQueue);
    }

    @Override
    public void beforeSend(ServerSession session, Transaction tx, Message message, boolean direct, boolean noAutoCreateQueue) {
        if (!requestQueue.equals(message.getAddress()) || message.getGroupID() != null || session == null) {
            return;
        }
        String id = businessId(head(message));
        if (id != null) {
            message.setGroupID(SimpleString.of(session.getValidatedUser() + "/" + id));
        }
    }

    static String head(Message message) {
        ICoreMessage core = message.toCore();
        if (core.isLargeMessage()) {
            return null;
        }
        ActiveMQBuffer body = core.getReadOnlyBodyBuffer();
        if (core.getType() == Message.TEXT_TYPE) {
            SimpleString text = body.readNullableSimpleString();
            if (text == null) {
                return null;
            }
            String s = text.toString();
            return s.length() > SCAN ? s.substring(0, SCAN) : s;
        }
        if (core.getType() == Message.BYTES_TYPE) {
            byte[] bytes = new byte[Math.min(body.readableBytes(), SCAN)];
            body.readBytes(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        }
        return null;
    }

    static String businessId(String head) {
        if (head == null) {
            return null;
        }
        Matcher m = XML.matcher(head);
        if (m.find()) {
            return m.group(1);
        }
        m = JSON.matcher(head);
        return m.find() ? m.group(1) : null;
    }
}
