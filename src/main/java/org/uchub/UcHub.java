package org.uchub;

import org.apache.camel.main.Main;
import org.uchub.boot.HubBootstrap;

/**
 * Starts the hub in the foreground: configuration from {@code config/application.properties}
 * (or the file named by {@code HUB_CONFIG}), environment variables overriding single keys,
 * routes from {@code routes/}. Ctrl-C or SIGTERM stops it gracefully.
 */
public final class UcHub {
    private UcHub() {
    }

    /**
     * The configuration files, the local overrides first: Camel takes a key from the first
     * location that has it, so the file listed first wins.
     */
    static String locations(String config, String localOverrides) {
        return "file:" + localOverrides + ";optional=true,file:" + config;
    }

    public static void main(String[] args) throws Exception {
        String named = System.getenv("HUB_CONFIG");
        Main main = new Main();
        // A file named by HUB_CONFIG is the whole configuration: a stray local file does not override it.
        main.setPropertyPlaceholderLocations(named == null || named.isBlank()
                ? locations("config/application.properties", "config/application-local.properties") : "file:" + named);
        main.configure().addConfiguration(new HubBootstrap());
        int code;
        try {
            code = main.run(args);
        } catch (Throwable t) {
            // A hub that could not start must end, or the broker's threads keep a half-started
            // process alive that a supervisor takes for a running hub.
            t.printStackTrace();
            code = 1;
        }
        System.exit(code);
    }
}
