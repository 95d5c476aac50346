package org.uchub.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.camel.spi.PropertiesComponent;
import org.junit.jupiter.api.Test;

/** The health endpoint's keys: a configuration without them still starts, and a flag is true or false, nothing else. */
class HealthSettingsTest {

    private static PropertiesComponent with(String... pairs) {
        return Settings.with(pairs);
    }

    @Test
    void aConfigurationWithoutTheKeysServesOnLoopbackWithoutDetails() {
        assertEquals(new HubBootstrap.HealthSettings("127.0.0.1", 8081, false), HubBootstrap.healthSettings(with()));
        assertEquals(new HubBootstrap.HealthSettings("127.0.0.1", 8081, false),
                HubBootstrap.healthSettings(with("hub.health.host", " ", "hub.health.port", "")));
        assertEquals(new HubBootstrap.HealthSettings("::1", 9090, true), HubBootstrap.healthSettings(with("hub.health.enabled", "TRUE",
                "hub.health.host", "::1", "hub.health.port", "9090", "hub.health.details", "true")));
        assertNull(HubBootstrap.healthSettings(with("hub.health.enabled", "false", "hub.health.port", "not read")));
    }

    @Test
    void aFlagThatIsNotTrueOrFalseOrAPortThatIsNoNumberIsRefusedNamingTheKey() {
        for (String[] bad : new String[][] {{"hub.health.enabled", "yes"}, {"hub.health.details", "yes"}, {"hub.health.details", "0"},
                {"hub.health.port", "eighty"}}) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> HubBootstrap.healthSettings(with(bad)), bad[0]);
            assertTrue(e.getMessage().contains(bad[0]) && e.getMessage().contains(bad[1]), e.getMessage());
        }
    }
}
