package org.uchub.broker;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A second hub on the same data directory must not wait for ever for the broker journal's
 * lock, looking started and never ready: its start fails, naming the directory.
 */
class JournalLockTest {
    @TempDir
    Path dir;

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private EmbeddedBroker broker(int port) throws Exception {
        BrokerUsers users = BrokerUsers.load(Path.of("config/users.properties"));
        return new EmbeddedBroker(new EmbeddedBroker.Settings(dir.resolve("broker"), "tcp://127.0.0.1:" + port + "?protocols=CORE",
                "uc.requests", "DLQ.uc.requests", "uc.events", 3, 100, 2.0, 1000, users.users(), 1000),
                new HubSecurityManager(users, "uchub", "uchub-dev-password", "uc.requests", "uc.events"));
    }

    @Test
    @org.junit.jupiter.api.Timeout(90)
    void aSecondBrokerOnTheSameJournalFailsToStartInsteadOfWaitingForEver() throws Exception {
        EmbeddedBroker first = broker(freePort());
        first.start();
        try {
            EmbeddedBroker second = broker(freePort());
            long start = System.nanoTime();
            IllegalStateException e = assertThrows(IllegalStateException.class, second::start);
            assertTrue(e.getMessage().contains("locked"), e.getMessage());
            assertTrue(System.nanoTime() - start < 60_000_000_000L, "gave up in bounded time");
            second.stop();
        } finally {
            first.stop();
        }
    }
}
