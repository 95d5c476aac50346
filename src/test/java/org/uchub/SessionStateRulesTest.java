package org.uchub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.uchub.contract.SessionReply;

/**
 * The rules whose answer depends on what the session log already holds (open and ended
 * sessions, used requestIds, the number pool): each test starts from an empty hub.
 */
class SessionStateRulesTest extends HubTestSupport {
    private static final String T = "erp";

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        p.setProperty("hub.pool.numbers", "8000-8001");
        p.setProperty("hub.query.max-sessions", "2");
        p.setProperty("hub.query.max-events", "5");
        return p;
    }

    /** Every event of the business ID, page by page (this class answers 5 events a query). */
    private java.util.List<org.uchub.contract.Event> allEvents(String businessId) {
        java.util.List<org.uchub.contract.Event> all = new java.util.ArrayList<>();
        long after = 0;
        while (true) {
            SessionReply page = ok(T, "<QuerySessionLog " + NS + "><businessId>" + businessId + "</businessId><afterSeq>" + after
                    + "</afterSeq></QuerySessionLog>");
            if (page.getEvents() == null || page.getEvents().getEvent().isEmpty()) {
                return all;
            }
            all.addAll(page.getEvents().getEvent());
            after = all.get(all.size() - 1).getSeq();
            if (!Boolean.TRUE.equals(page.getEvents().isMore())) {
                return all;
            }
        }
    }

    private static String num(String n) {
        return "<participant><number>" + n + "</number></participant>";
    }

    @Test
    void endReasonIsOneLineOfText() {
        ok(T, startConference("R-1", null, "+4930111111"));
        rejected(T, "<EndSession " + NS + "><businessId>R-1</businessId><reason>bye&#10;x</reason></EndSession>", "INVALID_TEXT");
        rejected(T, "{\"EndSession\": {\"businessId\": \"R-1\", \"reason\": \"bye\\u0000\\u001b[31m\"}}", "INVALID_TEXT");
        ok(T, "<EndSession " + NS + "><businessId>R-1</businessId><reason>done</reason></EndSession>");
    }

    @Test
    void aRequestIdNamesOneRequestOnly() {
        ok(T, "<StartSession " + NS + "><requestId>r1</requestId><businessId>B1</businessId><channel>conference</channel>"
                + "<participants>" + num("+4930111111") + "</participants></StartSession>");
        rejected(T, "<EndSession " + NS + "><requestId>r1</requestId><businessId>OTHER</businessId></EndSession>", "REQUEST_ID_REUSED");
        rejected(T, "<EndSession " + NS + "><requestId>r1</requestId><businessId>B1</businessId></EndSession>", "REQUEST_ID_REUSED");
        // Neither reuse touched the session: it is still open.
        assertNotEquals("ENDED", ok(T, query("B1")).getSessions().getSession().get(0).getState());
    }

    @Test
    void modifyAndEndOfAnEndedSessionAreRefused() {
        ok(T, startConference("4711", null, "+4930111111", "+4930222222"));
        ok(T, end("4711"));
        rejected(T, end("4711"), "SESSION_ENDED");
        rejected(T, "<ModifySession " + NS + "><businessId>4711</businessId><add>" + num("+4930333333") + "</add></ModifySession>",
                "SESSION_ENDED");
    }

    @Test
    void modifyNamesParticipantsThatExistAndSomethingToDo() {
        ok(T, startConference("4711", null, "+4930111111", "+4930222222"));
        rejected(T, "<ModifySession " + NS + "><businessId>4711</businessId></ModifySession>", "NOTHING_TO_MODIFY");
        rejected(T, "<ModifySession " + NS + "><businessId>4711</businessId><remove>" + num("+4930999999") + "</remove></ModifySession>",
                "PARTICIPANT_NOT_FOUND");
        rejected(T, "<ModifySession " + NS + "><businessId>4711</businessId><add>" + num("+4930111111") + "</add></ModifySession>",
                "PARTICIPANT_ALREADY_PRESENT");
        rejected(T, "<ModifySession " + NS + "><businessId>4711</businessId><sessionId>no-such</sessionId><text>x</text></ModifySession>",
                "NOT_FOUND");
    }

    @Test
    void anExhaustedNumberPoolIsReportedAndAnEndFreesANumber() {
        ok(T, startConference("c1", null, "+4930111111"));
        ok(T, startConference("c2", null, "+4930111111"));
        String msg = rejected(T, startConference("c3", null, "+4930111111"), "POOL_EXHAUSTED");
        assertTrue(msg.contains("2"), msg);
        SessionReply ended = ok(T, end("c1"));
        // Released by this very end: no number to dial in, the session's entry keeps it as history.
        assertEquals(null, ended.getReservedNumber(), "the end's reply names the number it released");
        assertEquals("8000", ended.getSessions().getSession().get(0).getReservedNumber());
        SessionReply r = ok(T, startConference("c3", null, "+4930111111"));
        assertEquals("8000", r.getReservedNumber());
    }

    @Test
    void aFailedSessionNamesNoNumberToDialInAndTakesNoMoreRequests() {
        SessionReply started = ok(T, startConference("F-1", null, "+4930111111"));
        assertEquals("8000", ok(T, query("F-1")).getReservedNumber(), "bound while the session runs");
        org.uchub.sessionlog.ChannelProgress progress = context.getRegistry().lookupByNameAndType("channelProgress",
                org.uchub.sessionlog.ChannelProgress.class);
        assertTrue(progress.fail(started.getSessionId(), "pbx", "The PBX stayed unreachable"));
        // Released, 8000 may be another tenant's room by now: the log keeps it as history only.
        SessionReply log = ok(T, query("F-1"));
        assertEquals(null, log.getReservedNumber());
        assertEquals("8000", log.getSessions().getSession().get(0).getReservedNumber());
        assertEquals("FAILED", log.getSessions().getSession().get(0).getState());
        rejected(T, end("F-1"), "SESSION_ENDED");
        ok("crm", startConference("F-2", null, "+4930111111"));
        ok("crm", startConference("F-3", null, "+4930111111"));
        assertEquals(null, ok(T, query("F-1")).getReservedNumber());
    }

    @Test
    void aLongLogIsReadInPagesOfEventsAndItsMostRecentSessions() {
        for (int i = 1; i <= 3; i++) {
            ok(T, startConference("P-1", null, "+4930111111"));
            ok(T, end("P-1"));
        }
        SessionReply first = ok(T, query("P-1"));
        assertEquals(2, first.getSessions().getSession().size());
        assertEquals(Boolean.TRUE, first.getSessions().isMore());
        java.util.List<Long> seqs = new java.util.ArrayList<>();
        first.getEvents().getEvent().forEach(e -> seqs.add(e.getSeq()));
        assertEquals(java.util.List.of(1L, 2L, 3L, 4L, 5L), seqs);
        assertEquals(Boolean.TRUE, first.getEvents().isMore());
        SessionReply page = first;
        while (Boolean.TRUE.equals(page.getEvents().isMore())) {
            long last = page.getEvents().getEvent().get(page.getEvents().getEvent().size() - 1).getSeq();
            page = ok(T, "<QuerySessionLog " + NS + "><businessId>P-1</businessId><afterSeq>" + last + "</afterSeq></QuerySessionLog>");
            assertTrue(page.getEvents().getEvent().size() <= 5);
            page.getEvents().getEvent().forEach(e -> seqs.add(e.getSeq()));
        }
        // Every event once, in order, without gaps.
        for (int i = 0; i < seqs.size(); i++) {
            assertEquals(i + 1L, seqs.get(i));
        }
        assertTrue(seqs.size() > 10, seqs.toString());
        // The sessions listed are the two most recent, oldest first; the first is still readable by its id.
        String json = call(T, "{\"QuerySessionLog\": {\"businessId\": \"P-1\", \"afterSeq\": " + seqs.size() + "}}");
        assertTrue(json.contains("\"OK\"") && !json.contains("\"seq\""), json);
        String oldest = ok(T, query("P-1")).getEvents().getEvent().get(0).getSessionId();
        assertTrue(first.getSessions().getSession().stream().noneMatch(s -> s.getSessionId().equals(oldest)));
        assertEquals(oldest, ok(T, "<QuerySessionLog " + NS + "><businessId>P-1</businessId><sessionId>" + oldest
                + "</sessionId></QuerySessionLog>").getSessions().getSession().get(0).getSessionId());
        rejected(T, "<QuerySessionLog " + NS + "><businessId>P-1</businessId><afterSeq>-1</afterSeq></QuerySessionLog>", "SCHEMA_INVALID");
    }

    @Test
    void aRejectedRequestChangesNothing() {
        rejected(T, startConference("4711", null, "+4930111111", "bad"), "INVALID_NUMBER");
        rejected(T, query("4711"), "NOT_FOUND");
    }

    @Test
    void aRejectionOfAKnownBusinessIdIsWrittenToItsLog() {
        ok(T, startConference("4711", null, "+4930111111"));
        rejected(T, "<ModifySession " + NS + "><businessId>4711</businessId><remove>" + num("+4930999999") + "</remove></ModifySession>",
                "PARTICIPANT_NOT_FOUND");
        assertTrue(allEvents("4711").stream()
                .anyMatch(e -> e.getType().equals("REQUEST_REJECTED") && e.getDetail().contains("PARTICIPANT_NOT_FOUND")));
    }
}
