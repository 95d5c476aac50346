package org.uchub;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Properties;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uchub.boot.HubBootstrap;

/** The hub's all-powerful broker user never faces a network with its shipped password. */
class BrokerPasswordGuardTest {
    @TempDir
    Path dataDir;

    @Test
    void theShippedHubPasswordIsRefusedOnANonLoopbackAcceptor() throws Exception {
        Properties p = new Properties();
        p.setProperty("hub.data.dir", dataDir.toString());
        p.setProperty("hub.db.url", "jdbc:h2:file:" + dataDir.resolve("db") + ";DB_CLOSE_ON_EXIT=FALSE");
        p.setProperty("broker.embedded.host", "0.0.0.0");
        // Business systems with passwords of their own: the shipped ones are refused before this check.
        Path users = dataDir.resolve("users.properties");
        java.nio.file.Files.writeString(users, "billing = pbkdf2:120000:AAAAAAAAAAAAAAAAAAAAAA==:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
        p.setProperty("broker.users.file", users.toString());
        p.setProperty("broker.embedded.port", String.valueOf(HubTestSupport.freePort()));
        p.setProperty("broker.embedded.dir", dataDir.resolve("broker").toString());
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            context.getPropertiesComponent().setLocation("file:config/application.properties");
            context.getPropertiesComponent().setOverrideProperties(p);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> new HubBootstrap().configure(context));
            assertTrue(e.getMessage().contains("BROKER_PASSWORD"), e.getMessage());
        }
    }

    @Test
    void anEmptyHubPasswordIsRefusedEvenOnLoopback() throws Exception {
        Properties p = new Properties();
        p.setProperty("hub.data.dir", dataDir.toString());
        p.setProperty("hub.db.url", "jdbc:h2:file:" + dataDir.resolve("db2") + ";DB_CLOSE_ON_EXIT=FALSE");
        p.setProperty("broker.embedded.port", String.valueOf(HubTestSupport.freePort()));
        p.setProperty("broker.embedded.dir", dataDir.resolve("broker2").toString());
        p.setProperty("broker.password", "");
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            context.getPropertiesComponent().setLocation("file:config/application.properties");
            context.getPropertiesComponent().setOverrideProperties(p);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> new HubBootstrap().configure(context));
            assertTrue(e.getMessage().contains("empty"), e.getMessage());
        }
    }
}
