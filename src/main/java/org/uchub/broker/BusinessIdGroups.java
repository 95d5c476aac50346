package org.uchub.broker;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.activemq.artemis.api.core.ActiveMQBuffer;
import org.apache.activemq.artemis.api.core.ActiveMQException;
import org.apache.activemq.artemis.api.core.ActiveMQExceptionType;
import org.apache.activemq.artemis.api.core.ICoreMessage;
import org.apache.activemq.artemis.api.core.Message;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.message.LargeBodyReader;
import org.apache.activemq.artemis.core.server.LargeServerMessage;
import org.apache.activemq.artemis.core.server.ServerSession;
import org.apache.activemq.artemis.core.server.plugin.ActiveMQServerPlugin;
import org.apache.activemq.artemis.core.transaction.Transaction;

/**
 * Puts every request that arrives on the request queue into the message group of its
 * business ID (tenant/businessId), whatever group the sender chose. The broker then hands all
 * requests of one business ID to the same consumer, in order, so the hub can run several
 * consumers without a modify ever overtaking its start. Only the first 64 KiB of a text or
 * bytes body (large messages too) are looked at, for the first businessId element or member.
 * Nothing a sender sets may change that order: not a group of its own, which could name
 * another tenant's group and close it, not a priority, not a delivery time (see
 * {@link RequestOrder}).
 */
public class BusinessIdGroups implements ActiveMQServerPlugin {
    private static final int SCAN = 64 * 1024;
    private static final Pattern XML = Pattern.compile("<(?:[A-Za-z_][\\w.-]*:)?businessId\\s*>\\s*([A-Za-z0-9._:-]{1,64})\\s*</");
    private static final Pattern JSON = Pattern.compile("\"businessId\"\\s*:\\s*\"([A-Za-z0-9._:-]{1,64})\"");

    private String requestQueue;
    /** What Artemis' core client sets on a large message whose body it compressed. */
    static final SimpleString COMPRESSED = SimpleString.of("_AMQ_LARGE_COMPRESSED");
    /** The largest request body the queue takes, in the broker's encoding; 0: any. */
    private long maxRequestBytes;

    public BusinessIdGroups(String requestQueue, long maxRequestBytes) {
        this.requestQueue = requestQueue;
        this.maxRequestBytes = maxRequestBytes;
    }

    /** For a broker that loads the plugin from its broker.xml (properties requestQueue, maxRequestBytes). */
    public BusinessIdGroups() {
        this("uc.requests", 0);
    }

    @Override
    public void init(java.util.Map<String, String> properties) {
        requestQueue = properties.getOrDefault("requestQueue", requestQueue);
        maxRequestBytes = Long.parseLong(properties.getOrDefault("maxRequestBytes", Long.toString(maxRequestBytes)).trim());
    }

    /**
     * The most a request of {@code maxBytes} (hub.request.max-bytes, as the hub reads it) can
     * take in the broker: a text body is held as UTF-16, two bytes for each character, and
     * headers and properties come on top.
     */
    public static long brokerLimit(long maxBytes) {
        return 2 * maxBytes + 4096;
    }

    @Override
    public void beforeSend(ServerSession session, Transaction tx, Message message, boolean direct, boolean noAutoCreateQueue)
            throws ActiveMQException {
        if (session == null || !requestQueue.equals(address(session, message))) {
            return;
        }
        if (maxRequestBytes > 0 && Boolean.TRUE.equals(message.getBooleanProperty(COMPRESSED))) {
            // Its size in the broker is the compressed one: a gigabyte of text compresses to a
            // megabyte, and the hub's client would expand it whole into memory.
            throw new ActiveMQException(ActiveMQExceptionType.GENERIC_EXCEPTION, "REQUEST_TOO_LARGE: a compressed large message is"
                    + " refused on " + requestQueue + ": send requests without compressLargeMessages");
        }
        long size = maxRequestBytes > 0 ? size(message) : 0;
        if (size > maxRequestBytes) {
            // Refused to its sender, which still has it: taken, its whole body would be read into
            // the hub's memory (the broker client reads a large message whole), and one of a
            // gigabyte stopped the hub at every redelivery.
            throw new ActiveMQException(ActiveMQExceptionType.GENERIC_EXCEPTION, "REQUEST_TOO_LARGE: a request of " + size
                    + " bytes is refused; " + requestQueue + " takes at most " + maxRequestBytes + " (about half as many characters of"
                    + " text)");
        }
        RequestOrder.keep(message, group(session.getValidatedUser(), businessId(head(message)), message.getGroupID()));
    }

    /**
     * The request's group: its tenant and business ID. A request whose business ID cannot be
     * read (an invalid one, a large one its client compressed) keeps a group its sender chose,
     * but within the sender's tenant, so that no sender can name, or close, another tenant's
     * group; without one it has none.
     */
    static String group(String tenant, String businessId, SimpleString senderGroup) {
        if (businessId != null) {
            return tenant + "/" + businessId;
        }
        return senderGroup == null ? null : tenant + "/" + senderGroup;
    }

    /**
     * The address a message is sent to as the broker routes it: beforeSend sees it as the sender
     * named it, so an AMQP sender's {@code /queue/uc.requests} (the acceptor's anycast prefix)
     * or {@code uc.requests::uc.requests} (a fully qualified queue) is the request queue too.
     */
    static String address(ServerSession session, Message message) {
        SimpleString a = message.getAddressSimpleString();
        if (a == null) {
            return null;
        }
        if (session != null) {
            a = session.removePrefix(a);
        }
        return org.apache.activemq.artemis.utils.CompositeAddress.extractAddressName(a).toString();
    }

    /** The message's size as the broker holds it: a large one's body in its file, any other whole. */
    static long size(Message message) {
        if (message instanceof LargeServerMessage large) {
            try {
                return large.getLargeBody().getBodySize();
            } catch (ActiveMQException e) {
                return 0;
            }
        }
        return message.getWholeMessageSize();
    }

    static String head(Message message) {
        if (message instanceof LargeServerMessage large) {
            // A large request (a fax document, say) is grouped like any other; its body is read
            // from the broker's file, only as far as the scan goes.
            return largeHead(large, message instanceof ICoreMessage core ? core.getType() : (byte) -1);
        }
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
            return text(ByteBuffer.wrap(bytes));
        }
        return null;
    }

    /**
     * A bytes body's head as text for the scan: UTF-8, unless it has zero bytes. UTF-16 and
     * UTF-32 (a .NET sender's Encoding.Unicode, a STOMP body in charset=utf-16), byte order
     * mark or not, always do: the contract's markup is ASCII, which they write with zero bytes
     * beside it. Such a head is read every way, one after the other, and the scan takes the
     * first business ID it finds (a mark only adds a U+FEFF before it). Read as UTF-8 only, such
     * a request got no group and could be overtaken.
     */
    static String text(ByteBuffer bytes) {
        int start = bytes.position();
        boolean zeros = false;
        for (int i = start; i < bytes.limit() && !zeros; i++) {
            zeros = bytes.get(i) == 0;
        }
        String utf8 = StandardCharsets.UTF_8.decode(bytes.duplicate()).toString();
        if (!zeros) {
            return utf8;
        }
        StringBuilder every = new StringBuilder(utf8);
        for (java.nio.charset.Charset cs : new java.nio.charset.Charset[] {java.nio.charset.StandardCharsets.UTF_16LE,
            java.nio.charset.StandardCharsets.UTF_16BE, java.nio.charset.Charset.forName("UTF-32BE"),
            java.nio.charset.Charset.forName("UTF-32LE")}) {
            every.append('\n').append(cs.decode(bytes.duplicate()));
        }
        return every.toString();
    }

    /**
     * The head of a large message's body. A CORE text body is a nullable SimpleString (a flag
     * byte, an int length, then two bytes per UTF-16 unit, low byte first); a bytes body, and
     * an AMQP message with its sections, are scanned as {@link #text}.
     */
    static String largeHead(LargeServerMessage large, byte coreType) {
        boolean coreText = coreType == Message.TEXT_TYPE;
        try (LargeBodyReader reader = large.getLargeBodyReader()) {
            reader.open();
            int want = (int) Math.min(reader.getSize(), coreText ? 2L * SCAN + 5 : SCAN);
            ByteBuffer buffer = ByteBuffer.allocate(want);
            ByteBuffer chunk = ByteBuffer.allocate(Math.min(want, 16 * 1024));
            while (buffer.hasRemaining()) {
                chunk.clear();
                chunk.limit(Math.min(chunk.capacity(), buffer.remaining()));
                if (reader.readInto(chunk) <= 0) {
                    break;
                }
                // The file readers flip the buffer they filled; be right either way.
                if (chunk.position() > 0) {
                    chunk.flip();
                }
                buffer.put(chunk);
            }
            buffer.flip();
            if (!coreText) {
                return text(buffer);
            }
            if (buffer.remaining() < 5 || buffer.get() == 0) {
                return null;
            }
            buffer.getInt();
            StringBuilder text = new StringBuilder(buffer.remaining() / 2);
            while (buffer.remaining() >= 2) {
                int low = buffer.get() & 0xFF;
                int high = buffer.get() & 0xFF;
                text.append((char) (low | high << 8));
            }
            return text.toString();
        } catch (Exception e) {
            // Not grouped by its business ID: the hub still reads and serves it, only without the order guarantee.
            return null;
        }
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
