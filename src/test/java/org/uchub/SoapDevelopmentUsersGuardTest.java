package org.uchub;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uchub.boot.HubBootstrap;

/**
 * The business system users shipped in config/users.properties, whose passwords the README
 * prints, never face a network on the SOAP service or the embedded broker: the hub refuses to
 * start, before it makes or starts anything.
 */
class SoapDevelopmentUsersGuardTest {
    @TempDir
    Path dataDir;

    @Test
    void theShippedUsersAreRefusedOnANonLoopbackSoapAddress() throws Exception {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> configure(properties("http://0.0.0.0:" + HubTestSupport.freePort() + "/uc/sessions", "config/users.properties")));
        assertTrue(e.getMessage().contains("development password of crm, erp"), e.getMessage());
        assertTrue(e.getMessage().contains("soap.users.file"), e.getMessage());
        assertFalse(Files.exists(dataDir.resolve("data")), "nothing made before the refusal");
    }

    @Test
    void aShippedHashUnderAnotherNameIsRefusedToo() throws Exception {
        Path users = dataDir.resolve("users.properties");
        String erp = Files.readAllLines(Path.of("config/users.properties")).stream().filter(l -> l.startsWith("erp ="))
                .findFirst().orElseThrow();
        // A real user, and the shipped erp line copied under another name.
        Files.writeString(users, "billing = pbkdf2:120000:AAAAAAAAAAAAAAAAAAAAAA==:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
                + erp.replace("erp =", "portal =") + "\n");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> configure(properties("http://0.0.0.0:" + HubTestSupport.freePort() + "/uc/sessions", users.toString())));
        assertTrue(e.getMessage().contains("development password of portal:"), e.getMessage());
    }

    @Test
    void theShippedUsersAreRefusedOnANonLoopbackEmbeddedBroker() throws Exception {
        Properties p = properties("http://127.0.0.1:" + HubTestSupport.freePort() + "/uc/sessions", "config/users.properties");
        p.setProperty("broker.embedded.host", "0.0.0.0");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> configure(p));
        assertTrue(e.getMessage().contains("embedded broker listens on 0.0.0.0"), e.getMessage());
        assertTrue(e.getMessage().contains("development password of crm, erp") && e.getMessage().contains("broker.users.file"),
                e.getMessage());
        assertFalse(Files.exists(dataDir.resolve("data")), "nothing made before the refusal");
    }

    @Test
    void onLoopbackTheShippedUsersStayForDevelopment() throws Exception {
        Properties p = properties("http://127.0.0.1:" + HubTestSupport.freePort() + "/uc/sessions", "config/users.properties");
        // Refused later for another reason, so that nothing is started: the guard let it past.
        p.setProperty("broker.password", "");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> configure(p));
        assertTrue(e.getMessage().contains("broker.password is empty"), e.getMessage());
    }

    private Properties properties(String soapAddress, String usersFile) {
        Properties p = new Properties();
        p.setProperty("hub.data.dir", dataDir.resolve("data").toString());
        p.setProperty("hub.db.url", "jdbc:h2:file:" + dataDir.resolve("db") + ";DB_CLOSE_ON_EXIT=FALSE");
        p.setProperty("broker.embedded.port", String.valueOf(HubTestSupport.freePort()));
        p.setProperty("broker.embedded.dir", dataDir.resolve("broker").toString());
        p.setProperty("soap.address", soapAddress);
        p.setProperty("soap.users.file", usersFile);
        return p;
    }

    private static void configure(Properties p) throws Exception {
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            context.getPropertiesComponent().setLocation("file:config/application.properties");
            context.getPropertiesComponent().setOverrideProperties(p);
            new HubBootstrap().configure(context);
        }
    }
}
