package org.uchub.xmpp;

/** The XMPP server answered with an error: asking again would get the same answer. */
public class XmppRefusedException extends Exception {
    public XmppRefusedException(String message) {
        super(message);
    }
}
