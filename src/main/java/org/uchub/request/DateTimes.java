package org.uchub.request;

import java.time.OffsetDateTime;

/** xs:dateTime as java.time for the generated contract model (see bindings.xjb). */
public final class DateTimes {
    private DateTimes() {
    }

    public static OffsetDateTime parse(String value) {
        return value == null ? null : OffsetDateTime.parse(value.trim());
    }

    public static String print(OffsetDateTime value) {
        return value == null ? null : value.toString();
    }
}
