package org.uchub.sessionlog;

import java.util.Map;
import org.apache.camel.Route;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckAware;
import org.apache.camel.health.HealthCheckResultBuilder;
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
        standbyAware(route);
        lease.start();
        follow();
    }

    /**
     * Camel's readiness check of a polling consumer is down until the consumer has polled once.
     * One this policy holds back because another instance does the duty never polls here, so
     * that check would keep the instance from being ready (HTTP /health/ready) for as long as it
     * stands by. While this instance does not hold the duty, the check says UP, "STANDBY: …"
     * (as the {@code xmpp} check does); while it does, Camel's own check answers.
     */
    private void standbyAware(Route route) {
        if (route.getConsumer() instanceof HealthCheckAware aware && aware.getHealthCheck() != null
                && !(aware.getHealthCheck() instanceof StandbyAwareCheck)) {
            aware.setHealthCheck(new StandbyAwareCheck(aware.getHealthCheck()));
        }
    }

    private final class StandbyAwareCheck implements HealthCheck {
        private final HealthCheck camels;

        StandbyAwareCheck(HealthCheck camels) {
            this.camels = camels;
        }

        @Override
        public Result call(Map<String, Object> options) {
            if (lease.held()) {
                return camels.call(options);
            }
            String by = lease.holder();
            return HealthCheckResultBuilder.on(this).up().message(by.isEmpty() || by.equals(lease.instance())
                    ? "STANDBY: this instance does not hold duty " + lease.duty() + " now"
                    : "STANDBY: hub instance " + by + " does duty " + lease.duty()).build();
        }

        @Override
        public String getGroup() {
            return camels.getGroup();
        }

        @Override
        public String getId() {
            return camels.getId();
        }

        @Override
        public int getOrder() {
            return camels.getOrder();
        }

        @Override
        public boolean isEnabled() {
            return camels.isEnabled();
        }

        @Override
        public void setEnabled(boolean enabled) {
            camels.setEnabled(enabled);
        }

        @Override
        public Map<String, Object> getMetaData() {
            return camels.getMetaData();
        }

        @Override
        public boolean isReadiness() {
            return camels.isReadiness();
        }

        @Override
        public boolean isLiveness() {
            return camels.isLiveness();
        }
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
