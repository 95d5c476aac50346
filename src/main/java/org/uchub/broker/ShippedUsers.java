package org.uchub.broker;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * The business system users config/users.properties ships (erp / erp-dev-password and
 * crm / crm-dev-password), known by their exact hashes: the passwords are in the README, so a
 * users file still holding one lets anybody in as that tenant.
 */
public final class ShippedUsers {
    /** The hashes as shipped, by user; a hash of the same password made anew is not recognised. */
    static final Map<String, String> HASHES = Map.of(
            "erp", "pbkdf2:120000:UqKNjRKlwMJYJRZH0B7kjg==:EFMX8w/M9rxA7G4E6E0Do+h+z5vP5ILpm4bQUz8hQxA=",
            "crm", "pbkdf2:120000:SLm1yk95vWm06ZG2LZb2Tw==:IMf8MzF9BRGwgQ7/eEdLq6idIz1UG8/TkiraI9kDkqg=");

    private ShippedUsers() {
    }

    /**
     * The users of the file whose hash is a shipped one, under whatever name (a copied line
     * renamed keeps the known password).
     */
    public static Set<String> in(Path usersFile) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(usersFile, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        Set<String> found = new TreeSet<>();
        for (String user : p.stringPropertyNames()) {
            if (HASHES.containsValue(p.getProperty(user).strip())) {
                found.add(user.strip());
            }
        }
        return found;
    }
}
