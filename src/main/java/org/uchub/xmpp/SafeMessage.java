package org.uchub.xmpp;

import org.jivesoftware.smack.packet.Nonza;

/**
 * A message stanza the hub writes itself, because Smack 4.3.5 leaves {@code >} unescaped in
 * message text: a request's text containing {@code ]]>} then makes the stream not
 * well-formed, and a strict server (Prosody) closes the hub's connection. Here every markup
 * character is escaped and characters XML 1.0 does not allow become U+FFFD, so no text can
 * change the stanza or break the stream.
 */
final class SafeMessage implements Nonza {
    private final String xml;

    /** {@code type} is chat or groupchat; {@code receipt} asks for a delivery receipt (XEP-0184). */
    SafeMessage(String id, String to, String type, String subject, String body, String thread, boolean receipt) {
        StringBuilder b = new StringBuilder(128 + (body == null ? 0 : body.length()));
        b.append("<message");
        attribute(b, "id", id);
        attribute(b, "to", to);
        attribute(b, "type", type);
        b.append('>');
        element(b, "subject", subject);
        element(b, "body", body);
        element(b, "thread", thread);
        if (receipt) {
            b.append("<request xmlns='urn:xmpp:receipts'/>");
        }
        b.append("</message>");
        this.xml = b.toString();
    }

    @Override
    public String getElementName() {
        return "message";
    }

    @Override
    public String getNamespace() {
        return "jabber:client";
    }

    @Override
    public CharSequence toXML(String enclosingNamespace) {
        return xml;
    }

    private static void attribute(StringBuilder b, String name, String value) {
        if (value != null) {
            b.append(' ').append(name).append("='");
            escape(b, value);
            b.append('\'');
        }
    }

    private static void element(StringBuilder b, String name, String text) {
        if (text != null && !text.isEmpty()) {
            b.append('<').append(name).append('>');
            escape(b, text);
            b.append("</").append(name).append('>');
        }
    }

    static void escape(StringBuilder b, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '\'' -> b.append("&apos;");
                case '"' -> b.append("&quot;");
                default -> {
                    if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                        b.append(c).append(text.charAt(++i));
                    } else if (allowed(c)) {
                        b.append(c);
                    } else {
                        b.append('\uFFFD');
                    }
                }
            }
        }
    }

    /** XML 1.0's Char production, for one UTF-16 unit that is not part of a surrogate pair. */
    private static boolean allowed(char c) {
        return c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD);
    }
}
