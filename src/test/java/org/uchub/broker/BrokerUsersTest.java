package org.uchub.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A flood of wrong passwords (each a deliberately slow hash, two at a time) must not hold
 * every thread of the door it comes through: a check waits a bounded time for its turn and
 * is then refused as busy, while a password verified before is answered without waiting.
 */
class BrokerUsersTest {
    private final BrokerUsers users = new BrokerUsers(Map.of("erp", PasswordHash.hash("right".toCharArray())), 20);

    @Test
    void aFloodOfWrongPasswordsIsRefusedAsBusyBeyondTheWaitInsteadOfQueueingForEver() throws Exception {
        assertEquals(Optional.of("erp"), users.authenticate("erp", "right"));
        int callers = 12;
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<String>> outcomes = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                outcomes.add(pool.submit(() -> {
                    start.await();
                    try {
                        return users.authenticate("erp", "wrong-" + Thread.currentThread().getId()).isPresent() ? "in" : "refused";
                    } catch (BrokerUsers.Busy busy) {
                        return "busy";
                    }
                }));
            }
            start.countDown();
            // Meanwhile the password verified before is answered at once.
            long t0 = System.nanoTime();
            assertEquals(Optional.of("erp"), users.authenticate("erp", "right"));
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 1_000, "a known password waits for no check");
            List<String> got = new ArrayList<>();
            for (Future<String> f : outcomes) {
                got.add(f.get(30, TimeUnit.SECONDS));
            }
            assertTrue(got.contains("busy"), got.toString());
            assertTrue(!got.contains("in"), got.toString());
        } finally {
            pool.shutdownNow();
        }
    }

    /** A business system's clients that all log in at once (after a restart) share one check of their password. */
    @Test
    void manyLoginsWithTheSamePasswordAtOnceShareOneCheckInsteadOfQueueingForIt() throws Exception {
        BrokerUsers fresh = new BrokerUsers(Map.of("erp", PasswordHash.hash("right".toCharArray())), 20);
        int callers = 24;
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Optional<String>>> outcomes = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                outcomes.add(pool.submit(() -> {
                    start.await();
                    return fresh.authenticate("erp", "right");
                }));
            }
            start.countDown();
            for (Future<Optional<String>> f : outcomes) {
                assertEquals(Optional.of("erp"), f.get(30, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aPasswordIsTheSameWhateverUnicodeFormItIsTypedIn() {
        BrokerUsers u = new BrokerUsers(Map.of("erp", PasswordHash.hash("Kl\u00e4ger".toCharArray())));
        // "a" and a combining diaeresis, as macOS types it.
        assertEquals(Optional.of("erp"), u.authenticate("erp", "Kla\u0308ger"));
        assertEquals(Optional.of("erp"), u.authenticate("erp", "Kl\u00e4ger"));
        assertEquals(Optional.empty(), u.authenticate("erp", "Klager"));
    }
}
