package org.uchub.xmpp;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.vysper.mina.TCPEndpoint;
import org.apache.vysper.storage.StorageProviderRegistry;
import org.apache.vysper.storage.inmemory.MemoryStorageProviderRegistry;
import org.apache.vysper.xmpp.addressing.EntityImpl;
import org.apache.vysper.xmpp.authorization.AccountManagement;
import org.apache.vysper.xmpp.modules.extension.xep0045_muc.MUCModule;
import org.apache.vysper.xmpp.modules.extension.xep0045_muc.model.Conference;
import org.apache.vysper.xmpp.modules.extension.xep0160_offline_storage.MemoryOfflineStorageProvider;
import org.apache.vysper.xmpp.server.XMPPServer;

/**
 * Apache Vysper, a real XMPP server, in the test JVM: TLS with a certificate made for the
 * test, SASL PLAIN, offline storage and multi-user chat on {@code conference.<domain>}.
 * Accounts and rooms live in memory, so a restart keeps them only if the same instance's
 * registry is reused, which {@link #restart()} does.
 */
public final class VysperServer implements XmppTestServer {
    public static final String DOMAIN = "uchub.test";
    public static final String MUC = "conference." + DOMAIN;

    private final int port;
    private final Path keystore;
    private final StorageProviderRegistry registry = new MemoryStorageProviderRegistry();
    private final Conference conference = new Conference("UC Hub test rooms");
    private XMPPServer server;

    public VysperServer(int port, Path dir) throws Exception {
        this.port = port;
        this.keystore = TestCertificate.keystore(dir, DOMAIN);
        ((MemoryStorageProviderRegistry) registry).add(new MemoryOfflineStorageProvider());
        start();
    }

    @Override
    public String truststorePassword() {
        return TestCertificate.PASSWORD;
    }

    @Override
    public String domain() {
        return DOMAIN;
    }

    @Override
    public String muc() {
        return MUC;
    }

    @Override
    public int port() {
        return port;
    }

    /** The JKS holding the server's self-signed certificate, which also serves as the hub's trust store. */
    @Override
    public Path truststore() {
        return keystore;
    }

    @Override
    public void addUser(String localpart, String password) throws Exception {
        AccountManagement accounts = (AccountManagement) registry.retrieve(AccountManagement.class);
        accounts.addUser(EntityImpl.parse(localpart + "@" + DOMAIN), password);
    }

    public Conference conference() {
        return conference;
    }

    private void start() throws Exception {
        server = new XMPPServer(DOMAIN);
        server.setStorageProviderRegistry(registry);
        TCPEndpoint endpoint = new TCPEndpoint();
        endpoint.setPort(port);
        server.addEndpoint(endpoint);
        try (InputStream in = Files.newInputStream(keystore)) {
            server.setTLSCertificateInfo(in, TestCertificate.PASSWORD);
            server.start();
        }
        server.addModule(new MUCModule("conference", conference));
    }

    public void stop() {
        if (server != null) {
            server.stop();
            server = null;
        }
    }

    /** Stops the server, waits, and starts it again with the same accounts and stored offline messages. */
    @Override
    public void restart(long downMs) throws Exception {
        stop();
        TimeUnit.MILLISECONDS.sleep(downMs);
        start();
    }

    @Override
    public void close() {
        stop();
    }

    /** A self-signed certificate for the domain, made with the JDK's keytool. */
    static final class TestCertificate {
        static final String PASSWORD = "changeit";

        static Path keystore(Path dir, String domain) throws IOException, InterruptedException {
            Files.createDirectories(dir);
            Path ks = dir.resolve("xmpp-" + domain + ".jks");
            if (Files.exists(ks)) {
                return ks;
            }
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                    "-alias", "xmpp", "-keyalg", "RSA", "-keysize", "2048", "-validity", "3650", "-dname", "CN=" + domain,
                    "-ext", "SAN=dns:" + domain + ",dns:localhost,ip:127.0.0.1", "-keystore", ks.toString(), "-storetype", "JKS",
                    "-storepass", PASSWORD, "-keypass", PASSWORD).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                throw new IOException("keytool failed: " + out);
            }
            return ks;
        }

        private TestCertificate() {
        }
    }
}
