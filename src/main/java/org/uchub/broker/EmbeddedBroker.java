package org.uchub.broker;

import java.nio.file.Path;
import org.apache.activemq.artemis.api.core.QueueConfiguration;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.CoreAddressConfiguration;
import org.apache.activemq.artemis.core.config.DivertConfiguration;
import org.apache.activemq.artemis.core.server.ComponentConfigurationRoutingType;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.JournalType;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker the hub brings along when no external one is configured: persistent (journal
 * under the data directory), one acceptor speaking CORE, AMQP, STOMP and OpenWire, security
 * from {@link HubSecurityManager}, and the hub's queues with a dead-letter address, an
 * expiry address and redelivery back-off; what nobody reads (dead letters, expired requests,
 * replies, events of an abandoned subscription) is kept for a {@link Retention} and then dropped. Every message is stamped with the user the broker
 * authenticated, which is the only tenant the hub believes.
 */
public class EmbeddedBroker {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedBroker.class);
    public static final String IN_VM_URL = "vm://0";

    /**
     * @param tenantMaxQueues      most queues one business system may have at once (temporary ones too)
     * @param tenantMaxSessions    most sessions one business system may have open at once (a JMS
     *                             connection counts one, and one more per JMS session)
     */
    public record Settings(Path dir, String acceptorUrl, String requestQueue, String deadLetterQueue, String eventsTopic,
            int maxDeliveryAttempts, long redeliveryDelayMs, double redeliveryMultiplier, long maxRedeliveryDelayMs,
            java.util.Set<String> tenants, int journalBufferTimeoutUs, int tenantMaxQueues, int tenantMaxSessions,
            Retention retention, int journalFileSizeKib) {

        /** Artemis's own journal file size (10 MiB). */
        public static final int JOURNAL_FILE_SIZE_KIB = 10 * 1024;

        public Settings(Path dir, String acceptorUrl, String requestQueue, String deadLetterQueue, String eventsTopic,
                int maxDeliveryAttempts, long redeliveryDelayMs, double redeliveryMultiplier, long maxRedeliveryDelayMs,
                java.util.Set<String> tenants, int journalBufferTimeoutUs, int tenantMaxQueues, int tenantMaxSessions,
                Retention retention) {
            this(dir, acceptorUrl, requestQueue, deadLetterQueue, eventsTopic, maxDeliveryAttempts, redeliveryDelayMs,
                    redeliveryMultiplier, maxRedeliveryDelayMs, tenants, journalBufferTimeoutUs, tenantMaxQueues, tenantMaxSessions,
                    retention, JOURNAL_FILE_SIZE_KIB);
        }

        public Settings(Path dir, String acceptorUrl, String requestQueue, String deadLetterQueue, String eventsTopic,
                int maxDeliveryAttempts, long redeliveryDelayMs, double redeliveryMultiplier, long maxRedeliveryDelayMs,
                java.util.Set<String> tenants, int journalBufferTimeoutUs, int tenantMaxQueues, int tenantMaxSessions) {
            this(dir, acceptorUrl, requestQueue, deadLetterQueue, eventsTopic, maxDeliveryAttempts, redeliveryDelayMs,
                    redeliveryMultiplier, maxRedeliveryDelayMs, tenants, journalBufferTimeoutUs, tenantMaxQueues, tenantMaxSessions,
                    Retention.DEFAULT);
        }

        public Settings(Path dir, String acceptorUrl, String requestQueue, String deadLetterQueue, String eventsTopic,
                int maxDeliveryAttempts, long redeliveryDelayMs, double redeliveryMultiplier, long maxRedeliveryDelayMs,
                java.util.Set<String> tenants, int journalBufferTimeoutUs) {
            this(dir, acceptorUrl, requestQueue, deadLetterQueue, eventsTopic, maxDeliveryAttempts, redeliveryDelayMs,
                    redeliveryMultiplier, maxRedeliveryDelayMs, tenants, journalBufferTimeoutUs, 1000, 500);
        }
    }

    /**
     * How long the broker keeps what nobody may need any more (0: for ever).
     *
     * @param deadLetterMs  a message in the dead-letter queue or ExpiryQueue, from the moment it
     *                      arrived there; then it is dropped
     * @param eventsMs      an event no subscription has taken, from the moment it was published;
     *                      then it is dropped from that subscription
     * @param scanPeriodMs  how often the broker looks for expired messages
     */
    public record Retention(long deadLetterMs, long eventsMs, long scanPeriodMs) {
        public static final long DAY_MS = 24L * 60 * 60 * 1000;
        public static final Retention DEFAULT = new Retention(14 * DAY_MS, 7 * DAY_MS, 30_000);

        public Retention {
            if (deadLetterMs < 0 || eventsMs < 0 || scanPeriodMs <= 0) {
                throw new IllegalArgumentException("retention times must be 0 (for ever) or more, the scan period more than 0");
            }
        }
    }

    /**
     * The message groups a queue keeps track of: each group (one per business ID) is hashed
     * into one of these, the bucket going to one consumer. Unbucketed, Artemis keeps an entry
     * per group for as long as its consumer stays connected, so a hub running for months
     * collected one per business ID it ever served, on the request queue and on every events
     * subscription. The order within a business ID is the same: one bucket, one consumer.
     */
    static final int GROUP_BUCKETS = 1024;

    /** No expiry address: an expired message is dropped (an empty name, since a missing one is taken from "#"). */
    static final SimpleString DROP_WHEN_EXPIRED = SimpleString.of("");

    private final Settings settings;
    private final HubSecurityManager security;
    private EmbeddedActiveMQ broker;
    static final long JOURNAL_LOCK_WAIT_MS = 10_000;

    /** The largest request the request queue takes, in the broker's encoding; 0: any. */
    private long maxRequestBytes;

    public EmbeddedBroker(Settings settings, HubSecurityManager security) {
        this.settings = settings;
        this.security = security;
    }

    /** Requests larger than this (see {@link BusinessIdGroups#brokerLimit}) are refused to their senders; before {@link #start}. */
    public EmbeddedBroker refusingRequestsOver(long brokerBytes) {
        this.maxRequestBytes = brokerBytes;
        return this;
    }

    public synchronized void start() throws Exception {
        // Nothing in this JVM's Artemis clients may turn message bytes into Java objects.
        System.setProperty("org.apache.activemq.artemis.jms.deserialization.denylist", "*");
        Configuration cfg = new ConfigurationImpl();
        cfg.setName("uc-hub");
        cfg.setPersistenceEnabled(true);
        cfg.setJournalDirectory(settings.dir().resolve("journal").toString());
        cfg.setBindingsDirectory(settings.dir().resolve("bindings").toString());
        cfg.setPagingDirectory(settings.dir().resolve("paging").toString());
        cfg.setLargeMessagesDirectory(settings.dir().resolve("large-messages").toString());
        // Every commit and durable send waits for the disk (sync stays on). The buffer timeout is
        // how long the journal gathers concurrent commits into one sync: Artemis' NIO default
        // (3.3 ms) suits a disk that needs that long per sync; set it near this disk's sync time.
        cfg.setJournalType(JournalType.NIO);
        // A second hub on the same data directory (possible with a PostgreSQL session log, whose
        // file lock does not stop it first) would wait for ever for the journal's lock, looking
        // started and never ready: it gives up after a while instead, and the start fails.
        cfg.setJournalLockAcquisitionTimeout(JOURNAL_LOCK_WAIT_MS);
        cfg.setJournalSyncTransactional(true);
        cfg.setJournalSyncNonTransactional(true);
        cfg.setJournalBufferTimeout_NIO(settings.journalBufferTimeoutUs() * 1000);
        // Each journal file is written out in full when it is made (two at the first start).
        cfg.setJournalFileSize(settings.journalFileSizeKib() * 1024);
        cfg.setSecurityEnabled(true);
        cfg.setPopulateValidatedUser(true);
        // Nothing in the broker may turn bytes into Java objects.
        cfg.setJMXManagementEnabled(false);
        cfg.addAcceptorConfiguration("in-vm", IN_VM_URL);
        cfg.addAcceptorConfiguration("all-protocols", settings.acceptorUrl());

        SimpleString dla = SimpleString.of(settings.deadLetterQueue());
        SimpleString expiry = SimpleString.of("ExpiryQueue");
        // Only a request is ever dead-lettered, by its own setting below. Under "#" otherwise fall
        // the temporary queues (their names match no pattern), which hold replies: a reply
        // dead-lettered went to DLQ.uc.requests, which its client may not read, so a client that
        // rolled one back five times lost it. A rolled-back reply comes again (after the
        // redelivery delay) until taken or until its time-to-live runs out.
        cfg.addAddressSetting("#", new AddressSettings().setExpiryAddress(expiry)
                .setMaxDeliveryAttempts(-1).setRedeliveryDelay(settings.redeliveryDelayMs())
                .setRedeliveryMultiplier(settings.redeliveryMultiplier()).setMaxRedeliveryDelay(settings.maxRedeliveryDelayMs())
                .setAutoCreateQueues(true).setAutoCreateAddresses(true));
        // The hub retries a failing request itself, in order; a broker-side delay would let the
        // next request of the same business ID overtake a rolled-back one.
        cfg.addAddressSetting(settings.requestQueue(), new AddressSettings().setDeadLetterAddress(dla).setExpiryAddress(expiry)
                .setMaxDeliveryAttempts(settings.maxDeliveryAttempts()).setRedeliveryDelay(0));
        // Nor for the events: a subscriber's rolled-back event would come after later ones, and
        // a subscriber that keeps the highest seq it saw would drop it as a repeat. Nor a last
        // attempt: without a delay a subscriber down for a second would use them all up, and
        // the event would go where no tenant may read it. It waits, first in line, until taken.
        // An event waits for its subscriber as long as the events retention (a live subscriber
        // takes it long before; one that went away no longer keeps every event for ever), then
        // it is dropped: ExpiryQueue would only keep it where no tenant may read it. The
        // address pages when memory is short (Artemis' default address-full-policy PAGE), so a
        // slow subscriber never loses an event to a full address.
        AddressSettings events = new AddressSettings().setExpiryAddress(DROP_WHEN_EXPIRED).setMaxDeliveryAttempts(-1)
                .setRedeliveryDelay(0).setDefaultGroupBuckets(GROUP_BUCKETS);
        if (settings.retention().eventsMs() > 0) {
            // At most: the hub's events carry no expiry of their own, so this is when they go.
            events.setMaxExpiryDelay(settings.retention().eventsMs());
        }
        cfg.addAddressSetting(settings.eventsTopic() + ".#", events);
        // No subscriber reads several addresses by one wildcard name (every tenant's events at once).
        cfg.setWildCardConfiguration(new org.apache.activemq.artemis.core.config.WildcardConfiguration().setRoutingEnabled(false));
        // A reply nobody read within its time-to-live (jms.reply-time-to-live-hours) is dropped:
        // its client gave up on it, and the session log has what it said. Never dead-lettered,
        // as on temporary queues (see "#"), rather than moved to a dead-letter queue of the
        // tenant's own: a temporary queue names no tenant, and the reply's time-to-live already
        // bounds how long one nobody takes is kept.
        cfg.addAddressSetting("uc.replies.#", new AddressSettings().setExpiryAddress(DROP_WHEN_EXPIRED).setMaxDeliveryAttempts(-1));
        // The dead-letter and expiry queues are read by people, never redelivered to death; what
        // nobody looked at within the retention is dropped, not expired into ExpiryQueue again
        // (Artemis never expires a queue whose expiry address is its own: ExpiryQueue kept
        // everything for ever). min = max: every message is kept exactly that long from the
        // moment it arrived, whatever expiry it carried (a message the broker moves there has
        // none any more; the hub's dead letters never had one).
        for (String kept : new String[] {settings.deadLetterQueue(), "ExpiryQueue"}) {
            AddressSettings keptFor = new AddressSettings().setMaxDeliveryAttempts(-1).setExpiryAddress(DROP_WHEN_EXPIRED);
            if (settings.retention().deadLetterMs() > 0) {
                keptFor.setMinExpiryDelay(settings.retention().deadLetterMs()).setMaxExpiryDelay(settings.retention().deadLetterMs());
            }
            cfg.addAddressSetting(kept, keptFor);
        }
        cfg.setMessageExpiryScanPeriod(settings.retention().scanPeriodMs());

        cfg.addQueueConfiguration(QueueConfiguration.of(settings.requestQueue()).setRoutingType(RoutingType.ANYCAST).setDurable(true)
                .setGroupBuckets(GROUP_BUCKETS));
        cfg.addQueueConfiguration(QueueConfiguration.of(settings.deadLetterQueue()).setRoutingType(RoutingType.ANYCAST).setDurable(true));
        cfg.addQueueConfiguration(QueueConfiguration.of("ExpiryQueue").setRoutingType(RoutingType.ANYCAST).setDurable(true));
        // Each business system's own reply queue, for clients that do not use temporary queues,
        // and its own events address, fed from the events topic by tenant.
        cfg.addAddressConfiguration(new CoreAddressConfiguration().setName(settings.eventsTopic()).addRoutingType(RoutingType.MULTICAST));
        for (String tenant : settings.tenants()) {
            // A business system cannot fill the broker with queues or sessions (each queue it
            // may make, a subscription on its events address above all, keeps messages on disk).
            org.apache.activemq.artemis.core.settings.impl.ResourceLimitSettings limits =
                    new org.apache.activemq.artemis.core.settings.impl.ResourceLimitSettings();
            limits.setName(tenant);
            limits.setMatch(SimpleString.of(tenant));
            limits.setMaxQueues(settings.tenantMaxQueues());
            limits.setMaxSessions(settings.tenantMaxSessions());
            cfg.addResourceLimitSettings(limits);
            cfg.addQueueConfiguration(QueueConfiguration.of("uc.replies." + tenant).setRoutingType(RoutingType.ANYCAST).setDurable(true));
            String own = settings.eventsTopic() + "." + tenant;
            cfg.addAddressConfiguration(new CoreAddressConfiguration().setName(own).addRoutingType(RoutingType.MULTICAST));
            cfg.addDivertConfiguration(new DivertConfiguration().setName("events-of-" + tenant).setAddress(settings.eventsTopic())
                    .setForwardingAddress(own).setFilterString("tenant = '" + tenant + "'").setExclusive(false)
                    .setRoutingType(ComponentConfigurationRoutingType.MULTICAST));
        }

        // A temporary queue's owner is forgotten with its address (Artemis removes a closed
        // connection's temporary queues without asking the security manager).
        cfg.registerBrokerPlugin(new org.apache.activemq.artemis.core.server.plugin.ActiveMQServerAddressPlugin() {
            @Override
            public void afterRemoveAddress(SimpleString address, org.apache.activemq.artemis.core.server.impl.AddressInfo info) {
                security.forgetTemporary(address.toString());
            }
        });
        cfg.registerBrokerPlugin(new TenantStamp(settings.requestQueue()));
        cfg.registerBrokerPlugin(new BusinessIdGroups(settings.requestQueue(), maxRequestBytes));

        broker = new EmbeddedActiveMQ();
        broker.setConfiguration(cfg);
        broker.setSecurityManager(security);
        broker.createActiveMQServer();
        org.apache.activemq.artemis.core.server.ActiveMQServer server = broker.getActiveMQServer();
        // Before the acceptors open: no client gets a moment without the guard.
        server.registerActivateCallback(new org.apache.activemq.artemis.core.server.ActivateCallback() {
            @Override
            public void activated() {
                server.getRemotingService().addIncomingInterceptor(new OpenWireUnsubscribeGuard(server, settings.eventsTopic()));
            }
        });
        // A stopping broker has no post office: its addresses count as there (nothing is pruned then).
        security.knowAddressesOf(address -> server.getPostOffice() == null
                || server.getPostOffice().getAddressInfo(SimpleString.of(address)) != null);
        broker.start();
        if (!server.isActive()) {
            broker.stop();
            broker = null;
            throw new IllegalStateException("The embedded broker did not start: its journal in " + settings.dir().toAbsolutePath()
                    + " is locked, most likely by another UC Hub on the same data directory (hub.data.dir)");
        }
        LOG.info("Embedded Artemis broker started: {} (CORE, AMQP, STOMP, OpenWire), journal in {}", settings.acceptorUrl(),
                settings.dir());
    }

    /** The running server, for management and for plugins added at run time. */
    public synchronized org.apache.activemq.artemis.core.server.ActiveMQServer server() {
        return broker == null ? null : broker.getActiveMQServer();
    }

    public synchronized void stop() throws Exception {
        if (broker != null) {
            broker.stop();
            broker = null;
            LOG.info("Embedded Artemis broker stopped");
        }
    }

    public EmbeddedActiveMQ getBroker() {
        return broker;
    }
}
