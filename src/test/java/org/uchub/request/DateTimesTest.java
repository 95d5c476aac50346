package org.uchub.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.uchub.contract.ObjectFactory;
import org.uchub.contract.SessionEvent;

/** Times in replies are xs:dateTime, which has seconds, whatever the time. */
class DateTimesTest {

    @Test
    void aTimeOnTheMinuteIsWrittenWithItsSeconds() {
        OffsetDateTime onTheMinute = OffsetDateTime.of(2025, 3, 1, 10, 15, 0, 0, ZoneOffset.UTC);
        assertEquals("2025-03-01T10:15:00Z", DateTimes.print(onTheMinute));
        assertEquals("2025-03-01T10:15:00.12+01:00",
                DateTimes.print(OffsetDateTime.of(2025, 3, 1, 10, 15, 0, 120_000_000, ZoneOffset.ofHours(1))));
        assertEquals(onTheMinute, DateTimes.parse(DateTimes.print(onTheMinute)));
    }

    @Test
    void anEventOnTheMinuteMarshalsAsAValidDateTime() {
        SessionEvent e = new SessionEvent();
        e.setBusinessId("4711");
        e.setSeq(1);
        e.setTime(OffsetDateTime.of(2025, 3, 1, 10, 15, 0, 0, ZoneOffset.UTC));
        e.setType("SESSION_STARTED");
        e.setSource("hub");
        String xml = new ContractCodec(1 << 20).toXml(new ObjectFactory().createSessionEvent(e));
        assertTrue(xml.contains(">2025-03-01T10:15:00Z<"), xml);
    }
}
