package org.uchub.sessionlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One instance at a time does a duty, whoever asks and however often; a lease that runs out is another's to take. */
class DutyLeaseTest {
    @TempDir
    Path dir;

    @Test
    void oneInstanceHoldsADutyAndHandsItOverWhenItStops() {
        try (SessionLogDataSource ds = Database.open("jdbc:h2:file:" + dir.resolve("one"), "sa", "", 4, 32)) {
            DutyLease a = new DutyLease(ds, "events", "hub-a", 20);
            DutyLease b = new DutyLease(ds, "events", "hub-b", 20);
            DutyLease otherDuty = new DutyLease(ds, "xmpp", "hub-b", 20);
            assertTrue(a.renew());
            assertFalse(b.renew(), "a holds it");
            assertEquals("hub-a", b.holder());
            assertTrue(a.renew(), "a keeps it");
            assertTrue(otherDuty.renew(), "duties are held one by one");
            a.stop();
            assertFalse(a.held());
            assertTrue(b.renew(), "handed back: b need not wait for the lease to run out");
            assertFalse(a.renew(), "a stopped lease takes nothing again");
            DutyLease aAgain = new DutyLease(ds, "events", "hub-a", 20);
            assertFalse(aAgain.renew());
            assertEquals("hub-b", aAgain.holder());
            // The same instance after a restart (kill -9, no hand-back) finds its own lease again.
            assertTrue(new DutyLease(ds, "events", "hub-b", 20).renew());
        }
    }

    @Test
    void aLeaseNobodyRenewsRunsOutAndItsHolderStopsCountingOnItFirst() throws Exception {
        try (SessionLogDataSource ds = Database.open("jdbc:h2:file:" + dir.resolve("two"), "sa", "", 4, 32)) {
            DutyLease a = new DutyLease(ds, "xmpp", "hub-a", 4);
            DutyLease b = new DutyLease(ds, "xmpp", "hub-b", 4);
            long began = System.nanoTime();
            assertTrue(a.renew());
            // a stops renewing (its database link went away, say): b must not take over while a still counts on the lease.
            boolean bHolds = false;
            while (!bHolds) {
                bHolds = b.renew();
                if (bHolds) {
                    assertFalse(a.held(), "both held the duty");
                } else {
                    assertTrue(System.nanoTime() - began < 10_000_000_000L, "b never took the lease over");
                    Thread.sleep(100);
                }
            }
            assertTrue((System.nanoTime() - began) / 1_000_000 >= 3_900, "b took over before the lease ran out");
        }
    }

    @Test
    void aLeaseThatRanOutBetweenRenewalsIsToldLostAtTheNext() throws Exception {
        try (SessionLogDataSource ds = Database.open("jdbc:h2:file:" + dir.resolve("three"), "sa", "", 4, 32)) {
            DutyLease a = new DutyLease(ds, "fax-reports", "hub-a", 4);
            java.util.concurrent.atomic.AtomicInteger told = new java.util.concurrent.atomic.AtomicInteger();
            a.onChange(told::incrementAndGet);
            assertTrue(a.renew());
            assertEquals(1, told.get());
            // No renewal for longer than a counts on (a renewal waiting on an unreachable database), then b has it.
            Thread.sleep(3_100);
            Database.update(ds, "update uc_duty set holder = ?, expires_at = current_timestamp + interval '20' second where name = ?",
                    "hub-b", "fax-reports");
            assertFalse(a.renew());
            assertEquals(2, told.get(), "the loss is told, so a route following the duty stops polling");
        }
    }

    /** On a log no other hub can open (embedded H2) the hub takes no lease: it keeps its duties while the log is out of reach. */
    @Test
    void aSoleDutyIsAlwaysHeldAndTouchesNoDatabase() {
        DutyLease sole = DutyLease.sole("xmpp", "hub-a");
        sole.start();
        assertTrue(sole.held());
        assertTrue(sole.renew());
        sole.stop();
        assertTrue(sole.held());
    }
}
