package org.uchub.xmpp;

import java.nio.file.Path;

/**
 * How the hub reaches its XMPP server. An empty host means XMPP is not configured: IM
 * requests then fail at once with XMPP_NOT_CONFIGURED instead of waiting for a server
 * that nobody set up.
 *
 * @param tls            {@code required} (production), {@code if-possible}, or {@code disabled} (a local server only)
 * @param truststore     a JKS or PKCS12 file with the CA (or self-signed certificate) of a private server; empty: the JDK's
 * @param receiptWaitMs  how long a direct message waits for the recipient's delivery receipt before it is logged as
 *                       stored for offline delivery
 * @param conflictWaitMs how long the hub waits before logging in again after the server closed its stream because
 *                       another client logged in with the same address (doubling with each such conflict, up to 5 min)
 */
public record XmppSettings(String host, int port, String domain, String username, String password, String resource,
        String mucService, String tls, Path truststore, String truststorePassword, String nickname, boolean requireMembersOnly,
        long replyTimeoutMs, long retryIntervalMs, long retryGiveUpMs, long receiptWaitMs, String closingLine, long conflictWaitMs) {

    public XmppSettings {
        if (!tls.equals("required") && !tls.equals("if-possible") && !tls.equals("disabled")) {
            throw new IllegalArgumentException("xmpp.tls must be required, if-possible or disabled, not " + tls);
        }
        if (conflictWaitMs < 1_000 || conflictWaitMs > 300_000) {
            throw new IllegalArgumentException("xmpp.conflict.wait-ms must be 1000 to 300000, not " + conflictWaitMs);
        }
    }

    public boolean configured() {
        return host != null && !host.isBlank();
    }

    /** The XMPP domain: the configured one, or the host's name. */
    public String xmppDomain() {
        return domain == null || domain.isBlank() ? host : domain;
    }

    public String muc() {
        return mucService == null || mucService.isBlank() ? "conference." + xmppDomain() : mucService;
    }

    @Override
    public String toString() {
        // The password never reaches a log line.
        return "xmpp://" + username + "@" + host + ":" + port + " (domain " + xmppDomain() + ", tls " + tls + ")";
    }
}
