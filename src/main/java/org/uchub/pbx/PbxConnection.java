package org.uchub.pbx;

import java.io.IOException;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.camel.support.service.ServiceSupport;
import org.asteriskjava.manager.AuthenticationFailedException;
import org.asteriskjava.manager.ManagerConnectionState;
import org.asteriskjava.manager.ResponseEvents;
import org.asteriskjava.manager.TimeoutException;
import org.asteriskjava.manager.action.EventGeneratingAction;
import org.asteriskjava.manager.action.ManagerAction;
import org.asteriskjava.manager.action.OriginateAction;
import org.asteriskjava.manager.action.PingAction;
import org.asteriskjava.manager.action.FilterAction;
import org.asteriskjava.manager.event.ConnectEvent;
import org.asteriskjava.manager.event.DisconnectEvent;
import org.asteriskjava.manager.event.FullyBootedEvent;
import org.asteriskjava.manager.event.ManagerEvent;
import org.asteriskjava.manager.internal.ManagerConnectionImpl;
import org.asteriskjava.manager.response.ManagerError;
import org.asteriskjava.manager.response.ManagerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.uchub.health.ReadinessCheck;

/**
 * The one AMI connection to the PBX. It logs in (MD5 challenge) and keeps trying until it
 * can; Asterisk-Java reconnects by itself after a drop, and a Ping with a timeout notices a
 * connection that is open but dead, which Asterisk-Java's own ping would not. Events leave
 * Asterisk-Java's dispatch thread at once for {@code events}, so its bounded queue (which
 * drops when full) never fills. Originates are paced to {@code pbx.originates-per-second}.
 * Every action passes {@link AmiGuard} before it is written. The PBX is ready for the hub's
 * work only once Asterisk is fully booted as well ({@link PbxReadiness}): until then nothing
 * is dialled or asked of it, and its health is down.
 */
public class PbxConnection extends ServiceSupport {
    private static final Logger LOG = LoggerFactory.getLogger(PbxConnection.class);
    /** A PBX booting longer than this after the login is worth a warning: it may never say it is done. */
    private static final long BOOT_WARNING_MS = 60_000;

    /**
     * What became of an originate the pacer sent: queued by the PBX; never sent (the PBX was
     * not connected: it can be sent again); or sent without an answer in time (it may have
     * been queued: only the PBX's events or a reconciliation can tell); else refused.
     */
    public record OriginateResult(boolean queued, boolean unavailable, boolean unanswered, String message) {
    }

    private record Pending(OriginateAction action, Consumer<OriginateResult> then) {
    }

    /** Asterisk-Java's connection with a way to drop a socket that stopped answering, so that it reconnects. */
    private static final class HubManagerConnection extends ManagerConnectionImpl {
        void drop() {
            disconnect();
        }
    }

    private final PbxSettings settings;
    private final Consumer<Object> events;
    private final HubManagerConnection conn = new HubManagerConnection();
    private final LinkedBlockingQueue<Pending> originates = new LinkedBlockingQueue<>();
    /**
     * Sessions ended since their originates were queued, most recent last: the pacer sends
     * none of theirs. Bounded, because a session's originates wait seconds at most.
     */
    private volatile java.util.function.BiPredicate<String, Long> stillToDial = (session, participant) -> true;
    private final Map<String, Boolean> withdrawn = new java.util.LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > 10_000;
        }
    };
    /** The channel ids of the originates queued and not yet sent or dropped (the queue alone misses the one in the pacer's hand). */
    private final Map<String, Integer> waiting = new java.util.concurrent.ConcurrentHashMap<>();
    /**
     * When (System.nanoTime) a routine reconciliation was put on the event stream and is not done
     * yet, 0 if none: the next waits for it, but no longer than two intervals (one that never
     * reached the stream, which was full, must not stop them for good).
     */
    private volatile long routineQueuedAt;
    /** When recent originates went out (channel id, epoch ms), most recent last; bounded like {@link #withdrawn}. */
    private final Map<String, Long> sent = new java.util.LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > 10_000;
        }
    };
    private volatile String status = "not started";
    private volatile String eventFilter = "not asked yet";
    /** Logins given up on for want of FullyBooted since the PBX was last ready. */
    private volatile int bootRelogins;
    private final PbxReadiness readiness;
    private volatile boolean loggedInOnce;
    private volatile long reconcileEveryMs;
    private volatile boolean stopping;
    private volatile ScheduledExecutorService watchdog;
    private Thread pacer;
    private Thread login;

    public PbxConnection(PbxSettings settings, Consumer<Object> events) {
        this.settings = settings;
        this.events = events;
        this.readiness = new PbxReadiness(settings.waitForFullyBooted());
        conn.setHostname(settings.host());
        conn.setPort(settings.port());
        conn.setUsername(settings.username());
        conn.setPassword(settings.password());
        conn.setDefaultResponseTimeout(settings.responseTimeoutMs());
        conn.setDefaultEventTimeout(settings.responseTimeoutMs());
        conn.setSocketTimeout((int) settings.responseTimeoutMs());
        conn.registerUserEventClass(ConfbridgeRecordEvent.class);
        conn.registerUserEventClass(ConfbridgeStopRecordEvent.class);
        conn.addEventListener(this::onEvent);
    }

    @Override
    protected void doStart() {
        stopping = false;
        loggedInOnce = false;
        readiness.reset();
        eventFilter = "not asked yet";
        status = "connecting to " + settings.host() + ":" + settings.port();
        // Before the login: its ConnectEvent hands the event filter to this executor.
        watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pbx-ping");
            t.setDaemon(true);
            return t;
        });
        login = new Thread(this::loginUntilDone, "pbx-login");
        login.setDaemon(true);
        login.start();
        pacer = new Thread(this::pace, "pbx-originate-pacer");
        pacer.setDaemon(true);
        pacer.start();
        watchdog.scheduleWithFixedDelay(this::ping, settings.pingIntervalMs(), settings.pingIntervalMs(), TimeUnit.MILLISECONDS);
        if (reconcileEveryMs > 0) {
            watchdog.scheduleWithFixedDelay(this::reconcileRoutinely, reconcileEveryMs, reconcileEveryMs, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    protected void doStop() throws InterruptedException {
        stopping = true;
        watchdog.shutdownNow();
        login.interrupt();
        login.join(settings.responseTimeoutMs() * 2);
        pacer.interrupt();
        pacer.join(settings.responseTimeoutMs() * 2);
        // Logoff also ends Asterisk-Java's own reconnect loop, which would otherwise go on for the life of the JVM.
        ManagerConnectionState state = conn.getState();
        if (state == ManagerConnectionState.CONNECTED || state == ManagerConnectionState.RECONNECTING) {
            try {
                conn.logoff();
            } catch (RuntimeException e) {
                LOG.debug("Logoff at stop: {}", e.toString());
            }
        }
        // Originates never sent: their participants wait again, for the next start.
        Pending p;
        while ((p = originates.poll()) != null) {
            tell(p, new OriginateResult(false, true, false, "The hub stopped before the originate was sent."));
        }
        waiting.clear();
        status = "stopped";
    }

    /** Logged in; the PBX may still be booting (see {@link #isReady()}). */
    public boolean isConnected() {
        return conn.getState() == ManagerConnectionState.CONNECTED;
    }

    /** Logged in to a PBX that is fully booted: what dialling, listing and the health check wait for. */
    public boolean isReady() {
        return isConnected() && readiness.booted();
    }

    public String status() {
        return status;
    }

    public PbxSettings settings() {
        return settings;
    }

    private void loginUntilDone() {
        long delay = 500;
        while (!stopping && !loggedInOnce) {
            try {
                conn.login();
                return;
            } catch (AuthenticationFailedException e) {
                status = "login refused by the PBX for user " + settings.username() + ": " + e.getMessage();
                LOG.error("PBX {}: {}; retrying in {} ms (check pbx.username / PBX_PASSWORD)", settings.host(), status, delay);
            } catch (IOException | TimeoutException | IllegalStateException e) {
                status = "unreachable: " + e.getMessage();
                LOG.warn("PBX {}:{} unreachable ({}); retrying in {} ms", settings.host(), settings.port(), e.getMessage(), delay);
            }
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                return;
            }
            delay = Math.min(delay * 2, 30_000);
        }
    }

    private void onEvent(ManagerEvent e) {
        if (e instanceof ConnectEvent) {
            loggedInOnce = true;
            java.util.Optional<PbxReady> ready = readiness.loggedIn();
            if (ready.isPresent()) {
                ready(ready.get());
            } else {
                status = "logged in to " + settings.host() + ":" + settings.port() + " (Asterisk " + conn.getVersion()
                        + "), which is still booting: nothing is dialled until it reports FullyBooted";
                LOG.warn("PBX {}", status);
            }
            eventFilter = settings.eventFilter() ? "asked" : "off (pbx.event-filter=false)";
            if (settings.eventFilter()) {
                // Not on the thread that logged in: the answer comes through the same connection.
                try {
                    watchdog.execute(this::filterEvents);
                } catch (java.util.concurrent.RejectedExecutionException stopped) {
                    LOG.debug("Logged in while stopping: no event filter");
                }
            }
        } else if (e instanceof FullyBootedEvent booted) {
            LOG.info("PBX {}: Asterisk reports \"{}\" (FullyBooted)", settings.host(), booted.getStatus());
            readiness.fullyBooted().ifPresent(this::ready);
        } else if (e instanceof DisconnectEvent) {
            readiness.disconnected();
            if (!stopping) {
                status = "disconnected from " + settings.host() + ":" + settings.port() + ", reconnecting";
                LOG.warn("PBX {}", status);
            }
        } else {
            events.accept(e);
        }
    }

    /** The PBX became ready: say so, and have what happened meanwhile reconciled. */
    private void ready(PbxReady ready) {
        bootRelogins = 0;
        status = "connected to " + settings.host() + ":" + settings.port() + " (Asterisk " + conn.getVersion() + ")"
                + (settings.waitForFullyBooted() ? "" : ", taken as booted (pbx.wait-for-fully-booted=false)");
        LOG.info("PBX {}", status);
        events.accept(ready);
    }

    /**
     * Reconciles every {@code millis} while connected, too (0: only after a login): news lost
     * on the way (an event that could not be read, the event queue full after a long outage of
     * the session log) would otherwise leave a session open, and its reserved number bound,
     * for as long as the connection lasts. Before {@link #start}.
     */
    public void reconcileEvery(long millis) {
        this.reconcileEveryMs = millis;
    }

    private void reconcileRoutinely() {
        long queued = routineQueuedAt;
        if (stopping || queued != 0 && System.nanoTime() - queued < 2 * reconcileEveryMs * 1_000_000L) {
            return;
        }
        readiness.routine().ifPresent(ready -> {
            routineQueuedAt = System.nanoTime();
            events.accept(ready);
        });
    }

    /** The routine reconciliation on the event stream has been done: the next may be queued. */
    public void routineDone() {
        routineQueuedAt = 0;
    }

    /**
     * Asks for the reconciliation of {@code ready} again after {@code delayMs}, on the event
     * stream as before, unless the connection it was for is gone by then: the next one's
     * readiness brings its own.
     */
    public void reconcileAgain(PbxReady ready, long delayMs) {
        try {
            watchdog.schedule(() -> {
                if (!stopping && isConnected() && readiness.still(ready.connection())) {
                    events.accept(ready.again());
                } else {
                    LOG.info("PBX reconciliation not tried again: the connection it was for is gone, the next login brings its own");
                }
            }, delayMs, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            LOG.debug("Stopping: the reconciliation is not tried again");
        }
    }

    /**
     * Asks the PBX for this connection's events to be only those the hub reads. A new
     * connection starts without filters, so this follows every login. Whatever the answer, no
     * event the hub reads is held back: the one expression is in force, or none is.
     */
    private void filterEvents() {
        try {
            String version = reportedVersion();
            if (!readsExtendedFilters(version)) {
                // Read as a POSIX basic expression, the filter would match nothing: no event at all.
                eventFilter = "not asked: Asterisk " + (version == null ? "of a version it did not tell" : version)
                        + " (filters on 18.26, 20.11, 21.6, 22.1 and later)";
                LOG.info("PBX {}: events not filtered, {}", settings.host(), eventFilter);
                return;
            }
            // Not send(): the filter belongs to the login, a PBX still booting takes it too.
            ManagerResponse r = sendConnected(new FilterAction(PbxEvents.FILTER), settings.responseTimeoutMs());
            if (r instanceof ManagerError) {
                eventFilter = "refused: " + r.getMessage();
                LOG.warn("PBX {} refused the event filter ({}): the hub is sent every event its AMI user may read. Give the user"
                        + " write=system, or put the filter into manager.conf and set pbx.event-filter=false", settings.host(), r.getMessage());
            } else {
                eventFilter = "in force";
                LOG.info("PBX {}: only the events of the hub's own channels and of rooms are sent to it", settings.host());
            }
        } catch (RuntimeException e) {
            eventFilter = "no answer: " + e.getMessage();
            LOG.warn("PBX {}: the event filter got no answer ({}); events are filtered or not, and none the hub reads is held back",
                    settings.host(), e.getMessage());
        }
    }

    /**
     * The version the PBX reports (CoreSettings' AsteriskVersion, "18.20.2", "certified-22.8-cert1"),
     * or null when it does not answer or refuses (the user lacks reporting).
     */
    private String reportedVersion() {
        try {
            ManagerResponse r = sendConnected(new org.asteriskjava.manager.action.CoreSettingsAction(), settings.responseTimeoutMs());
            return r instanceof org.asteriskjava.manager.response.CoreSettingsResponse cs ? cs.getAsteriskVersion() : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * Whether this Asterisk compiles event filters as POSIX extended expressions, as
     * {@link PbxEvents#FILTER} is written. manager.c compiled them as basic ones ("the only
     * place we use non-REG_EXTENDED") until its event filtering rework (asterisk PR 874, merged
     * September 2024); in a basic expression the filter's groups and bounds are literal
     * characters and it matches no event at all. Where the rework was first released is told
     * two ways (18.25/20.10/21.5/22.0 in the pull request, 18.26/20.11/21.6/22.1 in the
     * documentation's): the later releases are taken. Only a version read as one of those or
     * later is asked: unknown means not asked, which costs load, where a wrong guess would cost
     * every event.
     */
    static boolean readsExtendedFilters(String version) {
        if (version == null) {
            return false;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(?:certified[/-])?(\\d+)\\.(\\d+)").matcher(version.trim());
        if (!m.find()) {
            return false;
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        return switch (major) {
            case 18 -> minor >= 26;
            case 19 -> false;
            case 20 -> minor >= 11;
            case 21 -> minor >= 6;
            case 22 -> minor >= 1;
            default -> major > 22;
        };
    }

    /** What became of the event filter at the last login: "in force", "refused: …", "not asked: …", "no answer: …". */
    public String eventFilter() {
        return eventFilter;
    }

    /** A Ping that must be answered in time; otherwise the socket is dropped and Asterisk-Java reconnects. */
    private void ping() {
        if (!isConnected()) {
            return;
        }
        long bootWait = Math.min(BOOT_WARNING_MS * (long) Math.pow(5, Math.min(bootRelogins, 6)), 30 * 60_000L);
        if (readiness.bootingLongerThan(bootWait) && !stopping) {
            bootRelogins++;
            // The FullyBooted at the end of a boot is an ordinary event, which an eventfilter in
            // manager.conf may hold back; the one Asterisk writes at a login once it has booted
            // is not filtered. So a login again, rather than waiting for as long as the connection lasts.
            LOG.warn("PBX {}: no FullyBooted {} s after the login: logging in again. Asterisk is still booting, an eventfilter"
                    + " holds FullyBooted back, or the AMI user {} may not read \"system\" events (FullyBooted is one). Calls"
                    + " wait until it arrives; for an AMI peer that never sends it set pbx.wait-for-fully-booted=false",
                    settings.host(), bootWait / 1000, settings.username());
            // Backed off (1 min, 5 min, 25 min, then every 30 min): a user that may not read
            // "system" never gets FullyBooted, and a login a minute for ever helps nobody.
            status = "no FullyBooted within " + bootWait / 1000 + " s of the login (does the AMI user " + settings.username()
                    + " read \"system\"?): logging in again";
            conn.drop();
            return;
        }
        try {
            ManagerResponse r = conn.sendAction(new PingAction(), settings.pingTimeoutMs());
            if (r instanceof ManagerError) {
                throw new IOException(r.getMessage());
            }
        } catch (Exception e) {
            if (!stopping && isConnected()) {
                status = "no answer to Ping within " + settings.pingTimeoutMs() + " ms: reconnecting";
                LOG.warn("PBX {}:{} {}", settings.host(), settings.port(), status);
                conn.drop();
            }
        }
    }

    /** Sends one action to a ready PBX and waits for its response; a PBX error response is returned, not thrown. */
    public ManagerResponse send(ManagerAction action) {
        AmiGuard.check(action);
        requireReady();
        return sendConnected(action, settings.responseTimeoutMs());
    }

    private void requireReady() {
        if (!isReady()) {
            throw new PbxUnavailableException("The PBX is not " + (isConnected() ? "ready" : "connected") + " (" + status + ").", null);
        }
    }

    private ManagerResponse sendConnected(ManagerAction action, long timeoutMs) {
        if (!isConnected()) {
            throw new PbxUnavailableException("The PBX is not connected (" + status + ").", null);
        }
        try {
            ManagerResponse r = conn.sendAction(action, timeoutMs);
            if (r == null) {
                throw new PbxUnavailableException("The PBX did not answer " + action.getAction() + ".", null);
            }
            return r;
        } catch (IOException | TimeoutException | IllegalStateException e) {
            throw new PbxUnavailableException("The PBX did not take " + action.getAction() + ": " + e.getMessage(), e);
        }
    }

    /** Sends a listing action to a ready PBX and waits for its list of events. */
    public ResponseEvents list(EventGeneratingAction action) {
        return list(action, settings.responseTimeoutMs());
    }

    /** {@link #list(EventGeneratingAction)}, waiting up to {@code timeoutMs} for the whole list. */
    public ResponseEvents list(EventGeneratingAction action, long timeoutMs) {
        AmiGuard.check(action);
        requireReady();
        try {
            return conn.sendEventGeneratingAction(action, timeoutMs);
        } catch (IOException | TimeoutException | IllegalStateException e) {
            throw new PbxUnavailableException("The PBX did not list " + action.getAction() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Queues an originate; the pacer sends it within the rate limit and tells {@code then}
     * (on its own thread) whether Asterisk queued it. Values are checked here, so a bad one
     * is refused before anything is queued.
     */
    public void originate(OriginateAction action, Consumer<OriginateResult> then) {
        AmiGuard.check(action);
        if (action.getChannelId() != null) {
            // Counted: a participant dialled again has the same channel id.
            waiting.merge(action.getChannelId(), 1, Integer::sum);
        }
        originates.add(new Pending(action, then));
    }

    /**
     * The session has ended: an originate of it still waiting for the pacer is dropped instead
     * of ringing someone into a session that is over (its participant stays as the log has it).
     */
    public void withdraw(String sessionId) {
        synchronized (withdrawn) {
            withdrawn.put(sessionId, Boolean.TRUE);
        }
    }

    /**
     * Asks before each originate whether its participant is still to be dialled: the session
     * log knows of ends and removals this instance never saw (another hub instance handled
     * them), and of removals, which {@link #withdraw} does not cover.
     */
    public void askBeforeDialling(java.util.function.BiPredicate<String, Long> stillToDial) {
        this.stillToDial = stillToDial;
    }

    private boolean withdrawn(Pending p) {
        HubChannelId id = HubChannelId.parse(p.action().getChannelId()).orElse(null);
        if (id == null) {
            return false;
        }
        boolean ended;
        synchronized (withdrawn) {
            ended = withdrawn.containsKey(id.sessionId());
        }
        if (ended) {
            LOG.info("Originate {} not sent: its session ended before its turn", p.action().getChannelId());
        }
        return ended;
    }

    private boolean unwanted(Pending p) {
        HubChannelId id = HubChannelId.parse(p.action().getChannelId()).orElse(null);
        try {
            if (id == null || stillToDial.test(id.sessionId(), id.participantId())) {
                return false;
            }
        } catch (RuntimeException e) {
            // The pacer thread must outlive any question it asks.
            LOG.warn("Originate {}: could not ask whether it is still wanted ({}): sending it", p.action().getChannelId(), e.toString());
            return false;
        }
        LOG.info("Originate {} not sent: the session log says its session is over or its participant no longer in it",
                p.action().getChannelId());
        return true;
    }

    public int originatesWaiting() {
        return originates.size();
    }

    /**
     * The hub channel ids of this instance's originates that the PBX cannot know of yet: still
     * waiting for the pacer, or sent at or after {@code since}. A reconciliation must not take
     * their absence on the PBX for a call that ended while the hub was away.
     */
    public Set<HubChannelId> notYetOnThePbx(java.time.Instant since) {
        Set<HubChannelId> out = new HashSet<>();
        // Waiting first, sent second: an originate is noted as sent before it stops waiting, so none slips between the two reads.
        for (String channelId : waiting.keySet()) {
            HubChannelId.parse(channelId).ifPresent(out::add);
        }
        long from = since.toEpochMilli();
        synchronized (sent) {
            sent.forEach((channelId, at) -> {
                if (at >= from) {
                    HubChannelId.parse(channelId).ifPresent(out::add);
                }
            });
        }
        return out;
    }

    private void pace() {
        long intervalNanos = (long) (1_000_000_000L / settings.originatesPerSecond());
        long next = System.nanoTime();
        while (!stopping) {
            Pending p;
            try {
                p = originates.take();
            } catch (InterruptedException e) {
                return;
            }
            try {
                if (withdrawn(p)) {
                    continue;
                }
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                if (withdrawn(p) || unwanted(p)) {
                    continue;
                }
                next = Math.max(next, System.nanoTime() - intervalNanos) + intervalNanos;
                tell(p, originateNow(p));
            } catch (InterruptedException e) {
                // Stopping: like the originates still queued, this one waits again for the next start.
                tell(p, new OriginateResult(false, true, false, "The hub stopped before the originate was sent."));
                return;
            } finally {
                if (p.action().getChannelId() != null) {
                    waiting.computeIfPresent(p.action().getChannelId(), (id, n) -> n > 1 ? n - 1 : null);
                }
            }
        }
    }

    /** Sends the originate (noting when, before it stops waiting: see {@link #notYetOnThePbx}); what became of it. */
    private OriginateResult originateNow(Pending p) {
        if (!isReady()) {
            // Also while it boots: Asterisk would answer "Extension does not exist." until its dialplan is loaded.
            return new OriginateResult(false, true, false, "The PBX is not " + (isConnected() ? "ready" : "connected") + " ("
                    + status + ").");
        }
        if (p.action().getChannelId() != null) {
            synchronized (sent) {
                sent.put(p.action().getChannelId(), System.currentTimeMillis());
            }
        }
        try {
            ManagerResponse r = send(p.action());
            return r instanceof ManagerError ? new OriginateResult(false, false, false, r.getMessage())
                    : new OriginateResult(true, false, false, r.getMessage());
        } catch (PbxUnavailableException e) {
            // Written, but no answer: sending it again could dial the participant twice.
            return new OriginateResult(false, false, true, e.getMessage());
        }
    }

    private static void tell(Pending p, OriginateResult result) {
        try {
            p.then().accept(result);
        } catch (RuntimeException e) {
            LOG.error("Recording the outcome of an originate failed", e);
        }
    }

    /** The PBX connection as a Camel health check: UP while logged in to a fully booted PBX. */
    public ReadinessCheck healthCheck() {
        return new ReadinessCheck("pbx", () -> new ReadinessCheck.Reading(isReady(), "PBX " + status, Map.<String, Object>of("pbx.status", status,
                "pbx.fully-booted", readiness.booted())));
    }
}
