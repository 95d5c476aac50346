package org.uchub.ingress;

import jakarta.jms.BytesMessage;
import jakarta.jms.Destination;
import org.apache.activemq.artemis.api.jms.ActiveMQJMSClient;
import org.apache.activemq.artemis.jms.client.ActiveMQDestination;
import org.apache.camel.component.jms.JmsConstants;
import org.uchub.request.RequestRules;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.TextMessage;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.jms.JmsMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.uchub.broker.TenantStamp;
import org.uchub.contract.ErrorDetail;
import org.uchub.request.ContractCodec;
import org.uchub.request.ErrorCode;
import org.uchub.request.Rejections;
import org.uchub.request.RequestRejectedException;

/**
 * The JMS ingress's bookkeeping. The tenant is the user the broker authenticated and stamped
 * on the message, never a property the sender set; only text
 * and bytes messages are read, and an ObjectMessage is refused without its body ever being
 * touched (so nothing is deserialized). Dead letters join the consumer's transaction, so
 * "kept in the DLQ" and "taken off the queue" commit together.
 */
public class JmsRequests {
    static final String JMS_MESSAGE = "ucJmsMessage";
    /** Where Artemis keeps an AMQP sender's own message id once it has converted the message. */
    static final String AMQP_MESSAGE_ID = "NATIVE_MESSAGE_ID";
    /** Where Artemis keeps an OpenWire (ActiveMQ 5) sender's own message id. */
    static final String OPENWIRE_MESSAGE_ID = "__HDR_MESSAGE_ID";
    private static final Logger LOG = LoggerFactory.getLogger(JmsRequests.class);

    private final String deadLetterQueue;
    private final String deadLetterUri;
    private final String replyUri;
    private final int maxBytes;
    private final boolean trustTenantStamp;
    private volatile java.util.function.BooleanSupplier stampTrusted = () -> true;
    private volatile ProducerTemplate template;

    /** jms.reply-time-to-live-hours' default: a day. */
    public static final long DEFAULT_REPLY_TIME_TO_LIVE_MS = 24L * 60 * 60 * 1000;

    public JmsRequests(String deadLetterQueue, int maxBytes, boolean trustTenantStamp) {
        this(deadLetterQueue, maxBytes, trustTenantStamp, DEFAULT_REPLY_TIME_TO_LIVE_MS);
    }

    /**
     * @param replyTimeToLiveMs how long a reply waits for its client to read it before the broker
     *                          drops it (0: for ever). A client that gave up on its reply, or
     *                          reads its reply queue by correlation ID and never asks for this
     *                          one, would otherwise leave it in its queue for good.
     */
    public JmsRequests(String deadLetterQueue, int maxBytes, boolean trustTenantStamp, long replyTimeToLiveMs) {
        if (replyTimeToLiveMs < 0) {
            throw new IllegalArgumentException("the reply time-to-live must be 0 (for ever) or more");
        }
        this.trustTenantStamp = trustTenantStamp;
        this.deadLetterQueue = deadLetterQueue;
        this.deadLetterUri = "jms:queue:" + deadLetterQueue + "?disableReplyTo=true";
        // explicitQosEnabled: Camel hands the JMS producer the time-to-live only then (and the
        // delivery mode and priority with it: persistent and 4, the JMS defaults it used before).
        this.replyUri = "jms:queue:replies?disableReplyTo=true&messageCreatedStrategy=#" + ReplyCorrelation.BEAN
                + (replyTimeToLiveMs > 0 ? "&explicitQosEnabled=true&deliveryPersistent=true&timeToLive=" + replyTimeToLiveMs : "");
        this.maxBytes = maxBytes;
    }

    /** Believes the tenant stamp only while this says the broker stamps (the external broker's gate). */
    public void trustStampWhile(java.util.function.BooleanSupplier trusted) {
        this.stampTrusted = trusted;
    }

    /** Sets tenant, ingress and dedupe key, and makes the body the request's bytes. */
    public InputStream accept(Exchange exchange) throws JMSException {
        JmsMessage in = exchange.getIn(JmsMessage.class);
        Message m = in.getJmsMessage();
        // Kept for the dead letter: later steps replace the Camel message.
        exchange.setProperty(JMS_MESSAGE, m);
        exchange.setProperty(InboxFiles.TENANT, tenant(m));
        exchange.setProperty(InboxFiles.INGRESS, "jms");
        exchange.setProperty(InboxFiles.DEDUPE_KEY, dedupeKey(redeliveryId(m)));
        if (m instanceof TextMessage t) {
            // Characters already: whatever encoding an XML declaration in them names is history.
            exchange.setProperty(ContractCodec.DECODED_BY_INGRESS, true);
            return new ByteArrayInputStream(utf8(t.getText()));
        }
        if (m instanceof BytesMessage b) {
            long length = b.getBodyLength();
            byte[] bytes = new byte[(int) Math.min(length, maxBytes + 1L)];
            b.readBytes(bytes);
            String charset = MessageCharset.of(m);
            if (charset == null || bytes.length > maxBytes) {
                return new ByteArrayInputStream(bytes);
            }
            try {
                String text = MessageCharset.decode(bytes, charset);
                exchange.setProperty(ContractCodec.DECODED_BY_INGRESS, true);
                return new ByteArrayInputStream(utf8(text));
            } catch (RequestRejectedException e) {
                exchange.setProperty(ContractCodec.INGRESS_ERROR, e);
                return new ByteArrayInputStream(bytes);
            }
        }
        exchange.setProperty(ContractCodec.INGRESS_ERROR, new RequestRejectedException(ErrorCode.UNSUPPORTED_MESSAGE_TYPE,
                "Only text and bytes messages are read; this was a " + kind(m) + ", refused without reading it."));
        return InputStream.nullInputStream();
    }

    private static byte[] utf8(String text) {
        if (text == null) {
            return new byte[0];
        }
        // A byte order mark decoded into the text is no character of the request.
        return (text.startsWith("\uFEFF") ? text.substring(1) : text).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The user the broker authenticated for the message's sender. The embedded broker stamps
     * it on every message ({@link TenantStamp}), overwriting any value the sender set; an
     * external broker's own stamp (populate-validated-user, which the hub checks it writes) is
     * used otherwise, and there the hub's stamp property is not trusted, since nothing would
     * have overwritten it.
     */
    String tenant(Message m) throws JMSException {
        // An AMQP message's validated user is never the broker's: Artemis cannot write it on
        // one (its AMQP message ignores setValidatedUserID), and converting it for the hub's
        // CORE consumer copies a sender's own "_AMQ_VALIDATED_USER" application property into
        // it. The conversion always marks what it converted (TenantStamp.FROM_AMQP).
        String validated = null;
        if (m instanceof org.apache.activemq.artemis.jms.client.ActiveMQMessage a
                && !a.getCoreMessage().containsProperty(TenantStamp.FROM_AMQP)) {
            Object v = a.getCoreMessage().getValidatedUserID();
            validated = v == null ? null : v.toString();
        }
        if (!trustTenantStamp || !stampTrusted.getAsBoolean()) {
            return validated;
        }
        String stamp = m.getStringProperty(TenantStamp.PROPERTY);
        // Where the broker also kept its own validated user (CORE, OpenWire, STOMP senders), a
        // stamp that disagrees was not made by the plugin (a broker without it, or a path that
        // bypasses it): no tenant at all rather than a wrong one.
        if (validated != null && !validated.equals(stamp)) {
            LOG.warn("Tenant stamp {} disagrees with the broker's validated user {}: tenant unknown", stamp, validated);
            return null;
        }
        return stamp;
    }

    /**
     * What identifies this message across the broker's redeliveries, for "a redelivered request
     * is not applied twice". A CORE or OpenWire message keeps its JMS message id; the embedded
     * broker gives an id-less STOMP message a unique one ({@link TenantStamp}). An AMQP message's
     * JMS message id is made up afresh each time Artemis converts it for a JMS consumer (unless
     * the sender's id was a UUID), so it carries the id the broker stamped on it instead; the
     * sender's own AMQP id is not used, since a client that numbers its messages from 1 after
     * each start would see new requests taken for old ones.
     */
    String redeliveryId(Message m) throws JMSException {
        if (trustTenantStamp) {
            String stamped = textProperty(m, TenantStamp.MESSAGE_ID);
            if (stamped != null) {
                return "broker:" + stamped;
            }
        }
        String id = m.getJMSMessageID();
        if (id == null && m instanceof org.apache.activemq.artemis.jms.client.ActiveMQMessage a) {
            // A STOMP message through a broker without the hub's plugins has no JMS id at all. The
            // number the broker gave it stays the same across its redeliveries; with the time the
            // broker took it in, so that a number a journal reset or another cluster node gives
            // again is not taken for an old request.
            return "broker-number:" + a.getCoreMessage().getMessageID() + "@" + m.getJMSTimestamp();
        }
        return id;
    }

    /** The message id the sender knows its request by (for the log and the reply's correlation). */
    static String messageId(Message m) throws JMSException {
        // Artemis keeps an AMQP sender's message id (ID:AMQP_ULONG:7, ID:AMQP_UUID:..., a string)
        // and an OpenWire sender's in properties, and gives the message a JMS id of its own.
        String amqp = textProperty(m, AMQP_MESSAGE_ID);
        if (amqp != null) {
            return amqp;
        }
        String openWire = textProperty(m, OPENWIRE_MESSAGE_ID);
        return openWire != null ? openWire : m.getJMSMessageID();
    }

    /**
     * A property's value if it is text, else null. A sender can give any property any type, and
     * getStringProperty throws on bytes: that must not fail the reply, the log line or the dead letter.
     */
    static String textProperty(Message m, String name) throws JMSException {
        return m.getObjectProperty(name) instanceof String s ? s : null;
    }

    /**
     * Sends the reply to JMSReplyTo, correlated by the request's JMSCorrelationID, or else its
     * message id; without JMSReplyTo the request was fire-and-forget and the reply is only
     * logged. Sent in this thread, so it commits with the request's acknowledgement.
     */
    public void reply(Exchange exchange) throws JMSException {
        Message request = exchange.getProperty(JMS_MESSAGE, Message.class);
        Destination to = replyDestination(request.getJMSReplyTo());
        String text = exchange.getMessage().getBody(String.class);
        if (to == null) {
            LOG.info("Reply to fire-and-forget request {}: {}", RequestRules.printable(messageId(request)), RequestRules.printable(firstLine(text)));
            return;
        }
        String tenant = exchange.getProperty(InboxFiles.TENANT, String.class);
        if (!mayReplyTo(to, tenant)) {
            // The hub sends with rights the sender does not have: it must not carry a reply
            // into another tenant's queue, the events or its own queues.
            LOG.warn("Request {} of tenant {} names reply destination {}, which is not its own: no reply sent",
                    RequestRules.printable(messageId(request)), tenant, to);
            return;
        }
        byte[] binaryCorrelation = request.getJMSCorrelationID() == null ? request.getJMSCorrelationIDAsBytes() : null;
        String correlation = request.getJMSCorrelationID() != null ? request.getJMSCorrelationID()
                : binaryCorrelation != null ? null : messageId(request);
        Exchange sent = producer(exchange).send(replyUri, ExchangePattern.InOnly, e -> {
            e.getMessage().setBody(text);
            e.getMessage().setHeader(JmsConstants.JMS_DESTINATION, to);
            if (correlation != null) {
                e.getMessage().setHeader("JMSCorrelationID", correlation);
            }
            if (binaryCorrelation != null) {
                // Camel sets only a text correlation id; ReplyCorrelation puts the bytes on the message.
                e.setProperty(ReplyCorrelation.BYTES, binaryCorrelation);
            }
        });
        if (sent.getException() != null) {
            throw new IllegalStateException("reply to " + to + " failed", sent.getException());
        }
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.length() > 200 ? s.substring(0, 200) : s;
    }

    /**
     * Whether a tenant may be answered on a temporary queue (tenant, address): on the embedded
     * broker, only one it created (its security manager knows). An external broker cannot tell
     * the hub who created a temporary queue, and its sample configuration grants business
     * systems none, so there a temporary reply-to is forged or another client's: never answered.
     */
    private volatile java.util.function.BiPredicate<String, String> temporaryOwner = (tenant, address) -> false;

    public void temporaryOwner(java.util.function.BiPredicate<String, String> owner) {
        this.temporaryOwner = owner;
    }

    /**
     * The tenant's own reply queue, or a temporary queue the tenant itself created. Whether the
     * sender calls it temporary does not matter either way: a STOMP reply-to of
     * {@code temp-queue://uc.replies.crm}, an AMQP reply-to annotated as temporary or a CORE
     * client's own destination object all arrive as temporary destinations of any name (and were
     * once replied to unchecked), while Proton, AMQP.Net Lite and Rhea name their dynamic
     * receiver's node as a plain address. Who created it is what counts.
     */
    boolean mayReplyTo(Destination d, String tenant) throws JMSException {
        if (tenant == null || !(d instanceof ActiveMQDestination a) || !a.isQueue()) {
            return false;
        }
        return a.getAddress().equals("uc.replies." + tenant) || temporaryOwner.test(tenant, a.getAddress());
    }

    /**
     * STOMP senders name their reply destination as a plain string ("/queue/x" or "x"), which
     * reaches JMS as a destination of no kind; it is taken as a queue.
     */
    static Destination replyDestination(Destination d) throws JMSException {
        if (!(d instanceof ActiveMQDestination a) || a.isTemporary()) {
            return d;
        }
        String name = a.getAddress();
        if (a.getType() == ActiveMQDestination.TYPE.DESTINATION) {
            // A plain name from a STOMP or AMQP sender: a queue unless it says /topic/.
            if (name.startsWith("/topic/")) {
                return ActiveMQJMSClient.createTopic(name.substring("/topic/".length()));
            }
            return ActiveMQJMSClient.createQueue(name.startsWith("/queue/") ? name.substring("/queue/".length()) : name);
        }
        // An AMQP sender's reply-to "/queue/x" that Artemis typed as a queue keeps the prefix in its name.
        if (a.isQueue() && name.startsWith("/queue/")) {
            return ActiveMQJMSClient.createQueue(name.substring("/queue/".length()));
        }
        return d;
    }

    static String dedupeKey(String messageId) {
        return messageId == null ? null : DedupeKeys.of("jms", messageId);
    }

    private static String kind(Message m) {
        if (m instanceof jakarta.jms.ObjectMessage) {
            return "ObjectMessage";
        }
        if (m instanceof jakarta.jms.MapMessage) {
            return "MapMessage";
        }
        if (m instanceof jakarta.jms.StreamMessage) {
            return "StreamMessage";
        }
        return "message without a body type the contract knows";
    }

    /** Keeps a rejected request in the dead-letter queue with its error code and message. */
    public void deadLetterRejected(Exchange exchange) throws JMSException {
        ErrorDetail e = exchange.getProperty(Rejections.ERROR, ErrorDetail.class);
        deadLetter(exchange, e.getCode(), e.getMessage());
    }

    /** Keeps a request that kept failing in the dead-letter queue with the reason. */
    public void deadLetterFailed(Exchange exchange) throws JMSException {
        Exception cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        deadLetter(exchange, "DELIVERY_FAILED", cause == null ? "unknown failure" : cause.getMessage());
    }

    private void deadLetter(Exchange exchange, String code, String reason) throws JMSException {
        Message original = exchange.getProperty(JMS_MESSAGE, Message.class);
        Object body;
        if (original instanceof TextMessage t) {
            body = t.getText();
        } else if (original instanceof BytesMessage b) {
            b.reset();
            byte[] bytes = new byte[(int) Math.min(b.getBodyLength(), Integer.MAX_VALUE - 8)];
            b.readBytes(bytes);
            body = bytes;
        } else if (original instanceof org.apache.activemq.artemis.jms.client.ActiveMQMessage a) {
            // Any other kind is kept as the raw bytes the broker holds, never opened here.
            var buffer = a.getCoreMessage().getReadOnlyBodyBuffer();
            byte[] bytes = new byte[buffer.readableBytes()];
            buffer.readBytes(bytes);
            body = bytes;
        } else {
            body = new byte[0];
        }
        String tenant = exchange.getProperty(InboxFiles.TENANT, String.class);
        String why = reason == null ? "" : reason.length() > 1000 ? reason.substring(0, 1000) : reason;
        // Sent in this thread, so it joins the consumer's transaction: the dead letter and the
        // acknowledgement of the request commit together.
        Exchange sent = producer(exchange).send(deadLetterUri, ExchangePattern.InOnly, e -> {
            e.getMessage().setBody(body);
            e.getMessage().setHeader("ucErrorCode", code);
            e.getMessage().setHeader("ucFailureReason", why);
            if (tenant != null) {
                e.getMessage().setHeader("tenant", tenant);
            }
        });
        if (sent.getException() != null) {
            // Failing here rolls the request back onto the queue: it is never acknowledged unkept.
            throw new IllegalStateException("could not keep the request in " + deadLetterQueue, sent.getException());
        }
        LOG.warn("Request {} of tenant {} kept in {}: {} {}", RequestRules.printable(messageId(original)), tenant, deadLetterQueue, code,
                RequestRules.printable(why));
    }

    private ProducerTemplate producer(Exchange exchange) {
        ProducerTemplate p = template;
        if (p == null) {
            synchronized (this) {
                if (template == null) {
                    template = exchange.getContext().createProducerTemplate();
                }
                p = template;
            }
        }
        return p;
    }
}
