package org.uchub;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config/application-local.properties is for local overrides: its values win over the main file's. */
class LocalOverridesTest {
    @TempDir
    Path dir;

    @Test
    void aKeyInTheLocalFileOverridesTheMainFilesValue() throws Exception {
        Path main = Files.writeString(dir.resolve("application.properties"), "pbx.mode = simulator\nhub.data.dir = data\n");
        Path local = Files.writeString(dir.resolve("application-local.properties"), "pbx.mode = asterisk\n");
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            context.getPropertiesComponent().setLocation(UcHub.locations(main.toString(), local.toString()));
            assertEquals("asterisk", context.getPropertiesComponent().resolveProperty("pbx.mode").orElseThrow());
            assertEquals("data", context.getPropertiesComponent().resolveProperty("hub.data.dir").orElseThrow());
        }
    }

    @Test
    void withoutALocalFileTheMainFileCounts() throws Exception {
        Path main = Files.writeString(dir.resolve("application.properties"), "pbx.mode = simulator\n");
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            context.getPropertiesComponent().setLocation(UcHub.locations(main.toString(), dir.resolve("absent.properties").toString()));
            assertEquals("simulator", context.getPropertiesComponent().resolveProperty("pbx.mode").orElseThrow());
        }
    }
}
