package org.uchub.broker;

import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSException;
import jakarta.jms.JMSSecurityException;
import jakarta.jms.Message;
import jakarta.jms.Session;
import jakarta.jms.TemporaryQueue;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.uchub.health.ReadinessCheck;

/**
 * Opens the JMS ingress of an external broker only once that broker has shown that it stamps
 * each message with its sender's user (the UC Hub broker plugins), and closes it when a check
 * finds it does not: only a stamp the broker wrote is a tenant the hub may believe.
 * <ul>
 * <li>A broker that cannot be reached is asked again with back-off; its requests wait in it.
 * A broker down when the hub starts therefore delays the JMS ingress instead of stopping the
 * hub.</li>
 * <li>When the connection the gate holds to the broker breaks, the broker is asked again at
 * once and then with back-off until it answers; one that came back without the plugins
 * closes the ingress. The JMS listener reconnects by itself every 5 s, so the gate's check
 * usually comes first, but that is a race, not a guarantee. (Closing the ingress on every
 * break instead stranded requests when the listener was stopped during a broker restart.)</li>
 * <li>The broker is also asked again every {@code recheckMillis}.</li>
 * <li>Only a route the gate closed (or held at start) is opened by it: one an operator stopped
 * stays stopped.</li>
 * </ul>
 */
public final class TenantStampGate {
    private static final Logger LOG = LoggerFactory.getLogger(TenantStampGate.class);

    public enum State {
        /** The broker replaced a forged stamp with the hub's own user. */
        STAMPED,
        /** The broker let a sender's own stamp through: the plugins are missing. */
        NOT_STAMPED,
        /** The broker refused the hub's user (a wrong password, or missing rights). */
        REFUSED,
        /** The broker could not be asked. */
        UNREACHABLE
    }

    public record Verdict(State state, String detail) {
    }

    /**
     * What the broker must write on each message for its sender's user to be known: the
     * property the hub forges in its check, and what to do where the broker does not.
     */
    public record Stamp(String property, String whatToDo) {
        /** The UC Hub broker plugins' own stamp ({@code broker.external.plugins=true}). */
        public static final Stamp PLUGINS = new Stamp(TenantStamp.PROPERTY, "broker.external.plugins is true but the broker does not"
                + " stamp the sender's user on messages; install uc-hub-broker-plugins.jar as examples/external-broker describes, or"
                + " set broker.external.plugins=false");
        /**
         * Artemis' own validated user, which it writes only with populate-validated-user; without
         * it the property is whatever the sender put there ({@code broker.external.plugins=false}).
         */
        public static final Stamp VALIDATED_USER = new Stamp("_AMQ_VALIDATED_USER", "broker.external.plugins is false but the"
                + " broker does not set the validated user on messages, so any sender could name another's: set"
                + " <populate-validated-user>true</populate-validated-user> (and security-enabled, without which there is no"
                + " validated user) in broker.xml, or install the UC Hub broker plugins");
    }

    /**
     * @param routeId             the JMS ingress route
     * @param autoStartupProperty the property its autoStartup reads, kept equal to the gate's
     *                            verdict so that a reloaded route file starts only if the gate is open
     */
    public record Settings(String routeId, String autoStartupProperty, long retryMillis, long maxRetryMillis, long recheckMillis) {
        public Settings {
            if (retryMillis <= 0 || maxRetryMillis < retryMillis || recheckMillis <= 0) {
                throw new IllegalArgumentException("broker.tenant-stamp.*: retry-ms and recheck-ms must be above 0, and"
                        + " max-retry-ms at least retry-ms");
            }
        }
    }

    private final CamelContext context;
    private final ConnectionFactory connections;
    private final String hubUser;
    private final Stamp stamp;
    private final Settings settings;
    private final Object wake = new Object();
    private volatile Verdict last;
    /** The last verdict that was not UNREACHABLE: what the broker was last seen to do. */
    private volatile Verdict lastSeen;
    private volatile boolean running;
    private boolean lost;
    private Thread thread;
    /** The connection being asked or watched: only its failure counts. */
    private volatile Connection current;
    /** Only the gate's thread touches these two. */
    private Connection watch;
    private boolean closedByGate;

    /** @param first the verdict of the check made at boot, which decided whether the route started with the context */
    public TenantStampGate(CamelContext context, ConnectionFactory connections, String hubUser, Stamp stamp, Settings settings,
            Verdict first) {
        this.context = context;
        this.connections = connections;
        this.hubUser = hubUser;
        this.stamp = stamp;
        this.settings = settings;
        this.last = first;
        this.lastSeen = first.state() == State.UNREACHABLE ? null : first;
        this.closedByGate = first.state() != State.STAMPED;
    }

    /** One check: the hub sends itself a message carrying a forged stamp and looks at what arrives. */
    public static Verdict check(ConnectionFactory cf, String hubUser) {
        return check(cf, hubUser, Stamp.PLUGINS);
    }

    public static Verdict check(ConnectionFactory cf, String hubUser, Stamp stamp) {
        Connection c = null;
        try {
            c = cf.createConnection();
            return probe(c, hubUser, stamp);
        } catch (JMSException | RuntimeException e) {
            return failure(e);
        } finally {
            close(c);
        }
    }

    private static Verdict failure(Exception e) {
        if (e instanceof JMSSecurityException) {
            return new Verdict(State.REFUSED, "the broker refused the hub's user (broker.username/broker.password, or its"
                    + " rights): " + e.getMessage());
        }
        return new Verdict(State.UNREACHABLE, "the broker cannot be asked: " + e.getMessage());
    }

    private static Verdict probe(Connection c, String hubUser, Stamp stamp) throws JMSException {
        c.start();
        Session s = c.createSession(false, Session.AUTO_ACKNOWLEDGE);
        try {
            TemporaryQueue queue = s.createTemporaryQueue();
            Message m = s.createTextMessage("tenant stamp check");
            m.setStringProperty(stamp.property(), "forged-by-sender");
            s.createProducer(queue).send(m);
            Message back = s.createConsumer(queue).receive(10_000);
            if (back == null) {
                return new Verdict(State.UNREACHABLE, "the broker did not return the check message within 10 s");
            }
            String written = back.getStringProperty(stamp.property());
            if (hubUser.equals(written)) {
                return new Verdict(State.STAMPED, "the broker stamps each message with its sender's user (" + stamp.property() + ")");
            }
            return new Verdict(State.NOT_STAMPED, stamp.whatToDo() + " (a sender's own value came through: " + written + ")");
        } finally {
            s.close();
        }
    }

    /**
     * Whether a stamp on a message may be believed: the broker was last seen to stamp. The gate
     * also closes the ingress route otherwise, but a route file can be edited to start anyway
     * (autoStartup="true", another route on the queue), and then only this keeps a forged
     * stamp from naming the tenant.
     */
    public boolean stampTrusted() {
        Verdict v = lastSeen;
        return v != null && v.state() == State.STAMPED;
    }

    public Verdict last() {
        return last;
    }

    public synchronized void start() {
        running = true;
        thread = new Thread(this::run, "broker-tenant-stamp");
        thread.setDaemon(true);
        thread.start();
    }

    public synchronized void stop() {
        running = false;
        Thread t = thread;
        if (t == null) {
            return;
        }
        // An interrupt can be swallowed by a route stop in progress: the notify ends the wait in any case.
        t.interrupt();
        synchronized (wake) {
            wake.notifyAll();
        }
        try {
            t.join(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        thread = null;
    }

    private void run() {
        long backOff = settings.retryMillis();
        try {
            while (running) {
                // Asked at once when the gate starts, so that its connection is watched from then on.
                Verdict v = checkAndWatch();
                if (!running) {
                    return;
                }
                Verdict previous = last;
                last = v;
                if (v.state() != State.UNREACHABLE) {
                    lastSeen = v;
                }
                report(v, previous);
                apply(v);
                long delay;
                if (v.state() == State.UNREACHABLE) {
                    delay = backOff;
                    backOff = Math.min(backOff * 2, settings.maxRetryMillis());
                } else {
                    delay = settings.recheckMillis();
                    backOff = settings.retryMillis();
                }
                synchronized (wake) {
                    if (!lost && running) {
                        wake.wait(delay);
                    }
                    if (!lost) {
                        continue;
                    }
                    lost = false;
                }
                if (!running) {
                    return;
                }
                // Asked again at once. The ingress is not stopped for this: stopping and restarting
                // the listener while the broker is away stranded requests in ExternalBrokerIT; the
                // listener reconnects by itself (every 5 s), and the gate's check comes first.
                last = new Verdict(State.UNREACHABLE, "the hub's connection to the broker broke");
                backOff = settings.retryMillis();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            LOG.error("The broker tenant-stamp check stopped: the JMS ingress is closed", e);
            last = new Verdict(State.NOT_STAMPED, "the tenant-stamp check stopped: " + e);
            lastSeen = last;
            apply(last);
        } finally {
            current = null;
            close(watch);
            watch = null;
        }
    }

    private Verdict checkAndWatch() {
        close(watch);
        watch = null;
        Connection c = null;
        try {
            c = connections.createConnection();
            Connection asked = c;
            current = asked;
            // Listening before the check, so that a failure during it is not missed.
            c.setExceptionListener(e -> connectionLost(asked));
            Verdict v = probe(c, hubUser, stamp);
            if (v.state() == State.STAMPED && running) {
                watch = c;
                c = null;
            } else {
                current = null;
            }
            return v;
        } catch (JMSException | RuntimeException e) {
            current = null;
            return failure(e);
        } finally {
            close(c);
        }
    }

    private void connectionLost(Connection which) {
        // A probe that already failed, or a connection since replaced, may report late: only the one in use counts.
        if (which != current) {
            return;
        }
        LOG.warn("The connection to the external broker broke: the broker that answers is checked again at once");
        synchronized (wake) {
            lost = true;
            wake.notifyAll();
        }
    }

    private void report(Verdict v, Verdict previous) {
        boolean changed = v.state() != previous.state();
        switch (v.state()) {
            case STAMPED -> {
                if (changed) {
                    LOG.info("The external broker stamps each message with its sender's user: the JMS ingress is open");
                }
            }
            case NOT_STAMPED, REFUSED -> LOG.error("The JMS ingress is closed: {}", v.detail());
            case UNREACHABLE -> {
                if (changed) {
                    LOG.warn("The external broker is not reachable ({}): the JMS ingress is closed and the broker asked again with"
                            + " back-off up to {} ms", v.detail(), settings.maxRetryMillis());
                }
            }
        }
    }

    /**
     * Opens the ingress on a broker that stamps, if the gate had closed it; closes it on one that
     * does not stamp or refuses the hub; leaves it as it is while the broker cannot be asked.
     */
    private void apply(Verdict v) {
        if (v.state() == State.UNREACHABLE) {
            return;
        }
        boolean open = v.state() == State.STAMPED;
        context.getPropertiesComponent().addOverrideProperty(settings.autoStartupProperty(), Boolean.toString(open));
        if (!context.getStatus().isStarted()) {
            return; // the hub is stopping: its shutdown stops the route
        }
        try {
            ServiceStatus status = context.getRouteController().getRouteStatus(settings.routeId());
            if (status == null) {
                return;
            }
            boolean runs = status.isStarted() || status.isStarting();
            org.apache.camel.Route route = context.getRoute(settings.routeId());
            if (open && closedByGate && !runs) {
                context.getRouteController().startRoute(settings.routeId());
                closedByGate = false;
            } else if (open) {
                closedByGate = false;
            } else if (runs) {
                context.getRouteController().stopRoute(settings.routeId(), 30, TimeUnit.SECONDS);
                closedByGate = true;
            } else if (route != null && Boolean.FALSE.equals(route.isAutoStartup())) {
                // Reloaded while the gate was closing it: held back by the gate's property, so the gate opens it.
                closedByGate = true;
            }
        } catch (Exception e) {
            LOG.error("Could not {} route {}: {}", open ? "start" : "stop", settings.routeId(), e.toString());
        }
    }

    /** Up only while the broker is known to stamp, that is while the JMS ingress may be open. */
    public ReadinessCheck healthCheck() {
        return new ReadinessCheck("broker-tenant-stamp", () -> {
            Verdict v = last;
            return new ReadinessCheck.Reading(v.state() == State.STAMPED, v.detail(), Map.of("broker.tenant-stamp", v.state().name()));
        });
    }

    private static void close(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (JMSException | RuntimeException ignored) {
                // a broken connection is being dropped
            }
        }
    }
}
