package org.uchub.sessionlog;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.uchub.contract.ObjectFactory;
import org.uchub.contract.SessionEvent;
import org.uchub.request.ContractCodec;

/**
 * The session log's events on their way to the events topic. Events are written in the
 * session-log transaction that causes them; this outbox hands out those not yet published,
 * in sequence order per business ID, and takes a batch off once the broker has committed it. A
 * broker that is away only delays publication; a crash between the broker's commit and
 * taking it off publishes a batch twice (consumers can tell by business ID and seq), never loses one.
 */
public class EventOutbox {
    private final DataSource ds;
    private final ContractCodec codec;
    private final int batchSize;
    private volatile java.util.function.BooleanSupplier mayPublish = () -> true;

    public EventOutbox(DataSource ds, ContractCodec codec, int batchSize) {
        this.ds = ds;
        this.codec = codec;
        this.batchSize = batchSize;
    }

    /** An event with the tenant it belongs to. */
    public record Pending(long outboxId, String tenant, SessionEvent event) {
    }

    /**
     * Publishes only while the duty is this instance's: of several hub instances sharing the
     * session log one publishes, so that the events of a business ID leave in order and once.
     */
    public void publishOnlyWith(DutyLease duty) {
        this.mayPublish = duty::held;
    }

    /** What waits, once it is durable: an event must never be published that a crash could take back. */
    public List<Pending> pending() {
        if (!mayPublish.getAsBoolean()) {
            return List.of();
        }
        return Database.readDurable(ds, c -> {
            List<Pending> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("select o.tenant, o.business_id, o.seq, e.session_id, e.event_time, e.event_type,"
                    + " e.source, e.participant, e.detail, o.id from uc_event_outbox o join uc_event e on e.tenant = o.tenant"
                    + " and e.business_id = o.business_id and e.seq = o.seq order by o.id")) {
                ps.setMaxRows(batchSize);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        SessionEvent e = new SessionEvent();
                        e.setBusinessId(rs.getString(2));
                        e.setSeq(rs.getLong(3));
                        e.setSessionId(rs.getString(4));
                        e.setTime(rs.getObject(5, OffsetDateTime.class));
                        e.setType(rs.getString(6));
                        e.setSource(rs.getString(7));
                        e.setParticipant(rs.getString(8));
                        e.setDetail(rs.getString(9));
                        out.add(new Pending(rs.getLong(10), rs.getString(1), e));
                    }
                }
            }
            return out;
        });
    }

    /** What waits after a published batch: the next batch if that one was full, else nothing until the next poll. */
    public List<Pending> after(List<Pending> published) {
        return published.size() < batchSize ? List.of() : pending();
    }

    /**
     * Makes the exchange the JMS message of one pending event: XML body, selector properties,
     * and the message group of its business ID, so that a business system reading its events
     * with several consumers (a shared subscription, say) still gets one business ID's events
     * in seq order, all at one consumer.
     */
    public void toMessage(Exchange exchange) {
        Pending p = exchange.getMessage().getBody(Pending.class);
        Message m = exchange.getMessage();
        m.setHeader("JMSXGroupID", p.tenant() + "/" + p.event().getBusinessId());
        m.setHeader("businessId", p.event().getBusinessId());
        m.setHeader("tenant", p.tenant());
        m.setHeader("eventType", p.event().getType());
        m.setHeader("seq", p.event().getSeq());
        m.setBody(codec.toXml(new ObjectFactory().createSessionEvent(p.event())));
    }

    /**
     * Marks a batch of events published, once the broker has committed all of them. Not waited
     * for until it is in the file: should a crash take it back, the batch is published again,
     * which the outbox allows anyway.
     */
    public void markPublished(List<Pending> batch) {
        if (batch.isEmpty()) {
            return;
        }
        Database.inTransactionUnflushed(ds, c -> {
            try (PreparedStatement ps = c.prepareStatement("delete from uc_event_outbox where id = ?")) {
                for (Pending p : batch) {
                    ps.setLong(1, p.outboxId());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }
}
