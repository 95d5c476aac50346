package org.uchub.xmpp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.uchub.sessionlog.ChannelProgress.Running;

class ImRoomNameTest {
    private static Running session(String id) {
        return new Running(id, "acme", "4711", "im", "ACTIVE", null, false, false, null, null, List.of());
    }

    @Test
    void twoSessionsOfACaseOpenedInTheSameMinuteGetRoomsOfTheirOwn() {
        // Session ids begin with the time they were made (UUID version 7): the same 13 digits for a minute.
        String first = "019ad0f1-2c3d-7a1b-8c2d-3e4f5a6b7c8d";
        String second = "019ad0f1-2c3d-7f00-9d11-0a1b2c3d4e5f";
        String a = ImChannel.roomOf(session(first), "conference.example.org");
        String b = ImChannel.roomOf(session(second), "conference.example.org");
        assertNotEquals(a, b);
        assertEquals("uc-acme-4711-5a6b7c8d@conference.example.org", a);
    }
}
