package org.uchub.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.apache.camel.spi.PropertiesComponent;
import org.junit.jupiter.api.Test;
import org.uchub.sessionlog.SessionLogRetention;

/** The retention's keys: for ever unless set, days with decimals, and a value that makes no sense stops the start naming its key. */
class SessionLogRetentionSettingsTest {

    private static PropertiesComponent with(String... pairs) {
        return Settings.with(pairs);
    }

    @Test
    void aConfigurationWithoutTheKeysKeepsEverythingForEver() {
        SessionLogRetention.Settings s = HubBootstrap.sessionLogRetention(with());
        assertFalse(s.enabled());
        assertEquals(Duration.ofHours(1), s.interval());
        assertEquals(50, s.batchSize());
        assertFalse(HubBootstrap.sessionLogRetention(with("hub.session-log.retention-days", "0")).enabled());
    }

    @Test
    void daysAndMinutesMayHaveDecimals() {
        SessionLogRetention.Settings s = HubBootstrap.sessionLogRetention(with("hub.session-log.retention-days", "1.5",
                "hub.session-log.purge-interval-minutes", "0.5", "hub.session-log.purge-batch-size", "20"));
        assertTrue(s.enabled());
        assertEquals(Duration.ofHours(36), s.retention());
        assertEquals(Duration.ofSeconds(30), s.interval());
        assertEquals(20, s.batchSize());
    }

    @Test
    void aNegativeOrNonNumberOrShorterThanADayRetentionIsRefusedNamingTheKey() {
        for (String bad : new String[] {"-1", "thirty", "0.5", "1d"}) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> HubBootstrap.sessionLogRetention(with("hub.session-log.retention-days", bad)), bad);
            assertTrue(e.getMessage().contains("hub.session-log.retention-days") && e.getMessage().contains(bad), e.getMessage());
        }
    }

    @Test
    void aPurgeIntervalOfZeroOrABatchOutsideItsRangeIsRefused() {
        for (String bad : new String[] {"0", "-5", "hourly"}) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> HubBootstrap.sessionLogRetention(with("hub.session-log.purge-interval-minutes", bad)), bad);
            assertTrue(e.getMessage().contains("hub.session-log.purge-interval-minutes"), e.getMessage());
        }
        for (String bad : new String[] {"0", "10001", "many"}) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> HubBootstrap.sessionLogRetention(with("hub.session-log.purge-batch-size", bad)), bad);
            assertTrue(e.getMessage().contains("hub.session-log.purge-batch-size"), e.getMessage());
        }
    }
}
