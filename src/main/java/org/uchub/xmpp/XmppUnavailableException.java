package org.uchub.xmpp;

/** The XMPP server could not be asked (not connected, no answer in time): try again later. */
public class XmppUnavailableException extends Exception {
    public XmppUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
