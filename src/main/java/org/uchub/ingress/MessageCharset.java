package org.uchub.ingress;

import jakarta.jms.JMSException;
import jakarta.jms.Message;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.uchub.request.ErrorCode;
import org.uchub.request.RequestRejectedException;

/**
 * The charset a bytes message's sender declared in its content type, where Artemis keeps it:
 * a STOMP frame's {@code content-type} (a frame with {@code content-length} becomes a bytes
 * message) and an AMQP message's {@code content-type} (a Data section). STOMP 1.1+ and
 * RFC 7303 make that charset, not a guess from the bytes, say how to read them.
 */
final class MessageCharset {
    static final String STOMP_CONTENT_TYPE = "_AMQ_CONTENT_TYPE";
    static final String AMQP_CONTENT_TYPE = "JMS_AMQP_ContentType";
    private static final Pattern CHARSET = Pattern.compile(";\\s*charset\\s*=\\s*\"?([^\";\\s]+)\"?", Pattern.CASE_INSENSITIVE);

    private MessageCharset() {
    }

    /** The declared charset's name, or null when the sender declared none. */
    static String of(Message m) throws JMSException {
        String type = JmsRequests.textProperty(m, STOMP_CONTENT_TYPE);
        if (type == null) {
            type = JmsRequests.textProperty(m, AMQP_CONTENT_TYPE);
        }
        if (type == null) {
            return null;
        }
        Matcher c = CHARSET.matcher(type);
        return c.find() ? c.group(1).toLowerCase(Locale.ROOT) : null;
    }

    /** The bytes read in the charset; a charset the hub does not know, or bytes that are not in it, are refused. */
    static String decode(byte[] bytes, String charset) {
        Charset cs;
        try {
            cs = Charset.forName(charset);
        } catch (IllegalArgumentException e) {
            throw new RequestRejectedException(ErrorCode.MALFORMED_REQUEST,
                    "The message's content type names charset \"" + printable(charset) + "\", which the hub cannot read; send UTF-8.");
        }
        try {
            return cs.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new RequestRejectedException(ErrorCode.MALFORMED_REQUEST,
                    "The message is not " + cs.name() + " text, as its content type says it is.");
        }
    }

    private static String printable(String s) {
        return (s.length() > 40 ? s.substring(0, 40) : s).replaceAll("[^\\x21-\\x7e]", "?");
    }
}
