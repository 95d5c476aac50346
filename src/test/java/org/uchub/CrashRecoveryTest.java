package org.uchub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.uchub.channel.NotConnectedChannel;
import org.uchub.contract.Event;
import org.uchub.contract.ReplyStatus;
import org.uchub.contract.SessionReply;
import org.uchub.request.HubRequest;

/**
 * The hub stopping between the steps of one request: its redelivery is neither applied
 * twice nor answered with a guess. The first delivery is played here step by step up to
 * the point of the crash, with the hub's own beans.
 */
class CrashRecoveryTest extends HubTestSupport {
    private static final String T = "erp";

    @Override
    protected java.util.Properties hubProperties() {
        // The conference channel's step is deterministic while the PBX is away: the session waits (PENDING).
        return unreachablePbx(super.hubProperties());
    }

    private long channelEvents(SessionReply log) {
        return log.getEvents().getEvent().stream().map(Event::getType)
                .filter(t -> t.equals("CHANNEL_NOT_CONNECTED") || t.equals("PBX_UNAVAILABLE")).count();
    }

    @Test
    void stoppedAfterTheSessionWasOpenedTheRedeliveryResumesAtTheChannel() throws Exception {
        String request = startConference("crash-1", "c1", "+4930111111");
        HubRequest first = firstDeliveryUpToTheSessionLog(T, request);

        SessionReply reply = ok(T, request);
        assertEquals(ReplyStatus.ACCEPTED, reply.getStatus());
        assertEquals(first.getSessionId(), reply.getSessionId());
        assertEquals(first.getReservedNumber(), reply.getReservedNumber());

        SessionReply log = ok(T, query("crash-1"));
        assertEquals(1, log.getSessions().getSession().size());
        assertEquals("PENDING", log.getSessions().getSession().get(0).getState());
        assertEquals(1, channelEvents(log));
        // From now on it is an ordinary replay of the stored reply.
        SessionReply again = ok(T, request);
        assertEquals(Boolean.TRUE, again.isReplayed());
        assertEquals(ReplyStatus.ACCEPTED, again.getStatus());
    }

    @Test
    void stoppedAfterTheChannelReportedTheRedeliveryIsAnsweredFromTheStoredOutcome() throws Exception {
        String request = startConference("crash-2", "c2", "+4930111111");
        HubRequest first = firstDeliveryUpToTheSessionLog(T, request);
        context.getRegistry().lookupByNameAndType("notConnectedChannel", NotConnectedChannel.class).handle(first);

        SessionReply reply = ok(T, request);
        assertEquals(ReplyStatus.NOT_CONNECTED, reply.getStatus());
        assertEquals(Boolean.TRUE, reply.isReplayed());
        assertEquals(first.getMessage(), reply.getMessage());
        assertEquals(1, channelEvents(ok(T, query("crash-2"))));
    }

    @Test
    void aFileMetAgainAfterItWasAppliedIsNotAppliedTwiceEvenWithoutRequestId() throws Exception {
        drop("again.xml", startConference("crash-3", null, "+4930111111"));
        SessionReply first = sessionReply(awaitReply("again.reply.xml"));
        assertNull(first.isReplayed());
        Files.delete(outbox().resolve("again.reply.xml"));
        // What a hub killed after applying the file but before moving it away finds on restart.
        Files.copy(inbox().resolve(".done/again.xml"), inbox().resolve("again.xml"), StandardCopyOption.COPY_ATTRIBUTES);

        SessionReply second = sessionReply(awaitReply("again.reply.xml"));
        assertEquals(Boolean.TRUE, second.isReplayed());
        assertEquals(first.getSessionId(), second.getSessionId());
        assertEquals(1, ok("default", query("crash-3")).getSessions().getSession().size());

        // A new drop under the same name is a new request.
        drop("again.xml", startConference("crash-3", null, "+4930222222"));
        long deadline = System.currentTimeMillis() + 20_000;
        while (ok("default", query("crash-3")).getSessions().getSession().size() < 2 && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(2, ok("default", query("crash-3")).getSessions().getSession().size());
    }

    @Test
    void aDifferentRequestWithTheSameNameSizeAndTimeIsANewRequest() throws Exception {
        drop("same.xml", startConference("crash-4", null, "+4930111111"));
        SessionReply first = sessionReply(awaitReply("same.reply.xml"));
        Files.delete(outbox().resolve("same.reply.xml"));
        FileTime time = Files.getLastModifiedTime(inbox().resolve(".done/same.xml"));
        // What a copy that keeps the time, or a clock of whole seconds, gives the second request.
        Path staged = dataDir.resolve("same.xml");
        Files.writeString(staged, startConference("crash-4", null, "+4930222222"));
        Files.setLastModifiedTime(staged, time);
        Files.move(staged, inbox().resolve("same.xml"));

        SessionReply second = sessionReply(awaitReply("same.reply.xml"));
        assertNull(second.isReplayed(), "taken for the earlier request of that name");
        assertNotEquals(first.getSessionId(), second.getSessionId());
        assertEquals(2, ok("default", query("crash-4")).getSessions().getSession().size());
    }
}
