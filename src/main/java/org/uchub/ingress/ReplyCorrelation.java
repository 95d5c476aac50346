package org.uchub.ingress;

import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.Session;
import org.apache.camel.Exchange;
import org.apache.camel.component.jms.MessageCreatedStrategy;

/**
 * Puts a binary correlation id on a reply (an AMQP sender's binary correlation-id, or a JMS
 * client's {@code setJMSCorrelationIDAsBytes}): Camel's JMS producer only sets text ones.
 * Artemis hands the bytes to an AMQP receiver as a binary correlation-id again.
 */
public class ReplyCorrelation implements MessageCreatedStrategy {
    public static final String BEAN = "jmsReplyCorrelation";
    static final String BYTES = "ucReplyCorrelationBytes";

    @Override
    public void onMessageCreated(Message message, Session session, Exchange exchange, Throwable cause) {
        byte[] bytes = exchange == null ? null : exchange.getProperty(BYTES, byte[].class);
        if (bytes == null) {
            return;
        }
        try {
            message.setJMSCorrelationIDAsBytes(bytes);
        } catch (JMSException e) {
            throw new IllegalStateException("cannot set the reply's binary correlation id", e);
        }
    }
}
