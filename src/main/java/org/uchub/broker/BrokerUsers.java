package org.uchub.broker;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The business systems that may use the broker: {@code <user> = <password hash>} in
 * {@code config/users.properties}. A user is a tenant: the user name is the tenant of every
 * request it sends. Verified passwords are remembered (as their hash check result) only for
 * the exact stored hash, so the slow hash runs once per user and password.
 */
public class BrokerUsers {
    private static final Pattern USER = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    private final Map<String, String> hashes;
    private final Map<String, String> verified = new ConcurrentHashMap<>();

    public BrokerUsers(Map<String, String> hashes) {
        for (String user : hashes.keySet()) {
            if (!USER.matcher(user).matches()) {
                throw new IllegalArgumentException("user name " + user + " is not a valid tenant id");
            }
        }
        this.hashes = Map.copyOf(hashes);
    }

    public static BrokerUsers load(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        Map<String, String> m = new TreeMap<>();
        p.stringPropertyNames().forEach(k -> m.put(k.strip(), p.getProperty(k).strip()));
        return new BrokerUsers(m);
    }

    /** The tenant the credentials belong to, if they are right. */
    public Optional<String> authenticate(String user, String password) {
        if (user == null || password == null) {
            return Optional.empty();
        }
        String stored = hashes.get(user);
        if (stored == null) {
            return Optional.empty();
        }
        String key = user + '\u0000' + password;
        if (stored.equals(verified.get(key))) {
            return Optional.of(user);
        }
        if (PasswordHash.matches(password.toCharArray(), stored)) {
            verified.put(key, stored);
            return Optional.of(user);
        }
        return Optional.empty();
    }

    public java.util.Set<String> users() {
        return hashes.keySet();
    }
}
