package org.uchub.xmpp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.concurrent.TimeUnit;

/**
 * Prosody (Debian's package, installed by .ci/run) as a normal process on a port of the
 * test's own, with a configuration, certificate, data directory and accounts made for the
 * test: a production XMPP server with its real MUC, offline storage and TLS.
 */
final class ProsodyServer implements XmppTestServer {
    static final String DOMAIN = "uchub.test";
    static final String MUC = "conference." + DOMAIN;
    static final String TRUST_PASSWORD = "changeit";

    private final Path dir;
    private final int port;
    private final Path config;
    private final Path truststore;
    private Process process;

    /** True where the prosody binary is installed. */
    /**
     * A server for a test class: with Prosody missing the class fails where CI requires it
     * (UC_REQUIRE_PROSODY=1, as .ci/run sets) and is skipped elsewhere.
     */
    static ProsodyServer forTests(Path dir, int port) throws Exception {
        if (!installed()) {
            if ("1".equals(System.getenv("UC_REQUIRE_PROSODY"))) {
                org.junit.jupiter.api.Assertions.fail("Prosody is required (UC_REQUIRE_PROSODY=1) but /usr/bin/prosody is not installed:"
                        + " apt-get install prosody");
            }
            org.junit.jupiter.api.Assumptions.abort("Prosody is not installed (apt-get install prosody); .ci/run installs it and"
                    + " requires this test");
        }
        return new ProsodyServer(dir, port);
    }

    static boolean installed() {
        return Files.isExecutable(Path.of("/usr/bin/prosody")) && Files.isExecutable(Path.of("/usr/bin/prosodyctl"));
    }

    ProsodyServer(Path dir, int port) throws Exception {
        this.dir = Files.createDirectories(dir);
        this.port = port;
        Files.createDirectories(dir.resolve("data"));
        Path key = dir.resolve("server.key");
        Path crt = dir.resolve("server.crt");
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(), "-out", crt.toString(), "-days", "3650",
                "-subj", "/CN=" + DOMAIN, "-addext", "subjectAltName=DNS:" + DOMAIN + ",DNS:" + MUC);
        truststore = dir.resolve("trust.p12");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(crt)) {
            Certificate c = CertificateFactory.getInstance("X.509").generateCertificate(in);
            ks.setCertificateEntry("prosody", c);
        }
        try (OutputStream out = Files.newOutputStream(truststore)) {
            ks.store(out, TRUST_PASSWORD.toCharArray());
        }
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        Files.writeString(plugins.resolve("mod_destroy_without_110.lua"), DESTROY_WITHOUT_110);
        config = dir.resolve("prosody.cfg.lua");
        Files.writeString(config, String.join("\n",
                "pidfile = \"" + dir.resolve("prosody.pid") + "\"",
                "data_path = \"" + dir.resolve("data") + "\"",
                "run_as_root = true",
                "plugin_paths = { \"" + plugins + "\" }",
                "destroy_without_110_flag = \"" + destroyWithout110Flag() + "\"",
                "modules_enabled = { \"roster\"; \"saslauth\"; \"tls\"; \"disco\"; \"ping\"; \"offline\"; \"posix\";"
                        + " \"destroy_without_110\"; }",
                "modules_disabled = { \"s2s\" }",
                "c2s_ports = { " + port + " }",
                "s2s_ports = {}",
                "component_ports = {}",
                "http_ports = {}",
                "https_ports = {}",
                "interfaces = { \"127.0.0.1\" }",
                "authentication = \"internal_hashed\"",
                "storage = \"internal\"",
                "c2s_require_encryption = true",
                "ssl = { key = \"" + key + "\"; certificate = \"" + crt + "\"; }",
                "certificates = \"" + dir.resolve("certs") + "\"",
                "log = { info = \"" + dir.resolve("prosody.log") + "\" }",
                "VirtualHost \"" + DOMAIN + "\"",
                "Component \"" + MUC + "\" \"muc\"",
                "  restrict_room_creation = \"local\"",
                // Prosody 0.12 keeps a destroyed room's name as a tombstone for 31 days, refusing it
                // with <gone/>; ejabberd keeps nothing. The test server acts as ejabberd here, so a
                // room destroyed under the hub can be made again (see the README).
                "  muc_tombstones = false",
                ""));
        Files.createDirectories(dir.resolve("certs"));
        start();
    }

    /**
     * A module of the test: while {@link #destroyRoomsWithoutStatus} is on, a room's destroy
     * presence reaches users without its status codes, as ejabberd sends it (no 110 in the
     * self-presence). The TLS relay cannot change stanzas on the way; the server can.
     */
    private static final String DESTROY_WITHOUT_110 = String.join("\n",
            "local flag = module:get_option_string(\"destroy_without_110_flag\");",
            "module:hook(\"presence/full\", function(event)",
            "  local stanza = event.stanza;",
            "  if stanza.attr.type ~= \"unavailable\" or not flag then return; end",
            "  local f = io.open(flag); if not f then return; end; f:close();",
            "  local x = stanza:get_child(\"x\", \"http://jabber.org/protocol/muc#user\");",
            "  if not x then return; end",
            "  local destroyed = false;",
            "  for _, tag in ipairs(x.tags) do if tag.name == \"destroy\" then destroyed = true; end end",
            "  if destroyed then x:maptags(function(tag) if tag.name == \"status\" then return nil; end return tag; end); end",
            "end, 1000);",
            "");

    private Path destroyWithout110Flag() {
        return dir.resolve("destroy-without-110");
    }

    /** From now on (on) or no longer (off), rooms' destroy presences carry no status code, as ejabberd's. */
    void destroyRoomsWithoutStatus(boolean on) throws IOException {
        if (on) {
            Files.writeString(destroyWithout110Flag(), "on");
        } else {
            Files.deleteIfExists(destroyWithout110Flag());
        }
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public Path truststore() {
        return truststore;
    }

    @Override
    public String truststorePassword() {
        return TRUST_PASSWORD;
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
    public void addUser(String localpart, String password) throws Exception {
        run("prosodyctl", "--config", config.toString(), "register", localpart, DOMAIN, password);
    }

    void start() throws Exception {
        process = new ProcessBuilder("prosody", "--config", config.toString(), "-F").redirectErrorStream(true)
                .redirectOutput(dir.resolve("prosody.out").toFile()).start();
        long until = System.currentTimeMillis() + 15_000;
        while (System.currentTimeMillis() < until) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("prosody exited: " + Files.readString(dir.resolve("prosody.out")));
                }
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("prosody did not listen on " + port + ": " + Files.readString(dir.resolve("prosody.out")));
    }

    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    @Override
    public void restart(long downMs) throws Exception {
        stop();
        Thread.sleep(downMs);
        start();
    }

    /** Down, then up again without its group chats, as a server that kept its rooms only in memory. */
    void restartForgettingRooms(long downMs) throws Exception {
        stop();
        Path rooms = dir.resolve("data").resolve(MUC.replace(".", "%2e"));
        if (Files.exists(rooms)) {
            try (var files = Files.walk(rooms)) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
        }
        Thread.sleep(downMs);
        start();
    }

    @Override
    public void close() throws Exception {
        stop();
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
    }
}
