package org.uchub.xmpp;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.jivesoftware.smack.ConnectionConfiguration.SecurityMode;
import org.jivesoftware.smack.filter.StanzaTypeFilter;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smack.tcp.XMPPTCPConnectionConfiguration;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.jivesoftware.smackx.receipts.DeliveryReceiptManager;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;

/**
 * A participant's ordinary XMPP client, over its own real connection: it receives what the
 * hub sends, confirms delivery (XEP-0184) as common clients do, accepts room invitations by
 * recording them, and answers.
 */
final class ImClient implements AutoCloseable {
    final String user;
    final XMPPTCPConnection connection;
    final BlockingQueue<Message> messages = new LinkedBlockingQueue<>();
    final BlockingQueue<String> invitations = new LinkedBlockingQueue<>();

    ImClient(String user, String password, String domain, int port, Path truststore, String truststorePassword) throws Exception {
        this(user, password, domain, port, truststore, truststorePassword, "phone");
    }

    ImClient(String user, String password, String domain, int port, Path truststore, String truststorePassword, String resource)
            throws Exception {
        this.user = user;
        KeyStore ks = KeyStore.getInstance(truststore.toString().endsWith(".p12") ? "PKCS12" : "JKS");
        try (InputStream in = Files.newInputStream(truststore)) {
            ks.load(in, truststorePassword.toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        connection = new XMPPTCPConnection(XMPPTCPConnectionConfiguration.builder().setXmppDomain(domain).setHost("127.0.0.1")
                .setPort(port).setUsernameAndPassword(user, password).setResource(resource).setSecurityMode(SecurityMode.required)
                .setCustomSSLContext(ssl).build());
        DeliveryReceiptManager.getInstanceFor(connection).setAutoReceiptMode(DeliveryReceiptManager.AutoReceiptMode.always);
        connection.addAsyncStanzaListener(s -> {
            Message m = (Message) s;
            if (m.getBody() != null && m.getType() != Message.Type.error) {
                messages.add(m);
            }
        }, StanzaTypeFilter.MESSAGE);
        MultiUserChatManager.getInstanceFor(connection).addInvitationListener(
                (conn, room, inviter, reason, password2, message, invitation) -> invitations.add(room.getRoom().toString()));
        // Vysper in a busy test JVM was once seen to take over Smack's default 5 s to finish a
        // login; later waits keep the default, as some tests wait for answers that never come.
        connection.setReplyTimeout(20_000);
        try {
            connection.connect().login();
            connection.setReplyTimeout(5_000);
            // A round trip after login: the server has taken the client's presence before the test
            // goes on, so a message sent now finds it online instead of going to offline storage.
            org.jivesoftware.smackx.ping.PingManager.getInstanceFor(connection).pingMyServer();
        } catch (Exception e) {
            connection.disconnect();
            throw e;
        }
    }

    Message next(long timeoutMs) throws InterruptedException {
        return messages.poll(timeoutMs, TimeUnit.MILLISECONDS);
    }

    void say(String to, String thread, String body) throws Exception {
        Message m = new Message(JidCreate.from(to), body);
        m.setType(Message.Type.chat);
        m.setThread(thread);
        connection.sendStanza(m);
    }

    MultiUserChat join(String room) throws Exception {
        MultiUserChat muc = MultiUserChatManager.getInstanceFor(connection).getMultiUserChat(JidCreate.entityBareFrom(room));
        muc.join(Resourcepart.from(user));
        return muc;
    }

    EntityBareJid jid(String domain) throws Exception {
        return JidCreate.entityBareFrom(user + "@" + domain);
    }

    @Override
    public void close() {
        // Vysper never closes its side of the stream: Smack would wait its whole reply timeout
        // for that, five seconds per client and test.
        connection.setReplyTimeout(500);
        connection.disconnect();
    }
}
