package org.uchub.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apache.camel.spi.PropertiesComponent;
import org.junit.jupiter.api.Test;

/** A journal file size that would lower the largest message, or overflow, stops the start with the key's name. */
class JournalFileSizeTest {

    private static PropertiesComponent with(String value) {
        return value == null ? Settings.with() : Settings.with("broker.journal.file-size-kib", value);
    }

    @Test
    void aSizeFromOneMibToOneGibIsTakenAndTooSmallOrTooLargeIsRefused() {
        assertEquals(10240, HubBootstrap.journalFileSizeKib(with(null)));
        assertEquals(1024, HubBootstrap.journalFileSizeKib(with("1024")));
        assertThrows(IllegalArgumentException.class, () -> HubBootstrap.journalFileSizeKib(with("512")));
        assertThrows(IllegalArgumentException.class, () -> HubBootstrap.journalFileSizeKib(with("0")));
        assertThrows(IllegalArgumentException.class, () -> HubBootstrap.journalFileSizeKib(with("3000000")));
    }
}
