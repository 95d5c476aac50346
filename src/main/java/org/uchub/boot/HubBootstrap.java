package org.uchub.boot;

import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.model.errorhandler.NoErrorHandlerDefinition;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.support.ResourceHelper;
import java.nio.charset.StandardCharsets;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.component.jms.JmsComponent;
import org.apache.camel.spring.spi.SpringTransactionPolicy;
import org.springframework.jms.connection.CachingConnectionFactory;
import org.springframework.jms.connection.JmsTransactionManager;
import java.util.Map;
import java.util.Set;
import org.uchub.broker.BrokerUsers;
import org.uchub.broker.TenantStampGate;
import org.uchub.sessionlog.DutyLease;
import org.uchub.pbx.Calls;
import org.uchub.pbx.Conferences;
import org.uchub.pbx.Dialer;
import org.uchub.pbx.PbxConnection;
import org.uchub.pbx.PbxEvents;
import org.uchub.pbx.PbxSettings;
import org.uchub.pbx.Reconciler;
import org.uchub.pbx.Recordings;
import org.uchub.pbx.sim.AmiSimulator;
import org.uchub.fax.FaxChannel;
import org.uchub.fax.FaxMail;
import org.uchub.fax.FaxOutbox;
import org.uchub.fax.FaxReports;
import org.uchub.fax.FaxSettings;
import org.uchub.xmpp.ImChannel;
import org.uchub.xmpp.ImOutbox;
import org.uchub.xmpp.ImReplies;
import org.uchub.xmpp.XmppConnection;
import org.uchub.xmpp.XmppSettings;
import org.uchub.sessionlog.ChannelProgress;
import org.uchub.soap.SoapEndpoint;
import org.uchub.soap.SoapRequests;
import org.uchub.broker.EmbeddedBroker;
import org.uchub.broker.HubSecurityManager;
import org.uchub.channel.NotConnectedChannel;
import org.uchub.ingress.JmsRequests;
import org.uchub.ingress.StrictJmsHeaderFilter;
import org.uchub.directory.Directory;
import org.uchub.enrich.Enricher;
import org.uchub.ingress.InboxFiles;
import org.uchub.request.ContractCodec;
import org.uchub.request.Rejections;
import org.uchub.request.RequestRules;
import org.uchub.sessionlog.Database;
import org.uchub.sessionlog.EventOutbox;
import org.uchub.sessionlog.NumberPool;
import org.uchub.sessionlog.RequestLedger;
import org.uchub.sessionlog.SessionLog;
import org.uchub.sessionlog.SessionLogRetention;

/**
 * Wires the hub into a CamelContext: the beans the routes call (by the names used in
 * {@code routes/*.xml}), the route files themselves, and their reloading. The same class
 * configures the running hub and every test, so tests exercise the real wiring.
 */
public class HubBootstrap implements CamelConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(HubBootstrap.class);
    private static final String DEV_BROKER_PASSWORD = "uchub-dev-password";

    @Override
    public void configure(CamelContext context) throws Exception {
        // Failures are answered where they happen: the dispatcher's doTry turns them into error
        // replies and an ingress keeps what it could not hand over. Camel's default handler
        // would log each of those, answered or not, as an error with a stack trace.
        context.getCamelContextExtension().setErrorHandlerFactory(new NoErrorHandlerDefinition());
        PropertiesComponent pc = context.getPropertiesComponent();
        checkFlags(pc);
        // Before anything is made or started: a refused hub leaves no broker or folders behind.
        refuseShippedUsers(pc);
        Path dataDir = Path.of(prop(pc, "hub.data.dir"));
        Files.createDirectories(dataDir);
        Files.createDirectories(Path.of(prop(pc, "hub.inbox.dir")));
        Files.createDirectories(Path.of(prop(pc, "hub.outbox.dir")));
        // The hub's own before a business system writing the inbox's top could put links there.
        org.uchub.ingress.RealFolders.make(Path.of(prop(pc, "hub.inbox.dir")), ".done");
        org.uchub.ingress.RealFolders.make(Path.of(prop(pc, "hub.inbox.dir")), ".error");
        listedTenantFolders(pc);

        HikariDataSource ds = Database.open(prop(pc, "hub.db.url"), prop(pc, "hub.db.user"), prop(pc, "hub.db.password"),
                intProp(pc, "hub.db.pool-size"), intProp(pc, "hub.db.group-commit"));
        // Closed after the routes have stopped, so in-flight requests can still commit.
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                ds.close();
            }
        }, true, true);

        int maxBytes = intProp(pc, "hub.request.max-bytes");
        ContractCodec codec = new ContractCodec(maxBytes);
        NumberPool pool = new NumberPool(prop(pc, "hub.pool.numbers"));
        SessionLog log = new SessionLog(ds, pool, Clock.systemUTC());
        log.limitQueries(Integer.parseInt(pc.resolveProperty("hub.query.max-sessions").orElse("20")),
                Integer.parseInt(pc.resolveProperty("hub.query.max-events").orElse("250")));
        Directory directory = new Directory(Path.of(prop(pc, "hub.directory.file")));

        bind(context, "dataSource", ds);
        register(context, new org.uchub.sessionlog.SessionLogCheck(ds).healthCheck());
        bind(context, "contractCodec", codec);
        bind(context, "requestRules", new RequestRules(intProp(pc, "hub.rules.max-participants"),
                intProp(pc, "hub.rules.max-document-bytes"), intProp(pc, "hub.rules.max-text-length"),
                intProp(pc, "hub.rules.max-subject-length")));
        bind(context, "directory", directory);
        bind(context, "enricher", new Enricher(directory, log));
        bind(context, "sessionLog", log);
        bind(context, "requestLedger", new RequestLedger(ds, log, codec));
        bind(context, "rejections", new Rejections(log));
        Duties duties = new Duties(ds, pc);
        EventOutbox events = new EventOutbox(ds, codec, intProp(pc, "events.batch-size"));
        events.publishOnlyWith(dutyWhileRunning(context, duties.lease("events")));
        bind(context, "eventOutbox", events);
        bind(context, "notConnectedChannel", new NotConnectedChannel(log));
        InboxFiles inboxFiles = new InboxFiles(Path.of(prop(pc, "hub.inbox.dir")), Path.of(prop(pc, "hub.outbox.dir")),
                prop(pc, "hub.inbox.default-tenant"), prop(pc, "hub.inbox.tenants"), intProp(pc, "hub.rules.max-document-bytes"), maxBytes, codec);
        bind(context, "inboxListing", new org.uchub.ingress.InboxListing(Long.parseLong(prop(pc, "hub.inbox.min-age-ms")), Long.parseLong(
                pc.resolveProperty("hub.inbox.empty-min-age-ms").orElse("60000")), prop(pc, "hub.inbox.exclude"),
                inboxFiles));
        bind(context, "inboxFiles", inboxFiles);
        bind(context, "sameFileCommit", new org.uchub.ingress.SameFileCommit());
        long day = EmbeddedBroker.Retention.DAY_MS;
        bind(context, "fileRetention", org.uchub.ingress.FileRetention.of(Path.of(prop(pc, "hub.inbox.dir")),
                Path.of(prop(pc, "hub.outbox.dir")), durationMs(pc, "hub.inbox.done-retention-days", day, 30 * day),
                durationMs(pc, "hub.inbox.error-retention-days", day, 14 * day), durationMs(pc, "hub.outbox.retention-days", day, 30 * day),
                Clock.systemUTC()));
        bind(context, "folderRequests", new org.uchub.ingress.FolderRequests(maxBytes));

        boolean embeddedBroker = pc.resolveProperty("broker.url").orElse("").isBlank();
        boolean stamped = embeddedBroker || flag(pc, "broker.external.plugins", false);
        bind(context, "jmsRequests", new JmsRequests(prop(pc, "jms.dead-letter-queue"), maxBytes, stamped,
                durationMs(pc, "jms.reply-time-to-live-hours", 60L * 60 * 1000, JmsRequests.DEFAULT_REPLY_TIME_TO_LIVE_MS)));
        bind(context, org.uchub.ingress.ReplyCorrelation.BEAN, new org.uchub.ingress.ReplyCorrelation());
        configureJms(context, pc);
        configureSoap(context, pc, codec);
        ChannelProgress progress = new ChannelProgress(ds, log, pool);
        bind(context, "channelProgress", progress);
        configurePbx(context, pc, progress);
        configureXmpp(context, pc, ds, progress, directory, duties);
        configureFax(context, pc, ds, progress, duties);
        configureRetention(context, pc, ds, duties);

        loadRoutes(context, pc);
        HealthSettings health = healthSettings(pc);
        if (health != null) {
            // Down while the hub starts or stops: it answers 503 until the context has started.
            context.addService(new org.uchub.health.HealthEndpoint(context, health.host(), health.port(), health.details()), true, true);
        }
    }

    /** Where the health endpoint listens and whether it says why a check is down. */
    record HealthSettings(String host, int port, boolean details) {
    }

    /**
     * The health endpoint's keys, or null with {@code hub.health.enabled=false}. Each has its
     * default here too (127.0.0.1, 8081, details off), so that a configuration of one's own
     * older than these keys still starts; a value that is not true or false stops the start.
     */
    static HealthSettings healthSettings(PropertiesComponent pc) {
        if (!flag(pc, "hub.health.enabled", true)) {
            return null;
        }
        String host = pc.resolveProperty("hub.health.host").map(String::trim).filter(h -> !h.isEmpty()).orElse("127.0.0.1");
        return new HealthSettings(host, intProp(pc, "hub.health.port", 8081), flag(pc, "hub.health.details", false));
    }

    /**
     * The session log's retention: the bean {@code routes/housekeeping.xml} calls, the lease
     * that lets one of several instances purge at a time, and the two values that route reads
     * derived from the keys ({@code hub.session-log.purge-enabled}: with a retention of 0 the
     * route is not made at all, so no timer runs and no lease is taken).
     */
    private static void configureRetention(CamelContext context, PropertiesComponent pc, javax.sql.DataSource ds, Duties duties) {
        SessionLogRetention.Settings s = sessionLogRetention(pc);
        SessionLogRetention retention = new SessionLogRetention(ds, Clock.systemUTC(), s);
        bind(context, "sessionLogRetention", retention);
        bind(context, "sessionLogPurgeDuty", new org.uchub.sessionlog.DutyRoutePolicy(duties.lease("session-log-purge")));
        pc.addOverrideProperty("hub.session-log.purge-enabled", Boolean.toString(s.enabled()));
        pc.addOverrideProperty("hub.session-log.purge-period-ms", Long.toString(s.interval().toMillis()));
        // Told before the routes stop: a long first purge would otherwise hold the stop for its whole timeout.
        context.addLifecycleStrategy(new org.apache.camel.support.LifecycleStrategySupport() {
            @Override
            public void onContextStopping(CamelContext ctx) {
                retention.stop();
            }
        });
        if (s.enabled()) {
            LOG.info("Session log retention: business IDs finished and silent for {} day(s) are purged every {} minute(s)",
                    pc.resolveProperty("hub.session-log.retention-days").orElse("").trim(),
                    pc.resolveProperty("hub.session-log.purge-interval-minutes").orElse("60").trim());
        }
    }

    /**
     * The retention's keys, checked at start. A configuration older than them starts with the
     * defaults: keep for ever, purge hourly once a retention is set, 100 business IDs a batch.
     */
    static SessionLogRetention.Settings sessionLogRetention(PropertiesComponent pc) {
        long retentionMs = durationMs(pc, "hub.session-log.retention-days", Duration.ofDays(1).toMillis(), 0);
        if (retentionMs > 0 && retentionMs < SessionLogRetention.SHORTEST.toMillis()) {
            throw new IllegalStateException("Configuration property hub.session-log.retention-days must be 0 (keep for ever) or at"
                    + " least 1, not \"" + pc.resolveProperty("hub.session-log.retention-days").orElse("").trim() + "\": a business ID's"
                    + " requestIds go with it, so a request resent after the retention is applied anew");
        }
        long intervalMs = durationMs(pc, "hub.session-log.purge-interval-minutes", 60_000, Duration.ofHours(1).toMillis());
        if (intervalMs == 0) {
            throw new IllegalStateException("Configuration property hub.session-log.purge-interval-minutes must be more than 0");
        }
        String batch = pc.resolveProperty("hub.session-log.purge-batch-size").map(String::trim).filter(v -> !v.isEmpty()).orElse("50");
        int batchSize;
        try {
            batchSize = Integer.parseInt(batch);
        } catch (NumberFormatException e) {
            batchSize = -1;
        }
        if (batchSize < 1 || batchSize > 10_000) {
            throw new IllegalStateException("Configuration property hub.session-log.purge-batch-size must be a whole number from 1 to"
                    + " 10000, not \"" + batch + "\"");
        }
        return new SessionLogRetention.Settings(Duration.ofMillis(retentionMs), Duration.ofMillis(intervalMs), batchSize);
    }

    /**
     * Checked here: Artemis takes any size from 1 KiB, but a journal file smaller than its write
     * buffer (about 490 KiB) lowers the largest message it can hold, and one over 2 GiB overflows.
     */
    static int journalFileSizeKib(PropertiesComponent pc) {
        int kib = Integer.parseInt(pc.resolveProperty("broker.journal.file-size-kib")
                .orElse(String.valueOf(EmbeddedBroker.Settings.JOURNAL_FILE_SIZE_KIB)).trim());
        if (kib < 1024 || kib > 1024 * 1024) {
            throw new IllegalArgumentException("broker.journal.file-size-kib must be 1024 (1 MiB) to 1048576 (1 GiB), not " + kib);
        }
        return kib;
    }

    /**
     * The PBX: the AMI connection (started once the routes run, so that its events have a
     * consumer), the beans the channel and event routes call, its health check, and in
     * simulator mode the AMI simulator it connects to over TCP.
     */
    private static void configurePbx(CamelContext context, PropertiesComponent pc, ChannelProgress progress) throws Exception {
        PbxSettings s = new PbxSettings(prop(pc, "pbx.mode"), prop(pc, "pbx.host"), intProp(pc, "pbx.port"), prop(pc, "pbx.username"),
                pc.resolveProperty("pbx.password").orElse(""), prop(pc, "pbx.dial-template"), prop(pc, "pbx.context.call"),
                prop(pc, "pbx.context.conference"), prop(pc, "pbx.caller-id"), prop(pc, "pbx.profile.bridge"),
                prop(pc, "pbx.profile.video-bridge"), prop(pc, "pbx.profile.user"), prop(pc, "pbx.profile.chair"),
                pc.resolveProperty("pbx.announcement").orElse(""), Path.of(prop(pc, "pbx.recordings.dir")),
                prop(pc, "pbx.recordings.pbx-dir"), Double.parseDouble(prop(pc, "pbx.originates-per-second")),
                intProp(pc, "pbx.ring-timeout-seconds"), Long.parseLong(prop(pc, "pbx.ping-interval-ms")),
                Long.parseLong(prop(pc, "pbx.ping-timeout-ms")), Long.parseLong(prop(pc, "pbx.response-timeout-ms")),
                Long.parseLong(prop(pc, "pbx.retry.give-up-ms")), flag(pc, "pbx.event-filter", true),
                flag(pc, "pbx.wait-for-fully-booted", true));
        Files.createDirectories(s.recordingsDir());
        if (!PbxSettings.SIMULATOR.equals(s.mode()) && !Path.of(prop(pc, "pbx.recordings.pbx-dir")).isAbsolute()) {
            // Asterisk writes the path it is given on its own host, and says "started" whether or
            // not it can: a path made on the hub's machine is right only when both share it there.
            LOG.warn("pbx.recordings.pbx-dir is relative: Asterisk is told to record into {}, as this machine resolves it. If"
                    + " Asterisk runs on another host, set it to the shared directory as Asterisk sees it, or the recordings"
                    + " it reports never appear in {}", s.recordFile(""), s.recordingsDir().toAbsolutePath());
        }
        if (PbxSettings.SIMULATOR.equals(s.mode())) {
            // The permissions of config/asterisk/manager.conf's hub user: what the hub needs, nothing more.
            AmiSimulator simulator = new AmiSimulator(s.host(), s.port(),
                    Map.of(s.username(), new AmiSimulator.User(s.password(), Set.of("call", "system"),
                            Set.of("originate", "call", "reporting", "system"))),
                    s.conferenceContext(), s.callContext(), Long.parseLong(prop(pc, "pbx.simulator.ring-ms")),
                    prop(pc, "pbx.simulator.script"), s.recordingsDir()).start();
            bind(context, "amiSimulator", simulator);
            context.addService(new ServiceSupport() {
                @Override
                protected void doStop() {
                    simulator.stop();
                }
            }, true, true);
        }
        // The queues behind pbx.events.endpoint and xmpp.inbound.endpoint: the hub's, so that what
        // waits in them is not dropped with the endpoint when their route file is reloaded.
        bind(context, "pbxEventQueue", new java.util.concurrent.LinkedBlockingQueue<org.apache.camel.Exchange>(1_000_000));
        bind(context, "xmppInboundQueue", new java.util.concurrent.LinkedBlockingQueue<org.apache.camel.Exchange>(100_000));
        String eventsUri = prop(pc, "pbx.events.endpoint");
        if (eventsUri.startsWith("seda:") && !eventsUri.contains("queue=#pbxEventQueue")) {
            LOG.warn("pbx.events.endpoint has a queue of its own: PBX events waiting in it are dropped when routes/pbx-events.xml"
                    + " is reloaded (use queue=#pbxEventQueue, as the shipped configuration)");
        }
        org.apache.camel.ProducerTemplate events = context.createProducerTemplate();
        PbxConnection pbx = new PbxConnection(s, event -> {
            try {
                events.sendBody(eventsUri, event);
            } catch (RuntimeException e) {
                LOG.error("A PBX event could not be queued for the session log: {} ({})", event, e.getMessage());
            }
        });
        pbx.askBeforeDialling(progress::stillToDial);
        // A configuration older than the key still starts, with the default.
        pbx.reconcileEvery((long) (Double.parseDouble(pc.resolveProperty("pbx.reconcile-interval-minutes").orElse("10")) * 60_000));
        Dialer dialer = new Dialer(pbx, progress);
        bind(context, "pbxConnection", pbx);
        bind(context, "dialer", dialer);
        bind(context, "pbxEvents", new PbxEvents());
        bind(context, "pbxEventBatch", new org.uchub.pbx.PbxEventBatch(Integer.parseInt(prop(pc, "pbx.events.batch"))));
        bind(context, "pbxReconciler", new Reconciler(pbx, progress));
        bind(context, "conferences", new Conferences(dialer));
        bind(context, "calls", new Calls(dialer));
        bind(context, "recordings", new Recordings(progress, s.recordingsDir(), Long.parseLong(prop(pc, "pbx.recordings.max-bytes")),
                intProp(pc, "pbx.recordings.max-concurrent", 2), 5_000));
        // The connection's first event is the reconciliation request, so it starts once the routes run.
        connectOnceRoutesRun(context, pbx.healthCheck(), () -> {
            if (!pbx.isStarted()) {
                pbx.start();
            }
        }, pbx::stop);
    }

    /**
     * Registers a connection's health check and starts it once the routes run (so what it
     * receives has a consumer); stops it with the context.
     */
    private static void connectOnceRoutesRun(CamelContext context, org.apache.camel.impl.health.AbstractHealthCheck health, Runnable start,
            Runnable stop) throws Exception {
        register(context, health);
        context.addStartupListener(new org.apache.camel.StartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext ctx, boolean alreadyStarted) {
                // not yet: the routes are not running
            }

            @Override
            public void onCamelContextFullyStarted(CamelContext ctx, boolean alreadyStarted) {
                start.run();
            }
        });
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                stop.run();
            }
        }, true, true);
    }

    /**
     * The IM channel: the hub's XMPP connection (started once the routes run, so what arrives
     * has a consumer; not started at all when no server is configured), its outbox, the beans
     * the IM routes call, and its health check.
     */
    private static void configureXmpp(CamelContext context, PropertiesComponent pc, javax.sql.DataSource ds, ChannelProgress progress,
            Directory directory, Duties duties) throws Exception {
        String truststore = pc.resolveProperty("xmpp.tls.truststore").orElse("");
        XmppSettings s = new XmppSettings(pc.resolveProperty("xmpp.host").orElse(""), intProp(pc, "xmpp.port"),
                pc.resolveProperty("xmpp.domain").orElse(""), prop(pc, "xmpp.username"), pc.resolveProperty("xmpp.password").orElse(""),
                prop(pc, "xmpp.resource"), pc.resolveProperty("xmpp.muc-service").orElse(""), prop(pc, "xmpp.tls"),
                truststore.isBlank() ? null : Path.of(truststore), pc.resolveProperty("xmpp.tls.truststore-password").orElse(""),
                prop(pc, "xmpp.room.nickname"), flag(pc, "xmpp.room.require-members-only", true),
                Long.parseLong(prop(pc, "xmpp.reply-timeout-ms")), Long.parseLong(prop(pc, "xmpp.retry.interval-ms")),
                Long.parseLong(prop(pc, "xmpp.retry.give-up-ms")), Long.parseLong(prop(pc, "xmpp.receipt-wait-ms")),
                prop(pc, "xmpp.room.closing-line"), Long.parseLong(prop(pc, "xmpp.conflict.wait-ms")));
        String inboundUri = prop(pc, "xmpp.inbound.endpoint");
        org.apache.camel.ProducerTemplate inbound = context.createProducerTemplate();
        XmppConnection xmpp = new XmppConnection(s, m -> {
            try {
                inbound.sendBody(inboundUri, m);
            } catch (RuntimeException e) {
                LOG.error("An XMPP message from {} could not be queued for the session log: {}", m.from(), e.getMessage());
            }
        });
        ImOutbox outbox = new ImOutbox(ds);
        ImChannel im = new ImChannel(xmpp, outbox, progress, directory);
        xmpp.onConnected(im::rejoinRooms);
        bind(context, "xmppConnection", xmpp);
        bind(context, "im", im);
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                im.stop();
            }
        }, true, true);
        bind(context, "imReplies", new ImReplies(outbox, progress, s.xmppDomain(), xmpp::occupantJid, s.retryGiveUpMs(),
                s.retryIntervalMs()));
        bind(context, "imIdleEnd", new org.uchub.xmpp.IdleImSessions(progress, outbox, im, xmpp, s.closingLine(),
                durationMs(pc, "xmpp.idle.end-after-hours", 3_600_000L, 168 * 3_600_000L)));
        if (!s.configured()) {
            LOG.info("No XMPP server configured (xmpp.host): IM requests fail with XMPP_NOT_CONFIGURED");
            return;
        }
        DutyLease account = duties.lease("xmpp");
        xmpp.holdOnlyWith(account);
        connectOnceRoutesRun(context, xmpp.healthCheck(), () -> {
            account.start();
            xmpp.start();
        }, () -> {
            xmpp.stop();
            account.stop();
        });
    }

    /** Takes part in the duty's lease while the hub runs, and hands the duty back when it stops. */
    private static DutyLease dutyWhileRunning(CamelContext context, DutyLease lease) throws Exception {
        context.addService(new ServiceSupport() {
            @Override
            protected void doStart() {
                lease.start();
            }

            @Override
            protected void doStop() {
                lease.stop();
            }
        }, true, true);
        return lease;
    }

    /**
     * The duties only one of several hub instances sharing a session log may do at a time
     * ({@code hub.duty.leases}: auto takes leases unless the log is an embedded H2 database,
     * which no other process can open).
     */
    static final class Duties {
        private final javax.sql.DataSource ds;
        private final String instance;
        private final int seconds;
        private final boolean leases;

        Duties(javax.sql.DataSource ds, PropertiesComponent pc) {
            this.ds = ds;
            this.seconds = intProp(pc, "hub.duty.lease-seconds");
            String mode = prop(pc, "hub.duty.leases").trim();
            boolean shareable = !(ds instanceof org.uchub.sessionlog.SessionLogDataSource s && s.onlyThisProcessOpens());
            this.leases = switch (mode) {
                case "on" -> true;
                case "off" -> false;
                case "auto" -> shareable;
                default -> throw new IllegalStateException("hub.duty.leases must be auto, on or off, not " + mode);
            };
            // Named only when there are leases to name it in: a read-only data directory is no reason not to start otherwise.
            this.instance = leases ? instanceName(pc) : "this hub";
        }

        DutyLease lease(String duty) {
            return leases ? new DutyLease(ds, duty, instance, seconds) : DutyLease.sole(duty, instance);
        }
    }

    /**
     * This instance's name in the duty leases: {@code hub.instance-id}, or the host name and a
     * random id kept in the data directory (each instance has its own, for its broker journal and
     * file drop), which stays the same when the hub restarts there. Two instances with one name
     * would both hold every duty.
     */
    static String instanceName(PropertiesComponent pc) {
        String configured = pc.resolveProperty("hub.instance-id").orElse("").trim();
        if (!configured.isEmpty()) {
            if (configured.length() > 200 || !configured.chars().allMatch(ch -> ch > 0x20 && ch < 0x7f)) {
                throw new IllegalStateException("hub.instance-id must be 1 to 200 printable ASCII characters without spaces");
            }
            return configured;
        }
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException e) {
                host = "host";
            }
        }
        host = host.replaceAll("[^A-Za-z0-9.-]", "_");
        host = host.length() > 100 ? host.substring(0, 100) : host;
        Path file = Path.of(prop(pc, "hub.data.dir")).resolve("instance-id");
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            for (int attempt = 0; attempt < 3; attempt++) {
                String id = "";
                try {
                    id = Files.exists(file) ? Files.readString(file).trim() : "";
                } catch (java.nio.charset.MalformedInputException garbled) {
                    Files.deleteIfExists(file);
                }
                if (id.matches("[0-9a-f-]{36}")) {
                    return host + ":" + id;
                }
                if (!id.isEmpty() || Files.exists(file)) {
                    Files.deleteIfExists(file); // left half written by a crash: a new id
                }
                try {
                    // Created whole or not at all: a second process racing here reads the first one's id.
                    Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), "instance-id", ".tmp");
                    Files.writeString(tmp, java.util.UUID.randomUUID() + "\n");
                    try {
                        Files.createLink(file, tmp);
                    } catch (UnsupportedOperationException noLinks) {
                        Files.move(tmp, file);
                    } finally {
                        Files.deleteIfExists(tmp);
                    }
                } catch (java.nio.file.FileAlreadyExistsException raced) {
                    // another process made it: read that one
                }
            }
            throw new IllegalStateException("cannot settle this instance's id in " + file);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot keep this instance's id in " + file + " (set hub.instance-id): " + e.getMessage(), e);
        }
    }

    /**
     * The fax channel: its outbox and the beans the fax routes call. The SMTP and IMAP
     * endpoints are in {@code routes/channel-fax.xml}; the status poller runs only when
     * {@code fax.status.host} is set ({@code fax.status.enabled} is derived from it).
     */
    private static void configureFax(CamelContext context, PropertiesComponent pc, javax.sql.DataSource ds, ChannelProgress progress,
            Duties duties) {
        String from = prop(pc, "fax.from");
        String domain = pc.resolveProperty("fax.message-id-domain").orElse("");
        FaxSettings s = new FaxSettings(pc.resolveProperty("fax.smtp.host").orElse(""), from, prop(pc, "fax.address.style"),
                pc.resolveProperty("fax.address.pattern").orElse(""), pc.resolveProperty("fax.address.fixed").orElse(""),
                prop(pc, "fax.subject"), Long.parseLong(prop(pc, "fax.retry.interval-ms")),
                Long.parseLong(prop(pc, "fax.retry.max-interval-ms")), Long.parseLong(prop(pc, "fax.retry.give-up-ms")),
                Long.parseLong(prop(pc, "fax.status.wait-ms")), Pattern.compile(prop(pc, "fax.status.delivered-pattern")),
                Pattern.compile(prop(pc, "fax.status.failed-pattern")), Pattern.compile(prop(pc, "fax.status.pages-pattern")),
                domain.isBlank() ? org.uchub.fax.FaxSettings.domainOf(from) : domain,
                pc.resolveProperty("fax.status.accept-from").filter(a -> !a.isBlank()).map(Pattern::compile).orElse(null));
        boolean statusConfigured = !pc.resolveProperty("fax.status.host").orElse("").isBlank();
        pc.addOverrideProperty("fax.status.enabled", Boolean.toString(s.configured() && statusConfigured));
        // A claim older than the longest send can take belongs to a hub that stopped mid-send.
        // A sender renews its claim while the mail server takes its time (every answer may take
        // fax.smtp.reply-timeout-ms), so a claim older than this belongs to a hub that stopped mid-send.
        long staleClaimMs = Math.max(2_000, Long.parseLong(pc.resolveProperty("fax.claim.stale-ms").orElse("300000")));
        FaxOutbox outbox = new FaxOutbox(ds, Duration.ofMillis(staleClaimMs));
        FaxMail mail = new FaxMail(s, outbox);
        bind(context, "faxTls", faxTls(pc));
        // Logins are beans, not URI parameters: a password never appears in an endpoint URI, and
        // an SMTP relay that wants none gets none (no user: Jakarta Mail does not authenticate).
        bind(context, "faxSmtpLogin", new org.apache.camel.component.mail.DefaultAuthenticator(
                pc.resolveProperty("fax.smtp.username").filter(u -> !u.isBlank()).orElse(null),
                pc.resolveProperty("fax.smtp.password").filter(u -> !u.isBlank()).orElse(null)));
        bind(context, "faxStatusLogin", new org.apache.camel.component.mail.DefaultAuthenticator(
                pc.resolveProperty("fax.status.username").orElse(""), pc.resolveProperty("fax.status.password").orElse("")));
        FaxChannel fax = new FaxChannel(s, outbox, mail, progress,
                context.getExecutorServiceManager().newSingleThreadScheduledExecutor(FaxChannel.class, "fax-claims"), staleClaimMs / 5);
        fax.setFinishSweepMs(Long.parseLong(pc.resolveProperty("fax.finish-sweep-ms").orElse("60000").trim()));
        bind(context, "faxMail", mail);
        bind(context, "fax", fax);
        bind(context, "faxReports", new FaxReports(s, outbox, progress, fax));
        // Every instance sees the same report mailbox: one reads it at a time.
        bind(context, "faxReportsDuty", new org.uchub.sessionlog.DutyRoutePolicy(duties.lease("fax-reports")));
        if (!s.configured()) {
            LOG.info("No fax gateway configured (fax.smtp.host): fax requests fail with FAX_NOT_CONFIGURED");
        } else if (!statusConfigured) {
            LOG.warn("Faxes go to the gateway by SMTP, but no status mailbox is configured (fax.status.host): every fax ends"
                    + " FAX_STATUS_UNKNOWN");
        }
    }

    /** The trust the fax channel's SMTP and IMAP connections use: a configured trust store, or the JDK's. */
    private static org.apache.camel.support.jsse.SSLContextParameters faxTls(PropertiesComponent pc) {
        org.apache.camel.support.jsse.SSLContextParameters tls = new org.apache.camel.support.jsse.SSLContextParameters();
        String store = pc.resolveProperty("fax.tls.truststore").orElse("");
        if (!store.isBlank()) {
            org.apache.camel.support.jsse.KeyStoreParameters ks = new org.apache.camel.support.jsse.KeyStoreParameters();
            ks.setResource("file:" + Path.of(store).toAbsolutePath());
            ks.setPassword(pc.resolveProperty("fax.tls.truststore-password").orElse(""));
            ks.setType(store.toLowerCase(java.util.Locale.ROOT).endsWith(".jks") ? "JKS" : "PKCS12");
            org.apache.camel.support.jsse.TrustManagersParameters tm = new org.apache.camel.support.jsse.TrustManagersParameters();
            tm.setKeyStore(ks);
            tls.setTrustManagers(tm);
        }
        return tls;
    }

    /**
     * Refuses a SOAP service, or an embedded broker, on a network interface whose users file
     * still holds a shipped development user: its password is in the README, so anybody
     * reaching the port would be that tenant (the broker's own development password is refused
     * likewise in configureJms).
     */
    private static void refuseShippedUsers(PropertiesComponent pc) throws java.io.IOException {
        String address = prop(pc, "soap.address");
        if (!soapOnLoopback(address)) {
            refuseShippedUsers("The SOAP service listens on " + java.net.URI.create(address).getHost(), pc, "soap.users.file");
        }
        String host = prop(pc, "broker.embedded.host");
        if (pc.resolveProperty("broker.url").orElse("").isBlank() && !isLoopback(host)) {
            refuseShippedUsers("The embedded broker listens on " + host, pc, "broker.users.file");
        }
    }

    private static void refuseShippedUsers(String where, PropertiesComponent pc, String key) throws java.io.IOException {
        Path file = Path.of(prop(pc, key));
        java.util.Set<String> shipped = org.uchub.broker.ShippedUsers.in(file);
        if (!shipped.isEmpty()) {
            throw new IllegalStateException(where + " but " + file + " (" + key + ") still holds the development password of "
                    + String.join(", ", shipped) + ": give them passwords of their own (org.uchub.broker.PasswordHash) or remove them");
        }
    }

    private static boolean isLoopback(String host) {
        return host.equals("127.0.0.1") || host.equals("localhost") || host.equals("::1") || host.equals("[::1]");
    }

    private static boolean soapOnLoopback(String address) {
        String host = java.net.URI.create(address).getHost();
        return host != null && isLoopback(host);
    }

    /**
     * The SOAP session service, {@code cxf:bean:soapSessions} (SOAP 1.1) and
     * {@code cxf:bean:soapSessions12} (SOAP 1.2), and the bean their routes call.
     */
    private static void configureSoap(CamelContext context, PropertiesComponent pc, ContractCodec codec) throws Exception {
        String address = prop(pc, "soap.address");
        if (!soapOnLoopback(address) && address.startsWith("http:")) {
            LOG.warn("The SOAP service at {} is plain HTTP on a network interface: passwords travel readable."
                    + " Use https (soap.tls.keystore) outside a trusted network.", address);
        }
        SoapEndpoint.Settings settings = new SoapEndpoint.Settings(address,
                BrokerUsers.load(Path.of(prop(pc, "soap.users.file")), checkWaitMs(pc)), prop(pc, "soap.realm"),
                Long.parseLong(prop(pc, "soap.max-request-bytes")), intProp(pc, "soap.max-depth"),
                intProp(pc, "soap.max-child-elements"), Long.parseLong(prop(pc, "soap.max-elements")),
                intProp(pc, "soap.max-attributes"), intProp(pc, "soap.max-text-length"),
                pc.resolveProperty("soap.tls.keystore").orElse(""), pc.resolveProperty("soap.tls.keystore-password").orElse(""),
                prop(pc, "soap.tls.keystore-type"), pc.resolveProperty("soap.published-url").orElse(""));
        org.apache.cxf.Bus bus = SoapEndpoint.bus(settings);
        bind(context, "soapSessions", SoapEndpoint.create(context, bus, settings, false));
        bind(context, "soapSessions12", SoapEndpoint.create(context, bus, settings, true));
        bind(context, "soapRequests", new SoapRequests(codec, SoapRequests.Mtom.of(prop(pc, "soap.recording.mtom")),
                Math.min(Long.parseLong(prop(pc, "soap.max-request-bytes")), Long.parseLong(prop(pc, "hub.request.max-bytes")) / 4 * 3)));
    }

    /**
     * The broker connection: the embedded broker when {@code broker.url} is empty, else the
     * external one. Consumption is transacted: a request is taken off the queue only when its
     * reply or dead letter commits with it.
     */
    private static void configureJms(CamelContext context, PropertiesComponent pc) throws Exception {
        String url = pc.resolveProperty("broker.url").orElse("").trim();
        boolean plugins = flag(pc, "broker.external.plugins", false);
        EmbeddedBroker embedded = null;
        if (url.isEmpty()) {
            String host = prop(pc, "broker.embedded.host");
            boolean loopback = isLoopback(host);
            if (pc.resolveProperty("broker.password").orElse("").isBlank()) {
                // The hub's user would log in with no password at all, and with every right.
                throw new IllegalStateException("broker.password is empty: set BROKER_PASSWORD (the hub's broker user may do"
                        + " everything)");
            }
            if (!loopback && DEV_BROKER_PASSWORD.equals(prop(pc, "broker.password"))) {
                // The hub's broker user may do everything: its shipped password must not face a network.
                throw new IllegalStateException("The embedded broker listens on " + host + " but broker.password is still the"
                        + " development default: set BROKER_PASSWORD");
            }
            // A broker login waits longer than a SOAP call: refused, it looks like a wrong password, and
            // clients (Qpid JMS failover, Artemis' core client) then stop reconnecting for good.
            BrokerUsers users = BrokerUsers.load(Path.of(prop(pc, "broker.users.file")), Math.max(BROKER_LOGIN_WAIT_MS, checkWaitMs(pc)));
            HubSecurityManager security = new HubSecurityManager(users, prop(pc, "broker.username"), prop(pc, "broker.password"),
                    prop(pc, "jms.request-queue"), prop(pc, "jms.events-topic"));
            context.getRegistry().lookupByNameAndType("jmsRequests", JmsRequests.class).temporaryOwner(security::createdTemporary);
            bind(context, "brokerSecurity", security);
            embedded = new EmbeddedBroker(new EmbeddedBroker.Settings(Path.of(prop(pc, "broker.embedded.dir")),
                    "tcp://" + prop(pc, "broker.embedded.host") + ":" + prop(pc, "broker.embedded.port")
                            // No OpenWire advisories: they told every client the temporary queues (and
                            // client hosts) of every other tenant.
                            + "?protocols=CORE,AMQP,STOMP,OPENWIRE;anycastPrefix=/queue/;multicastPrefix=/topic/"
                            + ";supportAdvisory=false;suppressInternalManagementObjects=true",
                    prop(pc, "jms.request-queue"), prop(pc, "jms.dead-letter-queue"), prop(pc, "jms.events-topic"),
                    intProp(pc, "broker.max-delivery-attempts"), intProp(pc, "broker.redelivery-delay-ms"),
                    Double.parseDouble(prop(pc, "broker.redelivery-multiplier")), intProp(pc, "broker.max-redelivery-delay-ms"),
                    users.users(), intProp(pc, "broker.journal.buffer-timeout-us"), Integer.parseInt(pc.resolveProperty("broker.tenant.max-queues").orElse("1000")),
                    Integer.parseInt(pc.resolveProperty("broker.tenant.max-sessions").orElse("500")),
                    new EmbeddedBroker.Retention(
                            durationMs(pc, "broker.dlq.retention-days", EmbeddedBroker.Retention.DAY_MS,
                                    EmbeddedBroker.Retention.DEFAULT.deadLetterMs()),
                            durationMs(pc, "broker.events.retention-days", EmbeddedBroker.Retention.DAY_MS,
                                    EmbeddedBroker.Retention.DEFAULT.eventsMs()),
                            durationMs(pc, "broker.expiry-scan-period-ms", 1, EmbeddedBroker.Retention.DEFAULT.scanPeriodMs())),
                    journalFileSizeKib(pc)),
                    security).refusingRequestsOver(org.uchub.broker.BusinessIdGroups.brokerLimit(Long.parseLong(prop(pc, "hub.request.max-bytes"))));
            embedded.start();
            bind(context, "embeddedBroker", embedded);
            url = EmbeddedBroker.IN_VM_URL;
        } else {
            // Without what the URL may carry for TLS (trustStorePassword=..., keyStorePassword=...).
            // (Artemis also separates parameters by ';', which Camel's masking does not know.)
            LOG.info("Using the external broker at {}", org.apache.camel.util.URISupport.sanitizeUri(url.replace(';', '&')));
            if (!plugins && intProp(pc, "jms.consumers") > 1) {
                LOG.warn("jms.consumers is {} with an external broker: requests of one business ID keep their order only if"
                        + " their senders set JMSXGroupID", intProp(pc, "jms.consumers"));
            }
        }
        ActiveMQConnectionFactory artemis = brokerClient(pc, url);
        if (embedded == null) {
            // A factory of its own, so that the gate's attempts while the broker is away never
            // hold the consumers' factory's lock (see brokerClient).
            guardTenantStamp(context, pc, brokerClient(pc, url), plugins ? TenantStampGate.Stamp.PLUGINS
                    : TenantStampGate.Stamp.VALIDATED_USER);
        } else {
            pc.addOverrideProperty("jms.consume.auto-startup", "true");
        }
        CachingConnectionFactory connections = new CachingConnectionFactory(artemis);
        connections.setSessionCacheSize(intProp(pc, "jms.session-cache-size"));
        // The ingress's listener keeps its own consumers (CACHE_CONSUMER). Cached here as well,
        // a consumer the stopped route closed stayed open on the broker, stopped: the groups of
        // every business ID it had served stayed bound to it, so their next requests waited
        // for a consumer that no longer read, even with another hub consuming the queue.
        connections.setCacheConsumers(false);

        JmsComponent jms = new JmsComponent();
        jms.setConnectionFactory(connections);
        // Local transactions on the listener's own session, which Spring exposes to sends made
        // in the same thread: a reply or dead letter commits with the acknowledgement. (A
        // separate JmsTransactionManager would send on a second session, committed after it.)
        jms.setTransacted(true);
        jms.setLazyCreateTransactionManager(false);
        jms.setHeaderFilterStrategy(new StrictJmsHeaderFilter());
        context.addComponent("jms", jms);
        // For routes that send several messages as one broker transaction (the events batch).
        bind(context, "jmsTransaction", new SpringTransactionPolicy(new JmsTransactionManager(connections)));

        EmbeddedBroker broker = embedded;
        // Stopped after the routes, so in-flight requests still commit their acknowledgement.
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() throws Exception {
                connections.destroy();
                artemis.close();
                if (broker != null) {
                    broker.stop();
                }
            }
        }, true, true);
    }

    /** How long a broker login waits for its password check's turn at least. */
    static final long BROKER_LOGIN_WAIT_MS = 30_000;

    /** hub.users.check-wait-ms; unset (a configuration older than the key): 1 s. */
    private static long checkWaitMs(PropertiesComponent pc) {
        return intProp(pc, "hub.users.check-wait-ms", 1000);
    }

    /** A client factory for the hub's own connections to the broker. */
    private static ActiveMQConnectionFactory brokerClient(PropertiesComponent pc, String url) {
        ActiveMQConnectionFactory f = new ActiveMQConnectionFactory(url, prop(pc, "broker.username"), prop(pc, "broker.password"));
        // The hub never reads an ObjectMessage; should anything try, no class may be deserialized.
        f.setDeserializationDenyList("*");
        f.setDeserializationAllowList("");
        // Camel's JMS producer names its destination for every message, and the client asks the
        // broker about the address, and waits, each time a session creates one by name: a round
        // trip per event sent to the events topic, which let them fall tens of seconds behind
        // under load. Kept per session (sessions are cached, see jms.session-cache-size), so a
        // new session after a reconnect asks again.
        f.setCacheDestinations(true);
        // A connection attempt to a broker that has gone away fails, after one try of each
        // address it has learnt, only after the client's retry interval (2 s by default), and
        // it holds the factory's lock meanwhile: every consumer waited its turn, and a hub
        // stopped then took 32 to 59 s with 16 consumers. The listener has its own back-off.
        // A retryInterval in broker.url (with reconnectAttempts, say) is the operator's.
        if (!url.toLowerCase(java.util.Locale.ROOT).contains("retryinterval=")) {
            f.setRetryInterval(200);
        }
        return f;
    }

    /**
     * On an external broker the hub believes the tenant the broker writes on each message: the
     * plugins' stamp (broker.external.plugins), or else Artemis' own validated user, which it
     * writes only with populate-validated-user. Where the broker does not write it, any sender
     * could set that property itself: a broker that lets a forged one through stops the hub at
     * boot (a configuration error), and closes the JMS ingress later. A broker that cannot be
     * reached at boot only holds the JMS ingress (route jms-consume) until it answers and
     * stamps; the rest of the hub runs.
     */
    private static void guardTenantStamp(CamelContext context, PropertiesComponent pc, ActiveMQConnectionFactory artemis,
            TenantStampGate.Stamp stamp) throws Exception {
        String hubUser = prop(pc, "broker.username");
        TenantStampGate.Verdict first = TenantStampGate.check(artemis, hubUser, stamp);
        switch (first.state()) {
            case NOT_STAMPED, REFUSED -> throw new IllegalStateException(first.detail());
            case UNREACHABLE -> LOG.warn("The external broker is not reachable ({}): the JMS ingress opens once it answers and stamps"
                    + " each message with its sender's user; the other ingresses serve meanwhile", first.detail());
            case STAMPED -> LOG.info("The external broker stamps each message with its sender's user ({})", first.detail());
        }
        pc.addOverrideProperty("jms.consume.auto-startup", Boolean.toString(first.state() == TenantStampGate.State.STAMPED));
        TenantStampGate gate = new TenantStampGate(context, artemis, hubUser, stamp, new TenantStampGate.Settings("jms-consume",
                "jms.consume.auto-startup", Long.parseLong(prop(pc, "broker.tenant-stamp.retry-ms")), Long.parseLong(prop(pc, "broker.tenant-stamp.max-retry-ms")),
                Long.parseLong(prop(pc, "broker.tenant-stamp.recheck-ms"))), first);
        bind(context, "tenantStampGate", gate);
        if (stamp == TenantStampGate.Stamp.PLUGINS) {
            context.getRegistry().lookupByNameAndType("jmsRequests", JmsRequests.class).trustStampWhile(gate::stampTrusted);
        }
        // The gate's factory is closed once the gate has stopped using it.
        connectOnceRoutesRun(context, gate.healthCheck(), gate::start, () -> {
            gate.stop();
            artemis.close();
        });
    }

    private static void loadRoutes(CamelContext context, PropertiesComponent pc) throws Exception {
        Path dir = Path.of(prop(pc, "hub.routes.dir"));
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("Cannot read the route directory " + dir.toAbsolutePath());
        }
        RouteFiles files = new RouteFiles(context, dir, Path.of(prop(pc, "hub.data.dir")).resolve("routes-last-good"),
                Long.parseLong(pc.resolveProperty("hub.routes.poll-ms").orElse("1000")), flag(pc, "hub.routes.reload", true),
                Long.parseLong(pc.resolveProperty("hub.routes.max-bytes").orElse(String.valueOf(RouteFiles.DEFAULT_MAX_BYTES))));
        files.loadAtStart();
        context.addService(files);
        files.followOnceStarted();
        register(context, files.healthCheck());
    }

    private static void register(CamelContext context, org.apache.camel.impl.health.AbstractHealthCheck health) {
        health.setCamelContext(context);
        org.apache.camel.health.HealthCheckRegistry registry = org.apache.camel.health.HealthCheckRegistry.get(context);
        if (registry != null) {
            registry.register(health);
        }
    }

    private static void bind(CamelContext context, String name, Object bean) {
        context.getRegistry().bind(name, bean);
    }

    static String prop(PropertiesComponent pc, String key) {
        return pc.resolveProperty(key)
                .orElseThrow(() -> new IllegalStateException("Missing configuration property " + key));
    }

    /**
     * The keys that are true or false. Those the routes read (STARTTLS, the server-identity
     * check) reach Jakarta Mail as they are, which takes anything but "true" for false: a
     * "yes" there would have turned STARTTLS off before the login. So every one of them is
     * checked at start, whether the hub reads it itself or not.
     */
    static final java.util.List<String> FLAGS = java.util.List.of("hub.routes.reload", "broker.external.plugins", "pbx.event-filter",
            "pbx.wait-for-fully-booted", "hub.health.enabled", "hub.health.details", "xmpp.room.require-members-only",
            "fax.smtp.starttls", "fax.tls.check-server-identity", "fax.status.starttls");

    private static final java.util.regex.Pattern TENANT_FOLDER = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    /**
     * With hub.inbox.tenants listed, each tenant's folders are the hub's from the start: made
     * later, at a tenant's first file or reply, whoever may write the inbox's or the outbox's
     * top could make them first, as a link or a file, and hold that tenant's files and replies.
     */
    static void listedTenantFolders(PropertiesComponent pc) {
        String listed = prop(pc, "hub.inbox.tenants").trim();
        if (listed.equals("*")) {
            return;
        }
        Path inbox = Path.of(prop(pc, "hub.inbox.dir"));
        Path outbox = Path.of(prop(pc, "hub.outbox.dir"));
        for (String t : listed.split(",")) {
            String tenant = t.trim();
            if (tenant.isEmpty()) {
                continue;
            }
            if (!TENANT_FOLDER.matcher(tenant).matches()) {
                throw new IllegalStateException("hub.inbox.tenants names \"" + tenant + "\", which is no tenant id (letters, digits,"
                        + " '.', '_', '-', not first a '.' or '-')");
            }
            for (String folder : List.of(tenant, ".done/" + tenant, ".error/" + tenant)) {
                org.uchub.ingress.RealFolders.make(inbox, folder);
            }
            org.uchub.ingress.RealFolders.make(outbox, tenant);
        }
    }

    /** Refuses to start with a flag that is neither true nor false, naming it. */
    static void checkFlags(PropertiesComponent pc) {
        for (String key : FLAGS) {
            // Present but empty (FAX_SMTP_STARTTLS=): the fax routes would hand "" to Jakarta
            // Mail, which reads it as false. Only a key missing altogether takes its default.
            if (pc.resolveProperty(key).map(String::isBlank).orElse(false)) {
                throw new IllegalStateException("Configuration property " + key + " must be true or false, not empty");
            }
            flag(pc, key, true);
        }
    }

    /** true or false (any case); unset: the default, so that a configuration older than the key still starts. */
    static boolean flag(PropertiesComponent pc, String key, boolean unset) {
        String v = pc.resolveProperty(key).map(String::trim).orElse(null);
        if (v == null || v.isEmpty()) {
            return unset;
        }
        if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
            throw new IllegalStateException("Configuration property " + key + " must be true or false, not \"" + v + "\"");
        }
        return Boolean.parseBoolean(v);
    }

    /**
     * A time in the key's unit (decimals allowed: 0.5 days), in milliseconds; 0 stays 0 (the
     * callers' "for ever"). Unset or empty: the default, so that a configuration older than the
     * key still starts.
     */
    static long durationMs(PropertiesComponent pc, String key, long unitMs, long unset) {
        String v = pc.resolveProperty(key).map(String::trim).orElse("");
        if (v.isEmpty()) {
            return unset;
        }
        try {
            java.math.BigDecimal ms = new java.math.BigDecimal(v).multiply(java.math.BigDecimal.valueOf(unitMs));
            if (ms.signum() < 0) {
                throw new NumberFormatException("negative");
            }
            // A value that is not 0 is never rounded down to "for ever".
            return ms.signum() == 0 ? 0 : Math.max(1, ms.setScale(0, java.math.RoundingMode.HALF_UP).longValueExact());
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalStateException("Configuration property " + key + " must be a number of 0 or more, not \"" + v + "\"");
        }
    }

    static int intProp(PropertiesComponent pc, String key) {
        return parseInt(key, prop(pc, key).trim());
    }

    /** A whole number; unset or empty: the default, so that a configuration older than the key still starts. */
    static int intProp(PropertiesComponent pc, String key, int unset) {
        String v = pc.resolveProperty(key).map(String::trim).orElse("");
        return v.isEmpty() ? unset : parseInt(key, v);
    }

    private static int parseInt(String key, String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("Configuration property " + key + " must be a whole number, not \"" + v + "\"");
        }
    }
}
