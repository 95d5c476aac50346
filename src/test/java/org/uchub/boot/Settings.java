package org.uchub.boot;

import java.util.Properties;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.PropertiesComponent;

/** Configuration for the tests of HubBootstrap's settings: only the keys given, as a configuration of one's own would have. */
final class Settings {
    private Settings() {
    }

    /** Keys and values, alternately. */
    static PropertiesComponent with(String... pairs) {
        PropertiesComponent pc = new DefaultCamelContext().getPropertiesComponent();
        Properties p = new Properties();
        for (int i = 0; i < pairs.length; i += 2) {
            p.setProperty(pairs[i], pairs[i + 1]);
        }
        pc.setInitialProperties(p);
        return pc;
    }
}
