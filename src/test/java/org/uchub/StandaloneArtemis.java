package org.uchub;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

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

    /** The sample configuration the README points operators to: the broker is built from it. */
    static final Path SAMPLE = Path.of("examples/external-broker/broker-uc-hub.xml");

    /**
     * Puts each element of the sample over the element of the same name in the instance's
     * {@code <core>} (or adds it), as an operator following the README would.
     */
    private static void applySample(Path brokerXml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        Document broker = f.newDocumentBuilder().parse(brokerXml.toFile());
        Document sample = f.newDocumentBuilder().parse(SAMPLE.toFile());
        Element core = (Element) broker.getElementsByTagNameNS("urn:activemq:core", "core").item(0);
        if (core == null) {
            throw new IllegalStateException("no <core> element in " + brokerXml);
        }
        NodeList parts = sample.getDocumentElement().getChildNodes();
        for (int i = 0; i < parts.getLength(); i++) {
            if (!(parts.item(i) instanceof Element part)) {
                continue;
            }
            Node copy = broker.importNode(part, true);
            Node existing = null;
            for (Node n = core.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e && e.getLocalName().equals(part.getLocalName())) {
                    existing = n;
                }
            }
            if (existing != null) {
                core.replaceChild(copy, existing);
            } else {
                core.appendChild(copy);
            }
        }
        NodeList acceptors = broker.getElementsByTagNameNS("urn:activemq:core", "acceptor");
        for (int i = 0; i < acceptors.getLength(); i++) {
            Element acceptor = (Element) acceptors.item(i);
            acceptor.setTextContent(withAcceptorParams(acceptor.getTextContent().trim()));
        }
        TransformerFactory.newInstance().newTransformer().transform(new DOMSource(broker), new StreamResult(brokerXml.toFile()));
    }

    /** The acceptor parameters README step 3 has an operator add (a parameter already there gets the README's value). */
    static String withAcceptorParams(String url) {
        String out = url;
        for (String param : List.of("supportAdvisory=false", "suppressInternalManagementObjects=true", "anycastPrefix=/queue/",
                "multicastPrefix=/topic/")) {
            String key = param.substring(0, param.indexOf('=') + 1);
            out = out.replaceAll("([?;])" + java.util.regex.Pattern.quote(key) + "[^;]*;?", "$1");
            out = (out.endsWith(";") || out.endsWith("?") ? out : out + (out.contains("?") ? ";" : "?")) + param;
        }
        return out;
    }

    static StandaloneArtemis create(Path instance, int port) throws Exception {
        String home = System.getProperty("artemis.home");
        if (home == null || !Files.isDirectory(Path.of(home))) {
            throw new IllegalStateException("The Artemis distribution is missing (system property artemis.home = " + home
                    + "); mvn verify unpacks it into target/artemis");
        }
        Path artemis = Path.of(home, "bin", "artemis");
        run(List.of(artemis.toString(), "create", instance.toString(), "--silent", "--force", "--user", "admin", "--password",
                "admin-" + HUB_PASSWORD, "--require-login", "--no-web", "--no-hornetq-acceptor", "--no-mqtt-acceptor", "--no-amqp-acceptor",
                "--no-stomp-acceptor", "--nio", "--no-autotune", "--host", "127.0.0.1", "--default-port", String.valueOf(port)),
                null);
        applySample(instance.resolve("etc/broker.xml"));
        Path plugins = Path.of("target/uc-hub-broker-plugins.jar");
        if (!Files.isRegularFile(plugins)) {
            throw new IllegalStateException(plugins + " is missing: mvn package builds it");
        }
        Files.createDirectories(instance.resolve("lib"));
        Files.copy(plugins, instance.resolve("lib").resolve(plugins.getFileName()));
        // Business systems are ordinary users of the broker's properties login module, with
        // the roles the shipped sample names.
        Path users = instance.resolve("etc/artemis-users.properties");
        Path roles = instance.resolve("etc/artemis-roles.properties");
        // The hub's user has only the sample's uc-hub role, not the instance's admin role, so
        // a right missing from the sample fails the tests.
        Files.writeString(users, Files.readString(users) + "\n" + HUB_USER + " = " + HUB_PASSWORD
                + "\nerp = erp-dev-password\ncrm = crm-dev-password\n");
        Files.writeString(roles, Files.readString(roles) + "\n" + Files.readString(SAMPLE.resolveSibling("artemis-roles.properties")));
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

    String consoleLog() throws IOException {
        return Files.readString(instance.resolve("broker-console.log"));
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
