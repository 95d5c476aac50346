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
 * request it sends. A verified password is remembered by a keyed digest (never as text) with
 * the stored hash it matched, so the slow hash runs once per user and password. Verifying a
 * wrong password is slow on purpose; at most two run at once, so a flood of wrong passwords
 * cannot take every core, and an unknown user costs the same as a known one, so response
 * times do not tell which users exist.
 */
public class BrokerUsers {
    /** Tenant ids without ':' (the names of a tenant's queues would read as address::queue). */
    private static final Pattern USER = Pattern.compile("[A-Za-z0-9._-]{1,64}");


    /** Too many passwords being checked at once (a flood of wrong ones): the caller should ask again shortly. */
    public static final class Busy extends RuntimeException {
        Busy() {
            super("too many password checks at once", null, false, false);
        }
    }

    private final Map<String, String> hashes;
    private final Map<String, String> verified = new ConcurrentHashMap<>();
    /** The checks running, by user and keyed digest of the password. */
    private final Map<String, java.util.concurrent.CompletableFuture<Boolean>> checking = new ConcurrentHashMap<>();
    private final javax.crypto.spec.SecretKeySpec cacheKey;
    private final java.util.concurrent.Semaphore slowChecks = new java.util.concurrent.Semaphore(2, true);
    private final String decoy = PasswordHash.hash("no such user".toCharArray());

    /** How long a password check waits for one of the two running to finish. */
    private final long checkWaitMs;

    public BrokerUsers(Map<String, String> hashes) {
        this(hashes, 1000);
    }

    public BrokerUsers(Map<String, String> hashes, long checkWaitMs) {
        this.checkWaitMs = checkWaitMs;
        for (String user : hashes.keySet()) {
            if (!USER.matcher(user).matches()) {
                throw new IllegalArgumentException("user name " + user + " is not a valid tenant id");
            }
        }
        this.hashes = Map.copyOf(hashes);
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        this.cacheKey = new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256");
    }

    public static BrokerUsers load(Path file) throws IOException {
        return load(file, 1000);
    }

    public static BrokerUsers load(Path file, long checkWaitMs) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        Map<String, String> m = new TreeMap<>();
        p.stringPropertyNames().forEach(k -> m.put(k.strip(), p.getProperty(k).strip()));
        return new BrokerUsers(m, checkWaitMs);
    }

    /**
     * The tenant the credentials belong to, if they are right.
     *
     * @throws Busy when the password is not one verified before and the checks that are running
     *              leave no room for it within the wait given
     */
    public Optional<String> authenticate(String user, String password) {
        if (user == null || password == null) {
            return Optional.empty();
        }
        String stored = hashes.get(user);
        String key = user + '\u0000' + digest(java.text.Normalizer.normalize(password, java.text.Normalizer.Form.NFC));
        if (stored != null && stored.equals(verified.get(key))) {
            return Optional.of(user);
        }
        // One check per user and password at a time: the clients of one business system that
        // all connect at once (a restart) share its outcome instead of queueing for the hash.
        java.util.concurrent.CompletableFuture<Boolean> mine = new java.util.concurrent.CompletableFuture<>();
        java.util.concurrent.CompletableFuture<Boolean> running = checking.putIfAbsent(key, mine);
        boolean matches;
        if (running != null) {
            try {
                matches = running.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof Busy) {
                    throw new Busy();
                }
                return Optional.empty();
            }
        } else {
            try {
                matches = slowCheck(password, stored);
                mine.complete(matches);
            } catch (RuntimeException e) {
                mine.completeExceptionally(e);
                throw e;
            } finally {
                checking.remove(key, mine);
            }
        }
        if (stored != null && matches) {
            verified.put(key, stored);
            return Optional.of(user);
        }
        return Optional.empty();
    }

    /** The slow hash, two at a time, its turn not waited for longer than the wait given; false when interrupted. */
    private boolean slowCheck(String password, String stored) {
        try {
            // Not for ever: each waiter holds a thread of its door (SOAP's Jetty, the broker's),
            // and a flood of wrong passwords would hold them all.
            if (!slowChecks.tryAcquire(checkWaitMs, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                throw new Busy();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        try {
            return PasswordHash.matches(password.toCharArray(), stored == null ? decoy : stored);
        } finally {
            slowChecks.release();
        }
    }

    private String digest(String password) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(cacheKey);
            return java.util.Base64.getEncoder().encodeToString(mac.doFinal(password.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public java.util.Set<String> users() {
        return hashes.keySet();
    }
}
