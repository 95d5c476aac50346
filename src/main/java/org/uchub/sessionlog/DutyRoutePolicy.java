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
 */
public class DutyRoutePolicy extends RoutePolicySupport {
    private static final Logger LOG = LoggerFactory.getLogger(DutyRoutePolicy.class);
    private final DutyLease lease;
    private volatile Route route;

    public DutyRoutePolicy(DutyLease lease) {
        this.lease = lease;
        lease.onChange(this::follow);
    }

    @Override
    public void onStart(Route route) {
        this.route = route;
        lease.start();
        follow();
    }

    @Override
    public void onStop(Route route) {
        this.route = null;
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
            if (lease.held()) {
                startConsumer(r.getConsumer());
            } else {
                LOG.info("Route {} waits: hub instance {} does duty {}", r.getRouteId(),
                        lease.holder().isEmpty() || lease.holder().equals(lease.instance()) ? "(none now)" : lease.holder(), lease.duty());
                stopConsumer(r.getConsumer());
            }
        } catch (Exception e) {
            LOG.warn("Route {} could not follow duty {} ({})", r.getRouteId(), lease.duty(), e.toString());
        }
    }
}
