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
    /** What the consumer was last set to (running or not); null before the first. */
    private Boolean running;
    /**
     * Looks at the lease on its own: a lease runs out by time, between renewals that may hang
     * on an unreachable database for seconds, and the consumer must stop before another
     * instance may take the duty over (a quarter of the lease later), not when a renewal returns.
     */
    private java.util.concurrent.ScheduledExecutorService watch;

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
            this.running = null;
            if (watch == null) {
                watch = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "uc-duty-watch-" + lease.duty());
                    t.setDaemon(true);
                    return t;
                });
                long every = Math.max(100, lease.recheckMillis());
                watch.scheduleWithFixedDelay(this::followIfChanged, every, every, java.util.concurrent.TimeUnit.MILLISECONDS);
            }
        }
        lease.start();
        follow();
    }

    @Override
    public void onStop(Route route) {
        synchronized (this) {
            this.route = null;
            if (watch != null) {
                watch.shutdownNow();
                watch = null;
            }
        }
        lease.stop();
    }

    private synchronized void followIfChanged() {
        if (running == null || running != lease.held()) {
            follow();
        }
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
            boolean held = lease.held();
            if (held) {
                resumeOrStartConsumer(r.getConsumer());
            } else {
                LOG.info("Route {} waits: hub instance {} does duty {}", r.getRouteId(),
                        lease.holder().isEmpty() || lease.holder().equals(lease.instance()) ? "(none now)" : lease.holder(), lease.duty());
                suspendOrStopConsumer(r.getConsumer());
            }
            running = held; // only once done: a failed attempt is tried again at the next look
        } catch (Exception e) {
            LOG.warn("Route {} could not follow duty {} ({})", r.getRouteId(), lease.duty(), e.toString());
        }
    }
}
