package org.uchub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.uchub.contract.Event;
import org.uchub.contract.ParticipantState;
import org.uchub.contract.SessionReply;

/**
 * What the session log promises, run against each database it supports: a whole
 * conference lifecycle, gap-free event numbers under concurrent writers of one business ID,
 * and a reserved-number pool that never hands out a number twice.
 */
abstract class SessionLogContract extends HubTestSupport {
    private static final String T = "erp";

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        p.setProperty("hub.pool.numbers", "8000-8009");
        // Leases even on H2, whose file no second hub could open: the shared-log behaviour under test.
        p.setProperty("hub.duty.leases", "on");
        // The log's own order, without the PBX's events racing it: every conference waits for the PBX.
        return unreachablePbx(p);
    }

    private static String modify(String businessId, String body) {
        return "<ModifySession " + NS + "><businessId>" + businessId + "</businessId>" + body + "</ModifySession>";
    }

    private static String num(String n) {
        return "<participant><number>" + n + "</number></participant>";
    }

    /** The hub publishes its events under a lease another instance sharing the log cannot take while it is renewed. */
    @Test
    void aDutyThisHubHoldsIsNoOtherInstancesUntilItHandsItBack() throws Exception {
        javax.sql.DataSource ds = context.getRegistry().lookupByNameAndType("dataSource", javax.sql.DataSource.class);
        org.uchub.sessionlog.DutyLease other = new org.uchub.sessionlog.DutyLease(ds, "events", "another-hub", 20);
        assertTrue(!other.renew(), "the hub holds its events duty");
        String hub = other.holder();
        assertTrue(hub.endsWith(java.nio.file.Files.readString(stateDir().resolve("instance-id")).trim()), hub);
        org.uchub.sessionlog.DutyLease same = new org.uchub.sessionlog.DutyLease(ds, "events", hub, 20);
        assertTrue(same.renew(), "the hub's own name finds its lease again");
        same.stop();
        // Handing back sets the lease to run out now: taking it over is the run-out comparison, in this database's words.
        assertTrue(other.renew(), "handed back, the duty is free at once");
    }

    @Test
    void aConferenceLifecycleIsRecordedInOrder() {
        SessionReply started = ok(T, startConference("4711", "r1", "+4930111111", "+4930222222", "+4930333333"));
        assertEquals("8000", started.getReservedNumber());
        ok(T, modify("4711", "<add>" + num("+4930444444") + "</add>"));
        ok(T, modify("4711", "<mute>" + num("+4930222222") + "</mute>"));
        ok(T, modify("4711", "<remove>" + num("+4930333333") + "</remove>"));
        SessionReply replay = ok(T, startConference("4711", "r1", "+4930111111", "+4930222222", "+4930333333"));
        assertEquals(started.getSessionId(), replay.getSessionId());
        assertEquals(Boolean.TRUE, replay.isReplayed());
        ok(T, end("4711"));

        SessionReply log = ok(T, query("4711"));
        List<ParticipantState> ps = log.getSessions().getSession().get(0).getParticipants().getParticipant();
        assertEquals(4, ps.size());
        assertTrue(ps.get(1).isMuted());
        assertEquals("REMOVED", ps.get(2).getState());
        assertEquals("ENDED", log.getSessions().getSession().get(0).getState());
        assertEquals(List.of("REQUEST_RECEIVED", "NUMBER_RESERVED", "PBX_UNAVAILABLE", "REQUEST_RECEIVED", "PARTICIPANT_ADDED",
                "PBX_UNAVAILABLE", "REQUEST_RECEIVED", "PARTICIPANT_MUTED", "PBX_UNAVAILABLE", "REQUEST_RECEIVED",
                "PARTICIPANT_REMOVED", "PBX_UNAVAILABLE", "REQUEST_RECEIVED", "SESSION_ENDED", "NUMBER_RELEASED", "PBX_UNAVAILABLE"),
                log.getEvents().getEvent().stream().map(Event::getType).toList());
        // The number went back to the pool, behind the numbers not used yet: a room ended while
        // the PBX was away may still hold its people, so the next conference gets another.
        assertEquals("8001", ok(T, startConference("4712", null, "+4930111111")).getReservedNumber());
        ok(T, end("4712"));
        for (int i = 2; i < 10; i++) {
            assertEquals("800" + i, ok(T, startConference("47" + (20 + i), null, "+4930111111")).getReservedNumber());
        }
        assertEquals("8000", ok(T, startConference("4730", null, "+4930111111")).getReservedNumber(),
                "the number released longest ago comes back first");
    }

    @Test
    void concurrentWritersOfOneBusinessIdGetGapFreeSequenceNumbers() throws Exception {
        ok(T, startConference("busy", null, "+4930111111"));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<SessionReply>> results = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String n = "+49302000" + String.format("%02d", i);
            results.add(pool.submit(() -> ok(T, modify("busy", "<add>" + num(n) + "</add>"))));
        }
        for (Future<SessionReply> f : results) {
            f.get();
        }
        pool.shutdown();
        SessionReply log = ok(T, query("busy"));
        List<Long> seqs = log.getEvents().getEvent().stream().map(Event::getSeq).toList();
        assertEquals(LongStream.rangeClosed(1, seqs.size()).boxed().toList(), seqs);
        // start: 3 events; each modify: received, added, the PBX's absence noted.
        assertEquals(3 + 40 * 3, seqs.size());
        assertEquals(41, log.getSessions().getSession().get(0).getParticipants().getParticipant().size());
    }

    @Test
    void concurrentConferencesNeverShareAReservedNumber() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<String>> results = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            String id = "conf-" + i;
            results.add(pool.submit(() -> {
                String reply = call(T, startConference(id, null, "+4930111111"));
                SessionReply r = sessionReply(reply);
                return r.getError() != null ? r.getError().getCode() : r.getReservedNumber();
            }));
        }
        List<String> outcomes = new ArrayList<>();
        for (Future<String> f : results) {
            outcomes.add(f.get());
        }
        pool.shutdown();
        List<String> numbers = outcomes.stream().filter(o -> o.startsWith("80")).toList();
        assertEquals(10, numbers.size(), outcomes.toString());
        assertEquals(10, numbers.stream().distinct().count(), outcomes.toString());
        assertEquals(6, outcomes.stream().filter("POOL_EXHAUSTED"::equals).count(), outcomes.toString());
    }
}
