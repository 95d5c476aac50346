package org.uchub.pbx;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Dial templates the hub cannot follow calls through are refused when the hub starts, not found out on a live call. */
class PbxSettingsTest {
    private static PbxSettings withTemplate(String template) {
        Path dir = Path.of("recordings");
        return new PbxSettings("asterisk", "127.0.0.1", 5038, "uchub", "secret", template, "uc-call", "uc-conference",
                "\"UC Hub\" <8000>", "uc_bridge", "uc_video_bridge", "uc_user", "uc_chair", "beep", dir, dir.toString(), 50, 30,
                500, 2000, 2000, 60_000, true);
    }

    @Test
    void aLocalTemplateWithoutNoOptimisationIsRefused() {
        // Optimised away, the Local half carrying the hub's id hangs up while the call goes on.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> withTemplate("Local/{number}@uc-out"));
        assertTrue(e.getMessage().contains("/n"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> withTemplate("local/{number}@uc-out/j"));
        assertDoesNotThrow(() -> withTemplate("Local/{number}@uc-out/n"));
        assertDoesNotThrow(() -> withTemplate("Local/{number}@uc-out/nj"));
        assertDoesNotThrow(() -> withTemplate("PJSIP/{number}@trunk"));
    }
}
