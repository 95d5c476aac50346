package org.uchub.health;

import java.util.Map;
import java.util.function.Supplier;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * A health check of one connection to a peer (the PBX, the XMPP server, the external broker).
 * It is a readiness check only: a peer that is down makes the hub not ready for that work,
 * never not alive, so an orchestrator does not restart a hub that is waiting for a peer.
 */
public final class ReadinessCheck extends AbstractHealthCheck {
    /** What the check reports: up or down, why, and details by name. */
    public record Reading(boolean up, String message, Map<String, Object> details) {
    }

    private final Supplier<Reading> reading;

    public ReadinessCheck(String id, Supplier<Reading> reading) {
        super("uc-hub", id);
        this.reading = reading;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        Reading r = reading.get();
        r.details().forEach(builder::detail);
        if (r.message() != null) {
            builder.message(r.message());
        }
        if (r.up()) {
            builder.up();
        } else {
            builder.down();
        }
    }

    @Override
    public boolean isLiveness() {
        return false;
    }
}
