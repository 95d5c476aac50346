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

    public static void main(String[] args) throws Exception {
        String config = System.getenv().getOrDefault("HUB_CONFIG", "config/application.properties");
        Main main = new Main();
        main.setPropertyPlaceholderLocations("file:" + config + ",file:config/application-local.properties;optional=true");
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
