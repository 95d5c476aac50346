package org.uchub.xmpp;

import java.io.InputStream;
import java.nio.file.Files;
import java.security.KeyStore;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.jivesoftware.smack.AbstractConnectionListener;
import org.jivesoftware.smack.ConnectionConfiguration.SecurityMode;
import org.jivesoftware.smack.SmackException;
import org.jivesoftware.smack.XMPPException;
import org.jivesoftware.smack.filter.StanzaTypeFilter;
import org.jivesoftware.smack.packet.Message;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.packet.Stanza;
import org.jivesoftware.smack.packet.StanzaError;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smack.tcp.XMPPTCPConnectionConfiguration;
import org.jivesoftware.smackx.delay.packet.DelayInformation;
import org.jivesoftware.smackx.muc.MucEnterConfiguration;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.jivesoftware.smackx.muc.Occupant;
import org.jivesoftware.smackx.muc.packet.MUCUser;
import org.jivesoftware.smackx.ping.PingManager;
import org.jivesoftware.smackx.receipts.DeliveryReceiptManager;
import org.jivesoftware.smackx.xdata.Form;
import org.jivesoftware.smackx.xdata.FormField;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.EntityFullJid;
import org.jxmpp.jid.Jid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;
import org.jxmpp.stringprep.XmppStringprepException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.uchub.health.ReadinessCheck;

/**
 * The hub's one connection to its XMPP server, through Smack (camel-xmpp's stack). It
 * logs in on a thread of its own and keeps trying with back-off while the server is away;
 * a lost or silent connection (XEP-0199 ping unanswered) is dropped and made again. What
 * arrives for the hub's account leaves Smack's thread at once through the sink.
 *
 * <p>The operations throw {@link XmppUnavailableException} when the server cannot be asked
 * now and {@link XmppRefusedException} when it said no. Stanza content is set through
 * Smack's API, which escapes it: text from a request never becomes markup.
 */
public class XmppConnection {
    private static final Logger LOG = LoggerFactory.getLogger(XmppConnection.class);

    private final XmppSettings s;
    private final Consumer<InboundMessage> sink;
    private final Object wake = new Object();
    private volatile XMPPTCPConnection connection;
    private final java.util.concurrent.atomic.LongAdder logins = new java.util.concurrent.atomic.LongAdder();
    private volatile boolean running;
    private volatile String status = "STARTING";
    private volatile Runnable onConnected = () -> { };
    private volatile boolean rejoinPending;
    /** The room objects whose occupants are reported (see {@link #watch}). */
    private final java.util.Set<MultiUserChat> watched = java.util.Collections.newSetFromMap(new java.util.WeakHashMap<>());
    private final DestroyedRooms destroyed = new DestroyedRooms();
    /** Rooms joined again with what was written since a time (room address → that time): their history since then is news. */
    private final Map<String, OffsetDateTime> catchingUp = new java.util.concurrent.ConcurrentHashMap<>();
    /**
     * Occupant ids (XEP-0421: the room's stable id for one real JID in it) to real bare JIDs,
     * by room, from the presences the hub saw: who wrote a message the room replays, even
     * under another nickname now. Bounded; an id not known leaves the author to the nickname.
     */
    private final Map<String, String> occupants = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > 10_000;
        }
    });
    private static final String OCCUPANT_ID = "urn:xmpp:occupant-id:0";
    /** Clocks differ: what the room stamped up to this long before the hub's own time still counts as missed. */
    private static final long CLOCK_MARGIN_SECONDS = 60;
    private Thread connector;
    /**
     * Whether this hub instance may hold the XMPP account now: of several instances sharing a
     * session log only one does (see DutyLease), the others stand by, their IM requests waiting
     * in the shared outbox for the holder to send. A second login under the same address would
     * take the first one's place (RFC 6120 7.7.2.2), and the two would take turns forever.
     */
    private volatile java.util.function.BooleanSupplier mayHold = () -> true;
    private volatile java.util.function.Supplier<String> holderNow = () -> "";
    private volatile boolean standingBy;
    /** After a conflict: until when (System.nanoTime) not to log in again, and the wait that was chosen. */
    private volatile long conflictUntil;
    private volatile long conflictWaitMs;
    private volatile String conflictStatus = "";
    private volatile long loggedInAt = System.nanoTime();
    /** How long the connector waits, logged in, before it looks at the lease again. */
    private volatile long recheckMs = 5_000;

    public XmppConnection(XmppSettings settings, Consumer<InboundMessage> sink) {
        this.s = settings;
        this.sink = sink;
    }

    public XmppSettings settings() {
        return s;
    }

    /** Holds the account only while the duty is this instance's; wakes the connector when that changes. */
    public void holdOnlyWith(org.uchub.sessionlog.DutyLease duty) {
        this.mayHold = duty::held;
        this.recheckMs = Math.min(5_000, duty.recheckMillis());
        this.holderNow = () -> {
            String by = duty.holder();
            return by.equals(duty.instance()) ? "" : by;
        };
        duty.onChange(() -> {
            synchronized (wake) {
                wake.notifyAll();
            }
        });
    }

    /** Whether another hub instance holds the XMPP account, so this one leaves the sending to it. */
    public boolean isStandingBy() {
        return standingBy;
    }

    /**
     * Whether this instance may use the account now, asked of the lease itself: the connector
     * notices a lost lease only when it next looks, and nothing may be sent meanwhile.
     */
    public boolean mayHoldAccount() {
        return mayHold.getAsBoolean();
    }

    /** Called on the connector's thread after every (re)login. */
    public void onConnected(Runnable r) {
        this.onConnected = r;
    }

    /** The real bare JID of an occupant of a room the hub is in, if the room shows it to the hub; else null. */
    public String occupantJid(String room, String nick) {
        XMPPTCPConnection c = connection;
        if (c == null || nick == null || nick.isEmpty()) {
            return null;
        }
        try {
            MultiUserChat muc = MultiUserChatManager.getInstanceFor(c).getMultiUserChat(JidCreate.entityBareFrom(room));
            Occupant o = muc.getOccupant(JidCreate.entityFullFrom(room + "/" + nick));
            return o == null || o.getJid() == null ? null : o.getJid().asBareJid().toString();
        } catch (org.jxmpp.stringprep.XmppStringprepException e) {
            return null;
        }
    }

    public boolean isConnected() {
        XMPPTCPConnection c = connection;
        return c != null && c.isAuthenticated();
    }

    public String status() {
        return status;
    }

    /** Logins so far: more than one means the connection was lost and made again. */
    public long logins() {
        return logins.sum();
    }

    public synchronized void start() {
        if (running || !s.configured()) {
            return;
        }
        running = true;
        connector = new Thread(this::keepConnected, "uc-xmpp-connector");
        connector.setDaemon(true);
        connector.start();
    }

    public synchronized void stop() {
        running = false;
        synchronized (wake) {
            wake.notifyAll();
        }
        XMPPTCPConnection c = connection;
        if (c != null) {
            // Polite close, but a server that never closes its side must not hold the hub's stop.
            c.setReplyTimeout(1_000);
            c.disconnect();
        }
        if (connector != null) {
            connector.interrupt();
        }
        status = "STOPPED";
    }

    private void keepConnected() {
        long delay = s.retryIntervalMs();
        boolean warned = false;
        while (running) {
            if (!mayHold.getAsBoolean()) {
                standBy();
                continue;
            }
            standingBy = false;
            XMPPTCPConnection c = connection;
            if (c != null && c.isAuthenticated() && rejoinPending) {
                rejoin();
                continue;
            }
            if (c != null && c.isAuthenticated()) {
                synchronized (wake) {
                    try {
                        wake.wait(recheckMs);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                continue;
            }
            long conflictLeft = conflictUntil - System.nanoTime();
            if (conflictWaitMs > 0 && conflictLeft > 0) {
                status = conflictStatus;
                synchronized (wake) {
                    try {
                        wake.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(conflictLeft), 5_000)));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                continue;
            }
            try {
                status = "CONNECTING";
                connect();
                loggedInAt = System.nanoTime();
                rejoinPending = true;
                status = "CONNECTED";
                LOG.info("XMPP connected: {}", s);
                warned = false;
                delay = s.retryIntervalMs();
            } catch (Exception e) {
                status = "RECONNECTING";
                if (!warned) {
                    LOG.warn("XMPP server {} not reachable ({}): trying again with back-off", s, describe(e));
                    warned = true;
                } else {
                    LOG.debug("XMPP still not reachable: {}", describe(e));
                }
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException ie) {
                    return;
                }
                delay = Math.min(delay * 2, 30_000);
            }
        }
    }

    /**
     * Whether the server closed the stream because another client took the hub's address (RFC
     * 6120 4.9.3.3, 7.7.2.2); then the hub waits before it logs in again, longer each time.
     */
    private boolean conflicted(Exception e) {
        if (!(e instanceof XMPPException.StreamErrorException se)
                || se.getStreamError().getCondition() != org.jivesoftware.smack.packet.StreamError.Condition.conflict) {
            return false;
        }
        if (!mayHold.getAsBoolean()) {
            return false; // this instance was handing the account over anyway: the holder took its place
        }
        long lived = System.nanoTime() - loggedInAt;
        // A login that held for a long time since the last conflict starts the back-off afresh.
        conflictWaitMs = conflictWaitMs == 0 || lived > TimeUnit.MINUTES.toNanos(10) ? s.conflictWaitMs()
                : Math.min(conflictWaitMs * 2, 300_000);
        conflictUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(conflictWaitMs);
        conflictStatus = "CONFLICT: another client logged in as " + s.username() + "@" + s.xmppDomain() + "/" + s.resource()
                + "; logging in again in " + conflictWaitMs / 1000 + " s";
        status = conflictStatus;
        LOG.error("XMPP: the server closed the hub's stream because another client logged in with its address {}@{}/{}. The hub"
                + " waits {} s before it logs in again (longer after each such conflict). Another hub on the same account? Give each"
                + " a resource of its own (xmpp.resource), or let hub instances share one session log, so that only one logs in.",
                s.username(), s.xmppDomain(), s.resource(), conflictWaitMs / 1000);
        synchronized (wake) {
            wake.notifyAll();
        }
        return true;
    }

    /** Logs out if logged in, and waits until this instance may hold the account (or the hub stops). */
    private void standBy() {
        XMPPTCPConnection c = connection;
        if (c != null && c.isConnected()) {
            LOG.info("XMPP account handed over: another hub instance holds it now; logging out");
            c.setReplyTimeout(1_000);
            c.disconnect();
        }
        String by = holderNow.get();
        String now = by.isEmpty() ? "STANDBY: this instance's lease on the XMPP account is not renewed (the session log is out of"
                + " reach, or another instance's lease has not run out yet)" : "STANDBY: hub instance " + by + " holds the XMPP account";
        if (!standingBy) {
            LOG.info("XMPP: {}; this instance sends nothing until it holds it", now);
        }
        status = now;
        standingBy = true;
        synchronized (wake) {
            try {
                wake.wait(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
        }
    }

    /** Runs the after-login work; if it fails (the session log is away), it is tried again in a while. */
    private void rejoin() {
        try {
            onConnected.run();
            rejoinPending = false;
        } catch (RuntimeException e) {
            LOG.warn("After the XMPP login the rooms could not be joined again ({}): trying again shortly", e.toString());
            try {
                Thread.sleep(s.retryIntervalMs());
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void connect() throws Exception {
        XMPPTCPConnection old = connection;
        if (old != null) {
            old.instantShutdown();
        }
        XMPPTCPConnectionConfiguration.Builder b = XMPPTCPConnectionConfiguration.builder()
                .setXmppDomain(s.xmppDomain())
                .setHost(s.host())
                .setPort(s.port())
                .setUsernameAndPassword(s.username(), s.password())
                .setResource(s.resource())
                .setConnectTimeout((int) s.replyTimeoutMs())
                .setSecurityMode(switch (s.tls()) {
                    case "disabled" -> SecurityMode.disabled;
                    case "if-possible" -> SecurityMode.ifpossible;
                    default -> SecurityMode.required;
                });
        if (s.truststore() != null && !s.truststore().toString().isEmpty()) {
            b.setCustomSSLContext(sslContext());
        }
        XMPPTCPConnection c = new XMPPTCPConnection(b.build());
        // The hub writes its message stanzas itself (SafeMessage), which Smack's stream
        // management would not count: with XEP-0198 on, the server's count would exceed Smack's
        // and Smack would close the stream. Delivery is tracked by receipts and the outbox instead.
        c.setUseStreamManagement(false);
        c.setReplyTimeout(s.replyTimeoutMs());
        // Smack's default closes the connection on a stanza it cannot parse. Anyone can send the
        // hub one (a bad timestamp in a delay element will do), and a server would deliver it
        // again from offline storage after every login: the hub would never stay connected.
        c.setParsingExceptionCallback(new org.jivesoftware.smack.parsing.ParsingExceptionCallback() {
            @Override
            public void handleUnparsableStanza(org.jivesoftware.smack.UnparseableStanza stanza) {
                LOG.warn("XMPP stanza ignored, it could not be parsed ({}): {}", stanza.getParsingException().toString(),
                        excerpt(stanza.getContent()));
            }
        });
        c.addConnectionListener(new AbstractConnectionListener() {
            @Override
            public void connectionClosedOnError(Exception e) {
                if (conflicted(e)) {
                    return;
                }
                status = "RECONNECTING";
                LOG.warn("XMPP connection lost ({}): reconnecting", describe(e));
                synchronized (wake) {
                    wake.notifyAll();
                }
            }
        });
        // Synchronous: messages reach the log in the order the server delivered them (the sink only queues).
        c.addSyncStanzaListener(this::received, StanzaTypeFilter.MESSAGE);
        c.addSyncStanzaListener(this::sawPresence, StanzaTypeFilter.PRESENCE);
        DeliveryReceiptManager receipts = DeliveryReceiptManager.getInstanceFor(c);
        receipts.addReceiptReceivedListener((from, to, receiptId, receipt) -> sink.accept(
                new InboundMessage(InboundMessage.Kind.RECEIPT, from.asBareJid().toString(), null, null, null, null, receiptId, null, now())));
        PingManager ping = PingManager.getInstanceFor(c);
        ping.setPingInterval(30);
        ping.registerPingFailedListener(() -> {
            LOG.warn("XMPP server did not answer a ping: dropping the connection to make it again");
            c.instantShutdown();
            synchronized (wake) {
                wake.notifyAll();
            }
        });
        try {
            c.connect();
            c.login();
        } catch (Exception e) {
            c.instantShutdown();
            throw e;
        }
        if (!running) {
            c.instantShutdown();
            return;
        }
        logins.increment();
        connection = c;
    }

    /** A stanza for the log: one line (it comes from anyone), and not all of it. */
    private static String excerpt(CharSequence content) {
        String one = String.valueOf(content).replaceAll("[\\r\\n\\t]+", " ");
        return one.length() <= 400 ? one : one.substring(0, 400) + "...";
    }

    private SSLContext sslContext() throws Exception {
        String name = s.truststore().getFileName().toString().toLowerCase();
        KeyStore ks = KeyStore.getInstance(name.endsWith(".p12") || name.endsWith(".pfx") ? "PKCS12" : "JKS");
        try (InputStream in = Files.newInputStream(s.truststore())) {
            ks.load(in, s.truststorePassword() == null ? null : s.truststorePassword().toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        return ssl;
    }

    // ------------------------------------------------------------------ inbound

    private void received(Stanza stanza) {
        Message m = (Message) stanza;
        try {
            if (m.getType() == Message.Type.groupchat) {
                forgetCollected(m);
            }
            if (m.getType() == Message.Type.error) {
                StanzaError e = m.getError();
                sink.accept(new InboundMessage(e != null && e.getType() == StanzaError.Type.WAIT ? InboundMessage.Kind.TRY_AGAIN
                        : InboundMessage.Kind.ERROR, bare(m.getFrom()), null, null, null, null, m.getStanzaId(),
                        e == null ? "unknown error" : describe(e), now()));
                return;
            }
            if (m.getType() == Message.Type.groupchat && m.getBody() == null && m.getSubject() != null && m.getFrom() != null) {
                // A room sends its subject after its history (XEP-0045 7.2.16): what follows is live.
                catchingUp.remove(m.getFrom().asBareJid().toString());
            }
            if (m.getBody() == null) {
                return; // chat states, receipts (handled by their manager), invitations' echoes
            }
            if (m.getType() == Message.Type.groupchat) {
                if (m.getFrom() == null || m.getFrom().getResourceOrNull() == null) {
                    return;
                }
                EntityBareJid room = m.getFrom().asEntityBareJidIfPossible();
                DelayInformation delay = roomsDelay(m, room.toString());
                OffsetDateTime written = null;
                if (delay != null) {
                    // A room replays its history to whoever joins: news only when the hub asked for
                    // what it missed, and only what was written since.
                    OffsetDateTime since = catchingUp.get(room.toString());
                    if (since == null || delay.getStamp() == null || delay.getStamp().toInstant().isBefore(since.toInstant())) {
                        return;
                    }
                    written = delay.getStamp().toInstant().atOffset(java.time.ZoneOffset.UTC);
                }
                String nick = m.getFrom().getResourceOrEmpty().toString();
                MultiUserChat muc = MultiUserChatManager.getInstanceFor(connection).getMultiUserChat(room);
                if (nick.equals(muc.getNickname() == null ? s.nickname() : muc.getNickname().toString())) {
                    return; // the hub's own post
                }
                // Who holds the nickname now need not be who wrote an old message: then only the
                // room's own note of the author (XEP-0033 ofrom, XEP-0045 7.2.15) says who.
                String sender = written == null ? occupantJid(room.toString(), nick) : originalSender(room.toString(), m);
                sink.accept(new InboundMessage(InboundMessage.Kind.ROOM, room.toString(), sender, nick, m.getThread(), m.getBody(), null,
                        null, written == null ? now() : written, written != null));
                return;
            }
            sink.accept(new InboundMessage(InboundMessage.Kind.DIRECT, bare(m.getFrom()), null, null, m.getThread(), m.getBody(), null, null,
                    now()));
        } catch (RuntimeException e) {
            LOG.error("An XMPP message could not be handed to the session log: {}", e.toString());
        }
    }

    /**
     * Empties the room's message collector. Smack 4.3's MultiUserChat queues every group chat
     * message of a joined room, up to 5,000 (SmackConfiguration.getStanzaCollectorSize()), for
     * nextMessage and pollMessage, which the hub never calls: it reads them here. Smack fills
     * collectors before it runs this listener, so each message is dropped from there as it is
     * handled, and a room holds none in memory.
     */
    private void forgetCollected(Message m) {
        XMPPTCPConnection c = connection;
        EntityBareJid room = m.getFrom() == null ? null : m.getFrom().asEntityBareJidIfPossible();
        if (c == null || room == null) {
            return;
        }
        MultiUserChat muc = MultiUserChatManager.getInstanceFor(c).getMultiUserChat(room);
        try {
            while (muc.pollMessage() != null) {
                // dropped: the message was read by this listener
            }
        } catch (org.jivesoftware.smackx.muc.MultiUserChatException.MucNotJoinedException notJoined) {
            // no collector: nothing kept
        }
    }

    /** The room's occupant id on a stanza (XEP-0421), if it sent one. */
    private static String occupantId(Stanza stanza) {
        org.jivesoftware.smack.packet.ExtensionElement e = stanza.getExtension("occupant-id", OCCUPANT_ID);
        return e instanceof org.jivesoftware.smack.packet.StandardExtensionElement x ? x.getAttributeValue("id") : null;
    }

    /** The delay the room itself put on a message it replays (XEP-0203, from the room), if any; a sender's own does not count. */
    private static DelayInformation roomsDelay(Message m, String room) {
        for (org.jivesoftware.smack.packet.ExtensionElement e : m.getExtensions(DelayInformation.ELEMENT, DelayInformation.NAMESPACE)) {
            if (e instanceof DelayInformation d && d.getFrom() != null && room.equalsIgnoreCase(d.getFrom().replaceFirst("/.*", ""))) {
                return d;
            }
        }
        return null;
    }

    /** Who wrote a message the room replays, by its occupant id; null when the hub never saw that occupant. */
    private String originalSender(String room, Message m) {
        // Not an XEP-0033 ofrom: nothing says the room put it there and not the author.
        String id = occupantId(m);
        return id == null ? null : occupants.get(room + " " + id);
    }

    /**
     * Notes the real JID behind each occupant id a room shows the hub. A listener of the
     * connection's own, like {@link #received}: Smack runs both in the order the stanzas came,
     * so a rejoin's occupants are known before its history is read (the room's participant
     * listeners run apart from that order).
     */
    private void sawPresence(Stanza stanza) {
        Presence p = (Presence) stanza;
        destroyed.note(p, this::nicknameIn);
        MUCUser user = MUCUser.from(p);
        String id = occupantId(p);
        if (id == null || user == null || user.getItem() == null || user.getItem().getJid() == null || p.getFrom() == null) {
            return;
        }
        occupants.put(p.getFrom().asBareJid() + " " + id, bare(user.getItem().getJid()));
    }

    /**
     * Reports who enters and leaves the room (not the hub itself). Smack calls this in order
     * with the room's other presences; each room object of a connection is
     * watched once (a new connection has new room objects).
     */
    private void watch(MultiUserChat muc) {
        synchronized (watched) {
            if (!watched.add(muc)) {
                return;
            }
        }
        String room = muc.getRoom().toString();
        muc.addParticipantListener(presence -> occupancy(room, presence));
    }

    private void occupancy(String room, Presence p) {
        try {
            if (p.getFrom() == null || p.getFrom().getResourceOrNull() == null
                    || (p.getType() != Presence.Type.available && p.getType() != Presence.Type.unavailable)) {
                return;
            }
            String nick = p.getFrom().getResourceOrEmpty().toString();
            if (nick.equals(nicknameIn(room))) {
                return; // the hub, under whichever nickname it has there
            }
            MUCUser user = MUCUser.from(p);
            String real = user != null && user.getItem() != null && user.getItem().getJid() != null ? bare(user.getItem().getJid()) : null;
            sink.accept(new InboundMessage(p.getType() == Presence.Type.available ? InboundMessage.Kind.JOINED : InboundMessage.Kind.LEFT,
                    room, real, nick, null, null, null, null, now()));
        } catch (RuntimeException e) {
            LOG.error("A presence in room {} could not be handed to the session log: {}", room, e.toString());
        }
    }

    // ------------------------------------------------------------------ outbound

    /** A direct message to a bare JID, asking for a delivery receipt (XEP-0184). */
    public void sendDirect(String stanzaId, String to, String subject, String body, String thread)
            throws XmppUnavailableException, XmppRefusedException {
        XMPPTCPConnection c = ready();
        try {
            c.sendNonza(new SafeMessage(stanzaId, jid(to).toString(), "chat", subject, body, thread, true));
        } catch (SmackException.NotConnectedException e) {
            throw unavailable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable(e);
        }
    }

    /**
     * Makes the room (members-only, hidden, persistent until closed, real JIDs visible to the hub) or, if it
     * exists, joins it again; grants the members membership. A server that will not make the
     * room members-only is refused when the settings require it: case text is not posted where
     * anyone could walk in. Returns true when the room was made anew: whoever was in it before
     * is not any more, and has to be invited again.
     */
    public boolean openRoom(String roomJid, String name, Collection<String> members) throws XmppUnavailableException, XmppRefusedException {
        return openRoom(roomJid, name, members, null);
    }

    /**
     * {@link #openRoom(String, String, Collection)}; when the hub was away from an existing
     * room since {@code missedSince} (its own clock), joining asks the room for what was written
     * since then, and hands it on as late messages (as far as the server keeps history).
     */
    public boolean openRoom(String roomJid, String name, Collection<String> members, OffsetDateTime missedSince)
            throws XmppUnavailableException, XmppRefusedException {
        MultiUserChat muc = room(roomJid);
        watch(muc);
        MultiUserChat.MucCreateConfigFormHandle created = null;
        try {
            if (!muc.isJoined()) {
                created = enter(muc, missedSince);
                if (created != null) {
                    configure(muc, name);
                }
                if (s.requireMembersOnly() && !membersOnly(c(), muc)) {
                    // A room that existed already, or a server that ignored the configuration.
                    if (created == null) {
                        configure(muc, name);
                    }
                    if (!membersOnly(c(), muc)) {
                        destroyQuietly(muc);
                        throw new XmppRefusedException("Cannot make the room members-only: the server reports it open to anyone");
                    }
                }
            }
            for (String member : members) {
                muc.grantMembership(jid(member));
            }
            return created != null;
        } catch (XmppRefusedException e) {
            leaveQuietly(muc);
            throw e;
        } catch (XMPPException.XMPPErrorException e) {
            throw new XmppRefusedException(describe(e.getStanzaError()));
        } catch (org.jivesoftware.smackx.muc.MultiUserChatException.MucAlreadyJoinedException e) {
            return false; // joined meanwhile by another path: the room is there
        } catch (XmppStringprepException | org.jivesoftware.smackx.muc.MultiUserChatException e) {
            throw new XmppRefusedException(e.getMessage());
        } catch (Exception e) {
            throw failure(e);
        }
    }

    /** How many nicknames the hub tries in a room: its own, then its own with -2, -3. */
    private static final int NICKNAMES = 3;

    /**
     * Makes or joins the room under the hub's nickname; when someone in the room holds it (a
     * member who took it while the hub was out: 409 conflict), under an alternative, so that
     * one member cannot keep the hub out of the room.
     */
    private MultiUserChat.MucCreateConfigFormHandle enter(MultiUserChat muc, OffsetDateTime missedSince) throws Exception {
        for (int n = 1;; n++) {
            String nick = n == 1 ? s.nickname() : s.nickname() + "-" + n;
            MucEnterConfiguration.Builder enter = muc.getEnterConfigurationBuilder(Resourcepart.from(nick))
                    .timeoutAfter(s.replyTimeoutMs());
            if (missedSince == null) {
                enter.requestNoHistory();
            } else {
                // In seconds back from the room's own now: the two clocks need not agree.
                long seconds = java.time.Duration.between(missedSince, now()).getSeconds() + CLOCK_MARGIN_SECONDS;
                enter.requestHistorySince((int) Math.max(1, Math.min(seconds, Integer.MAX_VALUE)));
                // Set before the join: the history arrives while it is under way.
                catchingUp.put(muc.getRoom().toString(), missedSince.minusSeconds(CLOCK_MARGIN_SECONDS));
            }
            try {
                return muc.createOrJoin(enter.build());
            } catch (XMPPException.XMPPErrorException e) {
                if (n == NICKNAMES || e.getStanzaError() == null || e.getStanzaError().getCondition() != StanzaError.Condition.conflict) {
                    throw e;
                }
                LOG.warn("Someone in group chat {} holds the hub's nickname {}: the hub joins as {}-{}", muc.getRoom(), nick, s.nickname(),
                        n + 1);
            }
        }
    }

    private void configure(MultiUserChat muc, String name) throws Exception {
        Form form;
        try {
            form = muc.getConfigurationForm();
        } catch (SmackException.NoResponseException | XMPPException.XMPPErrorException e) {
            String why = "the server offers no room configuration (" + describe(e) + ")";
            if (s.requireMembersOnly()) {
                destroyQuietly(muc);
                throw new XmppRefusedException("Cannot make the room members-only: " + why);
            }
            LOG.warn("Room {} stays as the server made it: {}", muc.getRoom(), why);
            return;
        }
        Form answer = form.createAnswerForm();
        boolean membersOnly = set(answer, "muc#roomconfig_membersonly", true);
        set(answer, "muc#roomconfig_publicroom", false);
        // Persistent: a room must outlive the hub's reconnects with its member list; CLOSE destroys it.
        set(answer, "muc#roomconfig_persistentroom", true);
        set(answer, "muc#roomconfig_allowinvites", false);
        set(answer, "muc#roomconfig_changesubject", false);
        FormField whois = answer.getField("muc#roomconfig_whois");
        if (whois != null) {
            answer.setAnswer("muc#roomconfig_whois", List.of("moderators"));
        }
        FormField roomName = answer.getField("muc#roomconfig_roomname");
        if (roomName != null && name != null) {
            answer.setAnswer("muc#roomconfig_roomname", name);
        }
        if (!membersOnly && s.requireMembersOnly()) {
            destroyQuietly(muc);
            throw new XmppRefusedException("Cannot make the room members-only: the server's room configuration has no members-only option");
        }
        muc.sendConfigurationForm(answer);
    }

    /** What the room says about itself (XEP-0045 disco#info feature muc_membersonly). */
    private static boolean membersOnly(XMPPTCPConnection c, MultiUserChat muc) throws Exception {
        return MultiUserChatManager.getInstanceFor(c).getRoomInfo(muc.getRoom()).isMembersOnly();
    }

    private XMPPTCPConnection c() throws XmppUnavailableException {
        return ready();
    }

    private static boolean set(Form answer, String field, boolean value) {
        if (answer.getField(field) == null) {
            return false;
        }
        answer.setAnswer(field, value);
        return true;
    }

    /** Invites a member (who was granted membership) into the room. */
    public void invite(String roomJid, String member, String reason) throws XmppUnavailableException, XmppRefusedException {
        MultiUserChat muc = joined(roomJid);
        try {
            muc.grantMembership(jid(member));
            muc.invite(JidCreate.entityBareFrom(member), reason);
        } catch (XMPPException.XMPPErrorException e) {
            throw new XmppRefusedException(describe(e.getStanzaError()));
        } catch (Exception e) {
            throw failure(e);
        }
    }

    /**
     * Takes a member's membership away, which also removes them from a members-only room
     * (XEP-0045 9.4), then kicks them if still in. In that order, so that they cannot join
     * again between the kick and the revocation. The revocation does not need the hub in the
     * room: an owner changes affiliations from outside (XEP-0045 10.6), so a member who holds
     * the hub's nickname while it is out cannot keep themselves in by blocking its join.
     */
    public void remove(String roomJid, String member, String reason) throws XmppUnavailableException, XmppRefusedException {
        MultiUserChat muc = room(roomJid);
        try {
            Jid who = jid(member);
            muc.revokeMembership(who);
            if (!muc.isJoined()) {
                return;
            }
            for (EntityFullJid occupant : muc.getOccupants()) {
                Occupant o = muc.getOccupant(occupant);
                if (o != null && o.getJid() != null && o.getJid().asBareJid().equals(who.asBareJid())) {
                    try {
                        muc.kickParticipant(occupant.getResourcepart(), reason);
                    } catch (XMPPException.XMPPErrorException gone) {
                        // The revocation took them out already (the room had not said so yet).
                        LOG.debug("Kicking {} from {} after revoking: {}", occupant, roomJid, describe(gone.getStanzaError()));
                    }
                }
            }
        } catch (XMPPException.XMPPErrorException e) {
            if (e.getStanzaError() != null && e.getStanzaError().getCondition() == StanzaError.Condition.item_not_found) {
                return; // the room is gone: nobody is its member, and a room made again invites only the active ones
            }
            throw new XmppRefusedException(describe(e.getStanzaError()));
        } catch (Exception e) {
            throw failure(e);
        }
    }

    public void post(String roomJid, String stanzaId, String body) throws XmppUnavailableException, XmppRefusedException {
        MultiUserChat muc = joined(roomJid);
        try {
            ready().sendNonza(new SafeMessage(stanzaId, muc.getRoom().toString(), "groupchat", null, body, null, false));
        } catch (Exception e) {
            throw failure(e);
        }
    }

    /**
     * Posts the closing line and destroys the room, so nobody stays in a room of a closed case.
     * A room the hub is not in (gone with a server restart) is not made again just to be
     * destroyed: its owner destroys it from outside, and a room that is gone already is fine.
     */
    public void closeRoom(String roomJid, String closingLine) throws XmppUnavailableException, XmppRefusedException {
        MultiUserChat muc = room(roomJid);
        catchingUp.remove(muc.getRoom().toString());
        try {
            if (muc.isJoined()) {
                ready().sendNonza(new SafeMessage(null, muc.getRoom().toString(), "groupchat", null, closingLine, null, false));
            }
            muc.destroy(null, null);
        } catch (XMPPException.XMPPErrorException e) {
            if (e.getStanzaError() != null && e.getStanzaError().getCondition() == StanzaError.Condition.item_not_found) {
                return; // gone already
            }
            throw new XmppRefusedException(describe(e.getStanzaError()));
        } catch (Exception e) {
            throw failure(e);
        }
    }

    /** Whether the hub is in the room now (a new connection is in no room until it joins again). */
    public boolean isJoined(String roomJid) throws XmppUnavailableException, XmppRefusedException {
        return room(roomJid).isJoined();
    }

    /**
     * The connection stanzas are written to now, as an opaque token for {@link #confirmWritten}
     * (null when there is none).
     */
    public Object link() {
        return connection;
    }

    /**
     * Returns once the server has answered a ping, written on the connection {@code link}
     * names after everything the hub wrote to it before. A server handles the stanzas of a stream in order, so by then it has taken
     * them all. Without stream management (see {@link #connect}) this is how the hub knows
     * that a message written just before the connection died did not die with it. No answer
     * in time: the connection is dropped, to be made again, and the caller sends again.
     */
    public void confirmWritten(Object link) throws XmppUnavailableException {
        if (!(link instanceof XMPPTCPConnection c) || c != connection || !c.isAuthenticated()) {
            // Written into a connection that has been replaced since: only a dead one is replaced.
            throw new XmppUnavailableException("the connection the messages were written to is gone", null);
        }
        boolean answered;
        try {
            answered = PingManager.getInstanceFor(c).pingMyServer(false, s.replyTimeoutMs());
        } catch (SmackException.NotConnectedException e) {
            throw unavailable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable(e);
        }
        if (!answered) {
            LOG.warn("XMPP server did not confirm what the hub wrote within {} ms: dropping the connection to make it again",
                    s.replyTimeoutMs());
            c.instantShutdown();
            synchronized (wake) {
                wake.notifyAll();
            }
            throw new XmppUnavailableException("the XMPP server did not confirm the messages within " + s.replyTimeoutMs() + " ms", null);
        }
    }

    /**
     * The room, joined. Joining a room that is gone (the server restarted, everyone left)
     * would create it unconfigured, so a room the hub is not in is opened as a new one.
     */
    private MultiUserChat joined(String roomJid) throws XmppUnavailableException, XmppRefusedException {
        MultiUserChat muc = room(roomJid);
        if (!muc.isJoined()) {
            openRoom(roomJid, null, List.of());
        }
        return muc;
    }

    private MultiUserChat room(String roomJid) throws XmppUnavailableException, XmppRefusedException {
        XMPPTCPConnection c = ready();
        MultiUserChat muc;
        try {
            muc = MultiUserChatManager.getInstanceFor(c).getMultiUserChat(JidCreate.entityBareFrom(roomJid));
        } catch (XmppStringprepException e) {
            throw new XmppRefusedException("not a room address: " + e.getMessage());
        }
        if (destroyed.take(muc.getRoom().toString()) && muc.isJoined()) {
            // Smack missed the destruction (see DestroyedRooms): leaving resets its state, so the
            // room counts as not joined and is made again like any room the server lost.
            LOG.info("Group chat {} was destroyed by someone else: the hub makes it again at its next step there", roomJid);
            leaveQuietly(muc);
        }
        return muc;
    }

    /** The hub's nickname in the room (bare address) on the current connection: the one it joined with, or the configured one. */
    private String nicknameIn(String room) {
        XMPPTCPConnection c = connection;
        try {
            MultiUserChat muc = c == null ? null : MultiUserChatManager.getInstanceFor(c).getMultiUserChat(JidCreate.entityBareFrom(room));
            return muc != null && muc.getNickname() != null ? muc.getNickname().toString() : s.nickname();
        } catch (XmppStringprepException e) {
            return s.nickname();
        }
    }

    private XMPPTCPConnection ready() throws XmppUnavailableException {
        XMPPTCPConnection c = connection;
        if (c == null || !c.isAuthenticated()) {
            throw new XmppUnavailableException("the XMPP server is not connected (" + status + ")", null);
        }
        return c;
    }

    private static void leaveQuietly(MultiUserChat muc) {
        try {
            if (muc.isJoined()) {
                muc.leave();
            }
        } catch (Exception e) {
            LOG.debug("leaving {}: {}", muc.getRoom(), e.toString());
        }
    }

    private static void destroyQuietly(MultiUserChat muc) {
        try {
            muc.destroy("The hub could not configure this room", null);
        } catch (Exception e) {
            leaveQuietly(muc);
        }
    }

    // ------------------------------------------------------------------ helpers

    private static Jid jid(String s) throws XmppRefusedException {
        try {
            return JidCreate.from(s);
        } catch (XmppStringprepException e) {
            throw new XmppRefusedException("not a JID: " + e.getMessage());
        }
    }

    private static String bare(Jid j) {
        return j == null ? null : j.asBareJid().toString();
    }

    private static XmppUnavailableException unavailable(Exception e) {
        return new XmppUnavailableException(describe(e), e);
    }

    /**
     * Connection trouble and silence are worth another try (returned, to throw); anything else
     * the server or Smack refused (thrown).
     */
    private static XmppUnavailableException failure(Exception e) throws XmppRefusedException {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        if (e instanceof XmppUnavailableException u) {
            return u;
        }
        if (e instanceof XmppRefusedException r) {
            throw r;
        }
        if (e instanceof SmackException.NotConnectedException || e instanceof SmackException.NoResponseException
                || e instanceof InterruptedException) {
            return unavailable(e);
        }
        throw new XmppRefusedException(describe(e));
    }

    static String describe(StanzaError e) {
        if (e == null) {
            return "error";
        }
        String text = e.getDescriptiveText();
        return e.getCondition() + (text == null || text.isEmpty() ? "" : ": " + text);
    }

    private static String describe(Throwable e) {
        if (e instanceof XMPPException.XMPPErrorException x) {
            return describe(x.getStanzaError());
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    private static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC);
    }

    /** The connection's state for Camel's health check {@code xmpp} (readiness only: the hub lives on without it). */
    public ReadinessCheck healthCheck() {
        // Standing by is ready: another instance holds the account, and this one queues for it.
        return new ReadinessCheck("xmpp", () -> new ReadinessCheck.Reading(isConnected() || standingBy, "XMPP " + status,
                Map.of("server", s.toString(), "status", status)));
    }
}
