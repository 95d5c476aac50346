package org.uchub;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A standalone Artemis broker from its own distribution (unpacked by the build into
 * target/artemis), created as a fresh instance and run as a separate process on a port of
 * its own. The hub connects to it as an external client.
 */
final class StandaloneArtemis implements AutoCloseable {
    static final String HUB_USER = "uchub";
    static final String HUB_PASSWORD = "hub-external-password";

    final Path instance;
    final int port;
    private Process process;

    StandaloneArtemis(Path instance, int port) {
        this.instance = instance;
        this.port = port;
    }

    static StandaloneArtemis create(Path instance, int port) throws Exception {
        String home = System.getProperty("artemis.home");
        if (home == null || !Files.isDirectory(Path.of(home))) {
            throw new IllegalStateException("The Artemis distribution is missing (system property artemis.home = " + home
                    + "); mvn verify unpacks it into target/artemis");
        }
        Path artemis = Path.of(home, "bin", "artemis");
        run(List.of(artemis.toString(), "create", instance.toString(), "--silent", "--force", "--user", HUB_USER, "--password",
                HUB_PASSWORD, "--require-login", "--no-web", "--no-hornetq-acceptor", "--no-mqtt-acceptor", "--no-amqp-acceptor",
                "--no-stomp-acceptor", "--nio", "--no-autotune", "--host", "127.0.0.1", "--default-port", String.valueOf(port),
                "--queues", "uc.requests:anycast,DLQ.uc.requests:anycast"), null);
        Path brokerXml = instance.resolve("etc/broker.xml");
        String xml = Files.readString(brokerXml);
        // The hub takes the tenant from the user the broker validated and stamped.
        String stamped = xml.replaceFirst("(<core [^>]*>)", "$1\n      <populate-validated-user>true</populate-validated-user>");
        if (stamped.equals(xml)) {
            throw new IllegalStateException("no <core> element in " + brokerXml);
        }
        Files.writeString(brokerXml, stamped);
        // Business systems are ordinary users of the broker's properties login module.
        Path users = instance.resolve("etc/artemis-users.properties");
        Path roles = instance.resolve("etc/artemis-roles.properties");
        Files.writeString(users, Files.readString(users) + "\nerp = erp-dev-password\ncrm = crm-dev-password\n");
        String roleFile = Files.readString(roles).replaceFirst("(?m)^amq\\s*=\\s*(.*)$", "amq = $1,erp,crm");
        Files.writeString(roles, roleFile);
        return new StandaloneArtemis(instance, port);
    }

    void start() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(instance.resolve("bin/artemis").toString(), "run");
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(instance.resolve("broker-console.log").toFile()));
        process = pb.start();
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the standalone broker exited: " + Files.readString(instance.resolve("broker-console.log")));
            }
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException("the standalone broker did not open port " + port);
    }

    /** Stops the broker process the hard way, as a crash or a pulled cable would. */
    void kill() throws InterruptedException {
        if (process != null) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            process = null;
        }
    }

    String url() {
        return "tcp://127.0.0.1:" + port;
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }

    private static void run(List<String> command, Path dir) throws Exception {
        // No input: a tool that would ask a question fails instead of waiting for ever.
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
    }
}
