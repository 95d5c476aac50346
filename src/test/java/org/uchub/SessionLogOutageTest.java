package org.uchub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.uchub.contract.ReplyStatus;

/**
 * A PostgreSQL session log that goes away and comes back: requests wait in the inbox while
 * it is down and are each applied once when it returns; none is rejected or lost.
 */
class SessionLogOutageTest extends HubTestSupport {
    private StoppablePostgres postgres;

    @Override
    protected Properties hubProperties() {
        postgres = new StoppablePostgres(dataDir);
        Properties p = postgres.asSessionLogOf(super.hubProperties());
        p.setProperty("hub.inbox.retry-delay-ms", "200");
        p.setProperty("hub.inbox.retry-max-delay-ms", "1000");
        return p;
    }

    @AfterEach
    void stopPostgres() throws IOException {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void requestsWaitWhileTheDatabaseIsDownAndAreAppliedOnceWhenItReturns() throws Exception {
        drop("before.xml", startConference("out-1", null, "+4930111111"));
        assertEquals(ReplyStatus.ACCEPTED, sessionReply(awaitReply("before.reply.xml")).getStatus());

        postgres.stop();
        drop("during-1.xml", startConference("out-2", null, "+4930111111"));
        drop("during-2.xml", "<ModifySession " + NS + "><businessId>out-1</businessId><text>still there?</text></ModifySession>");
        Thread.sleep(3000);
        assertFalse(Files.exists(outbox().resolve("during-1.reply.xml")), "answered while the database was down");
        assertTrue(Files.exists(inbox().resolve("during-1.xml")), "the request must wait in the inbox");
        assertFalse(Files.exists(inbox().resolve(".error/during-1.xml")), "a database outage is not the request's fault");

        postgres.start();
        assertEquals(ReplyStatus.ACCEPTED, sessionReply(awaitReply("during-1.reply.xml")).getStatus());
        assertEquals(ReplyStatus.ACCEPTED, sessionReply(awaitReply("during-2.reply.xml")).getStatus());
        assertEquals(1, ok("default", query("out-2")).getSessions().getSession().size());
        assertTrue(ok("default", query("out-1")).getEvents().getEvent().stream()
                .anyMatch(e -> "MESSAGE_REQUESTED".equals(e.getType()) && "still there?".equals(e.getDetail())));
    }

    @Test
    void aFileRenamedInOverOneWaitingForTheDatabaseIsReadItselfNotMovedAwayUnread() throws Exception {
        context.getInflightRepository().setInflightBrowseEnabled(true);
        postgres.stop();
        drop("r.xml", startConference("first-a", null, "+4930111111"));
        // A has been read (it has its dedupe key) and waits for the session log.
        await(() -> context.getInflightRepository().browse().stream().anyMatch(f -> "inbox-consume".equals(f.getFromRouteId())
                && f.getExchange().getProperty("ucDedupeKey") != null), 20_000, "r.xml was not taken");
        drop("r.xml", startConference("second-b", null, "+4930111111"));

        postgres.start();
        await(() -> {
            Object reply = parse(call("default", query("second-b")));
            return reply instanceof org.uchub.contract.SessionReply r && r.getError() == null;
        }, 30_000, "the file renamed in over the waiting one was never applied");
        assertEquals(1, ok("default", query("first-a")).getSessions().getSession().size());
        assertEquals(ReplyStatus.ACCEPTED, sessionReply(awaitReply("r.reply.xml")).getStatus());
        await(() -> {
            try (java.util.stream.Stream<Path> kept = Files.list(inbox().resolve(".done"))) {
                return kept.filter(Files::isRegularFile).map(p -> {
                    try {
                        return Files.readString(p);
                    } catch (IOException e) {
                        return "";
                    }
                }).filter(t -> t.contains("first-a") || t.contains("second-b")).count() == 2;
            }
        }, 20_000, "both files are kept in .done/, each with its own content");
        assertFalse(Files.exists(inbox().resolve("r.xml")));
    }
}
