package org.uchub.boot;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * A true/false setting given as "yes", "on" or "1" stops the start naming its key. Read as
 * false, "1" for xmpp.room.require-members-only let the hub post into rooms anyone could
 * join, and "yes" for fax.smtp.starttls sent the SMTP login in clear.
 */
class FlagSettingsTest {

    @Test
    void everyFlagThatIsNeitherTrueNorFalseStopsTheStartNamingItsKey() {
        for (String key : HubBootstrap.FLAGS) {
            for (String bad : new String[] {"yes", "on", "1", "no", " "}) {
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> HubBootstrap.checkFlags(Settings.with(key, bad)),
                        key + "=" + bad);
                assertTrue(e.getMessage().contains(key) && e.getMessage().contains(bad.isBlank() ? "empty" : bad), e.getMessage());
            }
        }
    }

    @Test
    void trueAndFalseInAnyCaseAndMissingFlagsStart() {
        assertDoesNotThrow(() -> HubBootstrap.checkFlags(Settings.with()));
        for (String key : HubBootstrap.FLAGS) {
            assertDoesNotThrow(() -> HubBootstrap.checkFlags(Settings.with(key, "TRUE")));
            assertDoesNotThrow(() -> HubBootstrap.checkFlags(Settings.with(key, " false ")));
        }
    }

    @Test
    void theShippedConfigurationNamesNoOtherFlag() throws Exception {
        java.util.Properties shipped = new java.util.Properties();
        try (var r = java.nio.file.Files.newBufferedReader(java.nio.file.Path.of("config/application.properties"))) {
            shipped.load(r);
        }
        for (String key : shipped.stringPropertyNames()) {
            String v = shipped.getProperty(key).trim();
            if ((v.equals("true") || v.equals("false")) && !key.startsWith("camel.")) {
                assertTrue(HubBootstrap.FLAGS.contains(key), key + " is a flag the start does not check");
            }
        }
    }
}
