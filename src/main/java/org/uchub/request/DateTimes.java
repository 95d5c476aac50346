package org.uchub.request;

import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;

/** xs:dateTime as java.time for the generated contract model (see bindings.xjb). */
public final class DateTimes {
    private DateTimes() {
    }

    public static OffsetDateTime parse(String value) {
        return value == null ? null : OffsetDateTime.parse(value.trim());
    }

    /**
     * Always with seconds: OffsetDateTime.toString() leaves them out when they are zero
     * ({@code 2025-03-01T10:15Z}), which is no xs:dateTime, and a strict client (.NET, JAXB)
     * then refuses the whole reply.
     */
    public static String print(OffsetDateTime value) {
        return value == null ? null : DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(value);
    }
}
