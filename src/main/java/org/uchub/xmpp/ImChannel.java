package org.uchub.xmpp;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.uchub.contract.ModifySessionRequest;
import org.uchub.contract.ReplyStatus;
import org.uchub.contract.SessionOptions;
import org.uchub.contract.StartSessionRequest;
import org.uchub.directory.Directory;
import org.uchub.request.ErrorCode;
import org.uchub.request.HubRequest;
import org.uchub.request.RequestRules;
import org.uchub.request.ResolvedParticipant;
import org.uchub.sessionlog.ChannelProgress;
import org.uchub.sessionlog.ChannelProgress.Party;
import org.uchub.sessionlog.ChannelProgress.Running;
import org.uchub.sessionlog.SessionUpdate;

/**
 * The IM channel (bean {@code im}): one participant gets a direct message, several get a
 * members-only room of their own for the session. Every request becomes outbox work first
 * and is then sent while the server is there; what the server could not take yet waits and
 * is sent by {@link #retryPending()}, or fails with XMPP_UNAVAILABLE after the give-up time.
 */
public class ImChannel {
    static final String SOURCE = "xmpp";
    private static final Logger LOG = LoggerFactory.getLogger(ImChannel.class);

    private final XmppConnection xmpp;
    private final ImOutbox outbox;
    private final ChannelProgress progress;
    private final Directory directory;
    private final java.util.concurrent.ExecutorService sender = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "uc-im-sender");
        t.setDaemon(true);
        return t;
    });
    private final java.util.concurrent.atomic.AtomicBoolean sendQueued = new java.util.concurrent.atomic.AtomicBoolean();

    public ImChannel(XmppConnection xmpp, ImOutbox outbox, ChannelProgress progress, Directory directory) {
        this.xmpp = xmpp;
        this.outbox = outbox;
        this.progress = progress;
        this.directory = directory;
    }

    // ------------------------------------------------------------------ requests

    public HubRequest start(HubRequest r) {
        if (!xmpp.settings().configured()) {
            return notConfigured(r);
        }
        Running s = progress.running(r.getSessionId()).orElseThrow();
        SessionOptions o = ((StartSessionRequest) r.getPayload()).getOptions();
        String subject = o == null ? null : o.getSubject();
        String text = o == null || o.getText() == null || o.getText().isEmpty() ? subject : o.getText();
        List<ImOutbox.Work> work = new ArrayList<>();
        if (s.parties().size() == 1) {
            Party p = s.parties().get(0);
            work.add(new ImOutbox.Work(ImOutbox.DIRECT, bare(p.address()), p.id(), subject, text == null ? "" : text));
        } else {
            String room = roomOf(s);
            work.add(new ImOutbox.Work(ImOutbox.ROOM_OPEN, room, null, subject, roomName(s)));
            for (Party p : s.parties()) {
                work.add(new ImOutbox.Work(ImOutbox.INVITE, bare(p.address()), p.id(), null, invitation(s)));
            }
            if (text != null) {
                work.add(new ImOutbox.Work(ImOutbox.POST, room, null, null, text));
            }
        }
        outbox.add(s.sessionId(), requestKey(r), work);
        deliverSoon();
        return replied(r, s.parties().size() == 1 ? "Message to " + s.parties().get(0).address() : "Group chat " + roomOf(s));
    }

    public HubRequest change(HubRequest r) {
        if (!xmpp.settings().configured()) {
            return notConfigured(r);
        }
        Running s = progress.running(r.getSessionId()).orElseThrow();
        String text = ((ModifySessionRequest) r.getPayload()).getText();
        String room = outbox.roomOf(s.sessionId()).orElse(null);
        List<ImOutbox.Work> work = new ArrayList<>();
        // One resource of an account named in place of another (the log's swap) is the same
        // bare JID, which the hub writes to: nothing to tell, and a REMOVE would kick her out.
        java.util.Set<String> addedAccounts = r.getAdded().stream().map(a -> bare(a.address()))
                .collect(java.util.stream.Collectors.toSet());
        java.util.Set<String> removedAccounts = r.getRemoved().stream().map(a -> bare(a.address()))
                .collect(java.util.stream.Collectors.toSet());
        for (ResolvedParticipant added : r.getAdded()) {
            Party p = s.party(added.address());
            if (removedAccounts.contains(bare(added.address()))) {
                continue;
            }
            if (room != null) {
                work.add(new ImOutbox.Work(ImOutbox.INVITE, bare(p.address()), p.id(), null, invitation(s)));
            } else {
                work.add(new ImOutbox.Work(ImOutbox.DIRECT, bare(p.address()), p.id(), null,
                        text != null && !text.isEmpty() ? text : "You were added to case " + s.businessId() + "."));
            }
        }
        for (ResolvedParticipant removed : r.getRemoved()) {
            if (room != null && !addedAccounts.contains(bare(removed.address()))) {
                Party p = s.party(removed.address());
                work.add(new ImOutbox.Work(ImOutbox.REMOVE, bare(p.address()), p.id(), null, "Removed from case " + s.businessId()));
            }
        }
        if (text != null && !text.isEmpty()) {
            if (room != null) {
                work.add(new ImOutbox.Work(ImOutbox.POST, room, null, null, text));
            } else {
                for (Party p : s.parties()) {
                    // Those just added had the text with their welcome; one swapped in did not.
                    if (p.isActive() && r.getAdded().stream().noneMatch(a -> a.address().equalsIgnoreCase(p.address())
                            && !removedAccounts.contains(bare(a.address())))) {
                        work.add(new ImOutbox.Work(ImOutbox.DIRECT, bare(p.address()), p.id(), null, text));
                    }
                }
            }
        }
        if (work.isEmpty()) {
            r.outcome(ReplyStatus.ACCEPTED, "Recorded; instant messages have nothing to mute or unmute.");
            return r;
        }
        outbox.add(s.sessionId(), requestKey(r), work);
        deliverSoon();
        return replied(r, "The changes");
    }

    /**
     * ModifySession of a conference, after the PBX step: the participants already in it who
     * have a JID in the directory are told by IM who joins. Without an XMPP server this does
     * nothing; the announcement in the room still tells everyone.
     */
    public HubRequest notifyConference(HubRequest r) {
        if (r.getAdded().isEmpty() || !xmpp.settings().configured()) {
            return r;
        }
        Running s = progress.running(r.getSessionId()).orElseThrow();
        String who = r.getAdded().stream().map(p -> p.displayName() != null ? p.displayName() : p.address())
                .collect(java.util.stream.Collectors.joining(", "));
        String text = who + (r.getAdded().size() == 1 ? " joins" : " join") + " the conference of case " + s.businessId() + ".";
        List<ImOutbox.Work> work = new ArrayList<>();
        for (Party p : s.parties()) {
            boolean added = r.getAdded().stream().anyMatch(a -> a.address().equalsIgnoreCase(p.address()));
            if (!p.isActive() || added || p.personId() == null) {
                continue;
            }
            directory.find(p.personId()).map(Directory.Person::jid).filter(j -> j != null && !j.isBlank())
                    .ifPresent(jid -> work.add(new ImOutbox.Work(ImOutbox.NOTIFY, bare(jid), p.id(), null, text)));
        }
        outbox.add(s.sessionId(), requestKey(r), work);
        deliverSoon();
        return r;
    }

    /** EndSession, after the log closed the session: a room gets its closing line and is destroyed. */
    public HubRequest close(HubRequest r) {
        String room = outbox.roomOf(r.getSessionId()).orElse(null);
        if (room == null || !xmpp.settings().configured()) {
            r.outcome(ReplyStatus.OK, "Session ended.");
            return r;
        }
        if (outbox.closeQueued(r.getSessionId())) {
            r.outcome(ReplyStatus.OK, "Session ended; the group chat is being closed or closed already.");
            return r;
        }
        outbox.add(r.getSessionId(), requestKey(r), List.of(new ImOutbox.Work(ImOutbox.CLOSE, room, null, null,
                xmpp.settings().closingLine())));
        deliverSoon();
        r.outcome(ReplyStatus.OK, xmpp.isConnected() || xmpp.isStandingBy() ? "Session ended; the group chat is being closed."
                : "Session ended; the group chat is closed when the XMPP server is back.");
        return r;
    }

    private HubRequest notConfigured(HubRequest r) {
        String detail = "XMPP_NOT_CONFIGURED: no XMPP server is configured (xmpp.host), so no message was sent.";
        progress.fail(r.getSessionId(), "channel:im", detail);
        r.failed(ErrorCode.XMPP_NOT_CONFIGURED, "No XMPP server is configured for this hub (xmpp.host): no message was sent"
                + " and the session is FAILED.");
        return r;
    }

    private HubRequest replied(HubRequest r, String what) {
        if (xmpp.isStandingBy() || !xmpp.mayHoldAccount()) {
            r.outcome(ReplyStatus.ACCEPTED, what + ": queued; the hub instance that holds the XMPP account sends it in order;"
                    + " sending, delivery and replies are logged.");
        } else if (xmpp.isConnected()) {
            r.outcome(ReplyStatus.ACCEPTED, what + ": queued for the XMPP server and sent in order; sending, delivery and replies"
                    + " are logged.");
        } else {
            progress.apply(SessionUpdate.session(r.getSessionId(), ChannelProgress.PENDING, "XMPP_UNAVAILABLE", SOURCE,
                    "The XMPP server is not reachable (" + xmpp.status() + "): the messages wait for it."));
            r.outcome(ReplyStatus.ACCEPTED, what + ": the XMPP server is not reachable now; the messages are sent when it is back,"
                    + " or FAILED with XMPP_UNAVAILABLE after " + xmpp.settings().retryGiveUpMs() / 1000 + " s.");
        }
        return r;
    }

    // ------------------------------------------------------------------ sending

    /**
     * Has the sender thread deliver what the outbox holds: a request does not wait for the
     * XMPP server, which may take up to the reply timeout per step to answer (or not at all
     * while a connection dies), and requests of other channels share its thread. Wake-ups
     * that come while one is queued are one wake-up: a pass sends everything pending.
     */
    void deliverSoon() {
        if (sendQueued.compareAndSet(false, true)) {
            try {
                sender.execute(() -> {
                    sendQueued.set(false);
                    deliverQuietly();
                });
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                sendQueued.set(false); // the hub is stopping: the work waits in the outbox for the next start
            }
        }
    }

    /** Stops the sender thread; what it has not sent stays in the outbox. */
    public void stop() {
        sender.shutdownNow();
    }

    /**
     * {@link #deliver()} for work that is already in the outbox: whatever goes wrong now is the
     * retry timer's to finish, so the request is not applied a second time.
     */
    private void deliverQuietly() {
        try {
            deliver();
        } catch (RuntimeException e) {
            LOG.warn("IM work queued but not sent yet ({}): the retry sends it", e.toString());
        }
    }

    /**
     * Sends pending work in order while the server takes it; called by requests, the retry
     * timer and a reconnect. A message is only written to the stream, so it counts as sent
     * once the server has answered a ping written after it ({@link XmppConnection#confirmWritten}).
     * One written into a connection that was dying is sent again when the server is back,
     * instead of being taken for sent: at least once, never silently lost (a receiver whose
     * server took it just before the connection died gets it twice, with the same stanza id).
     */
    public synchronized int deliver() {
        if (!xmpp.mayHoldAccount()) {
            return 0; // another hub instance holds the account and sends what the shared outbox holds
        }
        int sent = 0;
        java.util.Set<String> held = new java.util.HashSet<>();
        Written written = new Written();
        java.util.Map<String, Boolean> over = new java.util.HashMap<>();
        for (ImOutbox.Item item : outbox.pending(500)) {
            if (!xmpp.mayHoldAccount()) {
                break; // the account went to another instance mid-pass: the rest is its to send
            }
            if (held.contains(item.sessionId())) {
                continue; // an earlier item of the session waits: nothing may overtake it
            }
            try {
                boolean roomStep = !ImOutbox.DIRECT.equals(item.kind()) && !ImOutbox.NOTIFY.equals(item.kind())
                        && !ImOutbox.CLOSE.equals(item.kind());
                // Not a CLOSE: a room made on the server whose opening was never marked done (the
                // connection died) is destroyed by it; one never made is answered "not found", which is fine.
                ImOutbox.RoomState room = roomStep ? outbox.roomState(item.sessionId()) : null;
                if (roomStep && !ImOutbox.ROOM_OPEN.equals(item.kind()) && room.failed()) {
                    // The session's room could not be opened; the session failed with the reason.
                    outbox.failed(item.id(), "not sent: the group chat could not be opened");
                    continue;
                }
                if (roomStep && room.closeQueued() && !room.opened()) {
                    // The session ended while its group chat waited for the server: it is not made,
                    // and nobody is invited into a room that its CLOSE would destroy a moment later.
                    // (The CLOSE still runs: it clears a room half made when a connection died.)
                    outbox.failed(item.id(), "not sent: the session ended before its group chat was made");
                    continue;
                }
                if ((ImOutbox.DIRECT.equals(item.kind()) || ImOutbox.NOTIFY.equals(item.kind()))
                        && over.computeIfAbsent(item.sessionId(), this::isOver)) {
                    // Queued while the server was away, or asked for again by it (IM_TRY_AGAIN): a
                    // message that reaches someone after the business system ended its case is wrong.
                    notSentAfterEnd(item);
                    continue;
                }
                if (!writtenOnly(item) && !written.items.isEmpty()) {
                    // This step waits for the server's answers: what was written before it is settled first.
                    sent += settleWritten(written, held);
                    if (held.contains(item.sessionId())) {
                        continue;
                    }
                }
                Object link = xmpp.link();
                perform(item);
                if (writtenOnly(item)) {
                    written.add(item, link, xmpp.link());
                } else if (outbox.done(item)) {
                    record(progress, done(item));
                    sent++;
                }
            } catch (XmppRefusedException e) {
                outbox.failed(item.id(), e.getMessage());
                if (ImOutbox.ROOM_OPEN.equals(item.kind())) {
                    progress.fail(item.sessionId(), SOURCE, "The group chat could not be opened: " + e.getMessage());
                } else {
                    record(progress, refused(item, e.getMessage()));
                }
            } catch (XmppUnavailableException e) {
                held.add(item.sessionId());
                giveUpIfDue(item, e.getMessage());
            }
        }
        return sent + settleWritten(written, held);
    }

    /** Whether the session has ended or failed (or the log no longer has it): nothing more is sent for it. */
    private boolean isOver(String sessionId) {
        return progress.running(sessionId).map(ChannelProgress::isOver).orElse(true);
    }

    private void notSentAfterEnd(ImOutbox.Item item) {
        String detail = "Not sent: the session was over before the XMPP server took " + describe(item);
        outbox.failed(item.id(), detail);
        progress.apply(item.participantId() != null
                ? SessionUpdate.participant(item.sessionId(), item.participantId(), null, "IM_NOT_SENT", SOURCE, detail)
                : SessionUpdate.session(item.sessionId(), null, "IM_NOT_SENT", SOURCE, detail));
    }

    /** Stanzas written in a pass and not confirmed yet, and the connection they went to. */
    private static final class Written {
        final List<ImOutbox.Item> items = new ArrayList<>();
        Object link;
        /** Written while the connection was being replaced, or to more than one: nothing tells where they went. */
        boolean unsure;

        void add(ImOutbox.Item item, Object before, Object after) {
            if (before != after || (!items.isEmpty() && link != before)) {
                unsure = true;
            }
            if (items.isEmpty()) {
                link = before;
            }
            items.add(item);
        }

        void clear() {
            items.clear();
            link = null;
            unsure = false;
        }
    }

    /** Work that only writes a stanza, which no answer of the server confirms. */
    private static boolean writtenOnly(ImOutbox.Item item) {
        return switch (item.kind()) {
            case ImOutbox.DIRECT, ImOutbox.NOTIFY, ImOutbox.POST, ImOutbox.INVITE -> true;
            default -> false;
        };
    }

    /**
     * Marks the written work sent once the server confirms, on the same connection, that it took
     * it. Otherwise it stays pending (or gives up when it waited too long) and its sessions are
     * held; work a receipt or error has meanwhile settled was plainly taken, and is not sent
     * again. A recipient's receipt can outrun the server's answer to the ping: IM_SENT then
     * follows IM_DELIVERED in the log, but is always there.
     */
    private int settleWritten(Written written, java.util.Set<String> held) {
        if (written.items.isEmpty()) {
            return 0;
        }
        String why = null;
        try {
            if (written.unsure) {
                throw new XmppUnavailableException("the connection changed while they were written", null);
            }
            xmpp.confirmWritten(written.link);
        } catch (XmppUnavailableException e) {
            why = e.getMessage();
        }
        int n = 0;
        for (ImOutbox.Item item : written.items) {
            if (why == null || outbox.settled(item.id())) {
                if (outbox.done(item)) {
                    record(progress, done(item));
                    n++;
                }
            } else {
                held.add(item.sessionId());
                giveUpIfDue(item, why);
            }
        }
        if (why != null && n < written.items.size()) {
            LOG.warn("{} IM stanza(s) written but not confirmed by the XMPP server ({}): they are sent again when it is back",
                    written.items.size() - n, why);
        }
        written.clear();
        return n;
    }

    private void perform(ImOutbox.Item item) throws XmppUnavailableException, XmppRefusedException {
        switch (item.kind()) {
            case ImOutbox.DIRECT, ImOutbox.NOTIFY -> xmpp.sendDirect(item.stanzaId(), item.target(), item.subject(), item.body(),
                    item.sessionId());
            case ImOutbox.ROOM_OPEN -> xmpp.openRoom(item.target(), item.body(), members(item.sessionId()));
            case ImOutbox.INVITE -> xmpp.invite(joinedRoom(item.sessionId()), item.target(), item.body());
            case ImOutbox.POST -> xmpp.post(joinedRoom(item.sessionId()), item.stanzaId(), item.body());
            // Not joined first: a join the room refuses (its nickname taken) must not keep a removed member in.
            case ImOutbox.REMOVE -> xmpp.remove(outbox.roomOf(item.sessionId()).orElseThrow(), item.target(), item.body());
            case ImOutbox.CLOSE -> xmpp.closeRoom(item.target(), item.body());
            default -> throw new XmppRefusedException("unknown outbox work " + item.kind());
        }
    }

    /**
     * The session's room, with the hub in it. A room the server no longer has (restarted
     * without it, or destroyed under the hub) is made again, members only, and its members are
     * invited again: they were in the old room, not in this one.
     */
    private String joinedRoom(String sessionId) throws XmppUnavailableException, XmppRefusedException {
        String room = outbox.roomOf(sessionId).orElseThrow();
        if (xmpp.isJoined(room)) {
            return room;
        }
        Running s = progress.running(sessionId).orElseThrow();
        if (ChannelProgress.FAILED.equals(s.state()) || org.uchub.sessionlog.SessionLog.STATE_ENDED.equals(s.state())) {
            throw new XmppRefusedException("the session is over and its group chat is gone: it is not made again");
        }
        List<String> members = members(sessionId);
        // What was written while the hub was away (disconnected, kicked, or not running) is asked
        // back from the room: everything since the last event that shows the hub was there (not
        // IM_REPLY: direct answers are logged so too, and arrive at the login, before the rooms).
        OffsetDateTime lastThere = progress.lastEventTime(s, "ROOM_CREATED", "ROOM_RECREATED", "IM_JOINED", "IM_LEFT").orElse(null);
        if (xmpp.openRoom(room, roomName(s), members, lastThere)) {
            for (String member : members) {
                xmpp.invite(room, member, invitation(s));
            }
            progress.apply(SessionUpdate.session(sessionId, null, "ROOM_RECREATED", SOURCE, "The XMPP server no longer had group chat "
                    + room + ": made again (members only, not listed) and its " + members.size() + " member(s) invited again"));
        }
        return room;
    }

    private void giveUpIfDue(ImOutbox.Item item, String why) {
        Duration waited = Duration.between(item.createdAt(), OffsetDateTime.now(ZoneOffset.UTC));
        if (waited.toMillis() < xmpp.settings().retryGiveUpMs()) {
            return;
        }
        String detail = "XMPP_UNAVAILABLE: the XMPP server was not reachable for " + waited.toSeconds() + " s (" + why + ")";
        outbox.failed(item.id(), detail);
        Running s = progress.running(item.sessionId()).orElse(null);
        if (ImOutbox.NOTIFY.equals(item.kind())) {
            progress.apply(SessionUpdate.session(item.sessionId(), null, "IM_FAILED", SOURCE, detail + ": " + describe(item)));
        } else if (s != null && !ChannelProgress.ACTIVE.equals(s.state())) {
            // Nothing of the session ever got through: it fails with the reason, its participants with it.
            progress.fail(item.sessionId(), SOURCE, detail);
        } else if (item.participantId() != null) {
            record(progress, SessionUpdate.participant(item.sessionId(), item.participantId(), ChannelProgress.FAILED, "IM_FAILED", SOURCE,
                    detail));
        } else {
            progress.apply(SessionUpdate.session(item.sessionId(), null, "IM_FAILED", SOURCE, detail + ": " + describe(item)));
        }
    }

    private SessionUpdate done(ImOutbox.Item item) {
        String sid = item.sessionId();
        return switch (item.kind()) {
            case ImOutbox.DIRECT -> new SessionUpdate(sid, null, null, item.participantId(), ChannelProgress.NOTIFIED,
                    ChannelProgress.ACTIVE, false, "IM_SENT", SOURCE, "Message accepted by the server for " + item.target(), null);
            case ImOutbox.NOTIFY -> SessionUpdate.participant(sid, item.participantId(), null, "IM_NOTIFIED", SOURCE,
                    "Told " + item.target() + " by IM: " + item.body());
            case ImOutbox.ROOM_OPEN -> SessionUpdate.session(sid, ChannelProgress.ACTIVE, "ROOM_CREATED", SOURCE,
                    "Group chat " + item.target() + " opened (members only, not listed)");
            case ImOutbox.INVITE -> SessionUpdate.participant(sid, item.participantId(), ChannelProgress.INVITED, "IM_INVITED", SOURCE,
                    item.target() + " invited to the group chat");
            case ImOutbox.POST -> SessionUpdate.session(sid, null, "IM_POSTED", SOURCE, item.body());
            case ImOutbox.REMOVE -> SessionUpdate.session(sid, null, "IM_REMOVED", SOURCE, item.target() + " removed from the group chat");
            default -> SessionUpdate.session(sid, null, "ROOM_CLOSED", SOURCE, "Group chat " + item.target() + " closed");
        };
    }

    private static SessionUpdate refused(ImOutbox.Item item, String error) {
        String detail = "The XMPP server refused " + describe(item) + ": " + error;
        return item.participantId() != null && !ImOutbox.NOTIFY.equals(item.kind())
                ? SessionUpdate.participant(item.sessionId(), item.participantId(), ChannelProgress.FAILED, "IM_FAILED", SOURCE, detail)
                : SessionUpdate.session(item.sessionId(), null, "IM_FAILED", SOURCE, detail);
    }

    private static String describe(ImOutbox.Item item) {
        return switch (item.kind()) {
            case ImOutbox.DIRECT, ImOutbox.NOTIFY -> "the message to " + item.target();
            case ImOutbox.ROOM_OPEN -> "the group chat " + item.target();
            case ImOutbox.INVITE -> "the invitation of " + item.target();
            case ImOutbox.POST -> "the message to the group chat";
            case ImOutbox.REMOVE -> "the removal of " + item.target();
            default -> "closing the group chat";
        };
    }

    // ------------------------------------------------------------------ the timer and reconnects

    /**
     * Sends what waits, closes the rooms of sessions that FAILED after their room opened or
     * ENDED without their close queued (EndSession and the idle end queue it themselves, but a
     * hub can stop in between), and settles direct messages that no receipt confirmed in time.
     */
    public int retryPending() {
        if (!xmpp.mayHoldAccount()) {
            return 0; // the instance holding the account sweeps; two sweeping would send twice
        }
        for (ImOutbox.Item room : outbox.roomsOfFailedSessions()) {
            try {
                // Keyed, so a second hub instance sweeping at the same moment adds no second one.
                outbox.add(room.sessionId(), "close-failed\n" + room.sessionId(), List.of(new ImOutbox.Work(ImOutbox.CLOSE,
                        room.target(), null, null, xmpp.settings().closingLine())));
            } catch (RuntimeException e) {
                LOG.warn("The room of failed session {} is not queued for closing yet ({}): the next sweep tries again", room.sessionId(),
                        e.toString());
            }
        }
        int sent = deliver();
        OffsetDateTime before = OffsetDateTime.now(ZoneOffset.UTC).minus(Duration.ofMillis(xmpp.settings().receiptWaitMs()));
        for (ImOutbox.Item item : outbox.unconfirmed(before)) {
            if (outbox.confirm(item.id(), "UNCONFIRMED")) {
                progress.apply(SessionUpdate.participant(item.sessionId(), item.participantId(), null, "IM_STORED_OFFLINE", SOURCE,
                        "Accepted by the server; no client of " + item.target() + " confirmed it within "
                                + xmpp.settings().receiptWaitMs() / 1000 + " s: stored for offline delivery, or read by a client"
                                + " that sends no receipts (many send them only to contacts who share presence, XEP-0184 8)"));
            }
        }
        return sent;
    }

    /** After a (re)login: join the rooms of running group chats again, so their messages keep reaching the log. */
    public synchronized void rejoinRooms() {
        for (ImOutbox.Item room : outbox.openRooms()) {
            if (!xmpp.mayHoldAccount()) {
                return; // the account is another instance's now: it joins the rooms
            }
            try {
                joinedRoom(room.sessionId());
            } catch (XmppUnavailableException | XmppRefusedException e) {
                LOG.warn("Could not join group chat {} again: {}", room.target(), e.getMessage());
            }
        }
        deliver();
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Records the news; when the participant is already further along (a second message to
     * someone who confirmed the first), the event is still logged, without the state change.
     */
    static boolean record(ChannelProgress progress, SessionUpdate u) {
        if (progress.apply(u)) {
            return true;
        }
        if (u.participantId() == null || u.participantState() == null) {
            return false;
        }
        return progress.apply(new SessionUpdate(u.sessionId(), null, null, u.participantId(), null, u.sessionState(), false, u.eventType(),
                u.source(), u.detail(), null));
    }

    private List<String> members(String sessionId) {
        return progress.running(sessionId).map(s -> s.parties().stream().filter(Party::isActive).map(p -> bare(p.address())).toList())
                .orElse(List.of());
    }

    /**
     * The room of a session: named from the tenant and business ID, unique by the session
     * through the random end of its id (its start is the time, the same for a minute or so).
     * All in lower case, the service too: a room is looked up by its address as a server sends it.
     */
    static String roomOf(Running s, String muc) {
        String local = ("uc-" + s.tenant() + "-" + s.businessId() + "-" + tail(s.sessionId())).toLowerCase(Locale.ROOT)
                .replaceAll("[^a-z0-9._-]", "_");
        return local + "@" + muc.toLowerCase(Locale.ROOT);
    }

    /** The last 8 characters of a session id: random in every id the hub made (UUID version 4 or 7). */
    static String tail(String sessionId) {
        return sessionId.substring(Math.max(0, sessionId.length() - 8));
    }

    private String roomOf(Running s) {
        return roomOf(s, xmpp.settings().muc());
    }

    // The room name and the invitation travel through Smack's own writer, which does not escape
    // every markup character (see SafeMessage): they carry the business ID, never request text.
    private static String roomName(Running s) {
        return "Case " + s.businessId();
    }

    private static String invitation(Running s) {
        return "Group chat about case " + s.businessId();
    }

    /** Names a request's outbox work: its tenant, its idempotency key and what it does; null when it has no key. */
    static String requestKey(HubRequest r) {
        String key = r.getDedupeKey();
        return key == null ? null : r.getTenant() + "\n" + key + "\n" + r.getAction();
    }

    static String bare(String jid) {
        return RequestRules.bareJid(jid);
    }
}
