package org.uchub.pbx;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import org.apache.camel.Exchange;
import org.apache.camel.component.seda.SedaEndpoint;

/**
 * Takes the PBX events queued behind the one in hand along with it, so that the session log
 * records them in one transaction instead of one commit each. A busy PBX reports a dozen
 * events per call; recorded one by one they are the session log's main load and fall
 * behind. Order is kept: the batch is the queue's head in queue order, and the news of a
 * PBX that became ready after a (re)login ({@link PbxReady}) is never taken into a batch, because its
 * reconciliation must see the events before it recorded and those after it not yet.
 *
 * <p>Batching needs a {@code seda:} event endpoint with one consumer; on any other endpoint
 * each event is a batch of its own.
 */
public final class PbxEventBatch {
    private final int max;

    /** @param max most events in one batch */
    public PbxEventBatch(int max) {
        this.max = Math.max(1, max);
    }

    public List<Object> gather(Exchange exchange) {
        List<Object> batch = new ArrayList<>();
        batch.add(exchange.getMessage().getBody());
        if (exchange.getFromEndpoint() instanceof SedaEndpoint seda) {
            BlockingQueue<Exchange> queue = seda.getQueue();
            while (batch.size() < max) {
                Exchange next = queue.peek();
                if (next == null || next.getMessage().getBody() instanceof PbxReady) {
                    break;
                }
                // Taken only if it is still there: with a second consumer (a route edited to have
                // more) the batch ends rather than taking an event out of its order.
                if (!queue.remove(next)) {
                    break;
                }
                batch.add(next.getMessage().getBody());
            }
        }
        return batch;
    }
}
