package org.uchub.sessionlog;

import org.apache.camel.Route;
import org.apache.camel.support.RoutePolicySupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets a route's consumer run on one hub instance at a time: the one holding the duty's lease
 * ({@link DutyLease}). For routes that poll something every instance sees, such as a shared
 * mailbox, where two pollers would each handle the same mail. In route XML:
 * {@code <route id="..." routePolicyRef="<bean>">}. On a single hub the lease is always its own.
 * Camel starts a route's consumer before it tells the policy, so the consumer must not poll in
 * its first moment (a poller's default initial delay of a second is plenty).
 */
public class DutyRoutePolicy extends RoutePolicySupport {
    private static final Logger LOG = LoggerFactory.getLogger(DutyRoutePolicy.class);
    private final DutyLease lease;
    private volatile Route route;

    public DutyRoutePolicy(DutyLease lease) {
        this.lease = lease;
        lease.onChange(this::follow);
    }

    /**
     * The lease is asked for when the route is made, before Camel starts its consumer: by the
     * time {@link #onStart} runs the consumer is already up (a poller's first poll comes a
     * moment later), and is stopped there at once if another instance holds the duty.
     */
    @Override
    public void onInit(Route route) {
        lease.start();
    }

    @Override
    public void onStart(Route route) {
        synchronized (this) {
            this.route = route;
        }
        lease.start();
        follow();
    }

    @Override
    public void onStop(Route route) {
        synchronized (this) {
            this.route = null;
        }
        lease.stop();
    }

    @Override
    public void onRemove(Route route) {
        onStop(route);
    }

    private synchronized void follow() {
        Route r = route;
        if (r == null || r.getConsumer() == null) {
            return;
        }
        try {
            // Suspended, not stopped: a poll under way finishes its mail (moved to its folder) first.
            if (lease.held()) {
                resumeOrStartConsumer(r.getConsumer());
            } else {
                LOG.info("Route {} waits: hub instance {} does duty {}", r.getRouteId(),
                        lease.holder().isEmpty() || lease.holder().equals(lease.instance()) ? "(none now)" : lease.holder(), lease.duty());
                suspendOrStopConsumer(r.getConsumer());
            }
        } catch (Exception e) {
            LOG.warn("Route {} could not follow duty {} ({})", r.getRouteId(), lease.duty(), e.toString());
        }
    }
}
