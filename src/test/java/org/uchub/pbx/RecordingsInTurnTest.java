package org.uchub.pbx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import org.uchub.request.ErrorCode;
import org.uchub.request.HubRequest;
import org.uchub.request.RequestRejectedException;

/**
 * A recording is held whole in memory while its reply is built: only so many are sent at
 * once, each counted until its exchange is done, and one beyond them is asked to come again
 * instead of taking the heap.
 */
class RecordingsInTurnTest {
    /** Reads no file: what is counted is the turn, not the reading. */
    private final Recordings recordings = new Recordings(null, Path.of("."), 1000, 1, 100) {
        @Override
        public HubRequest fetch(HubRequest r) {
            if (r == null) {
                throw new RequestRejectedException(ErrorCode.NOT_FOUND, "no such session");
            }
            return r;
        }
    };
    private final DefaultCamelContext camel = new DefaultCamelContext();
    private final HubRequest request = new HubRequest("erp", "soap", null, null);

    private static void done(Exchange e) {
        e.getExchangeExtension().handoverCompletions().forEach(s -> s.onComplete(e));
    }

    @Test
    void aRecordingBeyondThoseBeingSentIsAskedToComeAgainUntilOneIsDone() throws Exception {
        Exchange first = new DefaultExchange(camel);
        recordings.fetchInTurn(request, first);
        RequestRejectedException busy = assertThrows(RequestRejectedException.class,
                () -> recordings.fetchInTurn(request, new DefaultExchange(camel)));
        assertEquals(ErrorCode.SERVICE_UNAVAILABLE, busy.getCode());
        done(first);
        Exchange second = new DefaultExchange(camel);
        assertEquals(request, recordings.fetchInTurn(request, second));
        done(second);
    }

    @Test
    void aRecordingRefusedGivesItsTurnBackAtOnce() throws Exception {
        assertThrows(RequestRejectedException.class, () -> recordings.fetchInTurn(null, new DefaultExchange(camel)));
        Exchange next = new DefaultExchange(camel);
        assertEquals(request, recordings.fetchInTurn(request, next));
        done(next);
    }
}
