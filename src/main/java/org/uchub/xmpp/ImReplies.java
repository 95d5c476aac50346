package org.uchub.xmpp;

import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.uchub.sessionlog.ChannelProgress;
import org.uchub.sessionlog.ChannelProgress.Party;
import org.uchub.sessionlog.ChannelProgress.Running;
import org.uchub.sessionlog.SessionLogUnavailableException;
import org.uchub.sessionlog.SessionUpdate;

/**
 * What came in for the hub's XMPP account, put into the session log (bean {@code imReplies}):
 * answers posted in a session's room, direct answers naming their session (its thread, or
 * the business ID in the text), delivery receipts and the server's errors about the hub's
 * messages. A message from someone who is not a participant of the session it names is
 * logged in the hub's log as a stranger's and never attached to a session.
 */
public class ImReplies {
    private static final Logger LOG = LoggerFactory.getLogger(ImReplies.class);
    private static final int PREVIEW = 80;

    private final ImOutbox outbox;
    private final ChannelProgress progress;
    private final String ownDomain;
    /** The real bare JID behind a room occupant (room, nickname), as far as the hub's connection knows it, or null. */
    private final java.util.function.BinaryOperator<String> occupants;

    /** How long after its request a message the server asks to send again later is still sent, and the first wait. */
    private final long giveUpMs;
    private final long tryAgainWaitMs;

    public ImReplies(ImOutbox outbox, ChannelProgress progress, String ownDomain, java.util.function.BinaryOperator<String> occupants,
            long giveUpMs, long tryAgainWaitMs) {
        this.outbox = outbox;
        this.progress = progress;
        this.ownDomain = ownDomain == null ? "" : ImChannel.bare(ownDomain);
        this.occupants = occupants;
        this.giveUpMs = giveUpMs;
        this.tryAgainWaitMs = tryAgainWaitMs;
    }

    /**
     * Records the message; returns false when it could not be attached to a session. While the
     * session log is unreachable it waits and tries again (with back-off), holding back the
     * messages behind this one so their order survives the outage.
     */
    public boolean record(InboundMessage m) throws InterruptedException {
        long delay = 500;
        while (true) {
            try {
                return attach(m);
            } catch (SessionLogUnavailableException e) {
                LOG.warn("Session log unreachable while recording an XMPP {} from {}: retrying in {} ms", m.kind(), m.from(), delay);
                Thread.sleep(delay);
                delay = Math.min(delay * 2, 30_000);
            }
        }
    }

    private boolean attach(InboundMessage m) {
        return switch (m.kind()) {
            case RECEIPT -> settle(m, "DELIVERED");
            case ERROR, TRY_AGAIN -> settle(m, "REFUSED");
            case ROOM -> roomReply(m);
            case DIRECT -> directReply(m);
            case JOINED, LEFT -> roomPresence(m);
        };
    }

    private boolean settle(InboundMessage m, String how) {
        Optional<ImOutbox.Item> item = outbox.byStanzaId(m.stanzaId());
        if (item.isPresent() && ImOutbox.POST.equals(item.get().kind()) && m.isError()) {
            return postRefused(m, item.get());
        }
        if (item.isEmpty() || item.get().participantId() == null) {
            if (m.isError()) {
                LOG.warn("XMPP error from {} about a stanza the hub does not know ({}): {}", m.from(), m.stanzaId(), m.error());
            }
            return false;
        }
        ImOutbox.Item i = item.get();
        // Stanza ids can be guessed: only the recipient (or, for an error, its server or ours) settles a message.
        String target = ImChannel.bare(i.target());
        String sender = senderOf(m);
        boolean fromTarget = sender.equals(target);
        boolean fromServer = sender.equals(target.substring(target.indexOf('@') + 1)) || sender.equals(ownDomain);
        if (!(ImOutbox.DIRECT.equals(i.kind()) || ImOutbox.NOTIFY.equals(i.kind()))
                || !(fromTarget || (m.isError() && fromServer))) {
            LOG.warn("XMPP {} from {} about {} ignored: only its recipient may settle it", m.kind(), m.from(), m.stanzaId());
            return false;
        }
        long left = giveUpMs - java.time.Duration.between(i.createdAt(), java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC)).toMillis();
        if (m.kind() == InboundMessage.Kind.TRY_AGAIN && left > 0 && outbox.tryAgainLater(i, m.error(), tryAgainWaitMs, left)) {
            // A full offline store, a rate limit: not the recipient's refusal. Sent again, with
            // the same stanza id, until the give-up time; then the error counts as final.
            return progress.apply(SessionUpdate.participant(i.sessionId(), i.participantId(), null, "IM_TRY_AGAIN", ImChannel.SOURCE,
                    "The server asks for the message to " + i.target() + " to be sent again later (" + m.error() + "): it is"));
        }
        if (!outbox.confirm(i.id(), how)) {
            return false;
        }
        if (ImOutbox.NOTIFY.equals(i.kind())) {
            // A notice about another channel's session: logged, the participant's state there untouched.
            return progress.apply(SessionUpdate.participant(i.sessionId(), i.participantId(), null,
                    "DELIVERED".equals(how) ? "IM_DELIVERED" : "IM_FAILED", ImChannel.SOURCE, "DELIVERED".equals(how)
                            ? "A client of " + i.target() + " confirmed the notice" : "The notice to " + i.target() + " failed: " + m.error()));
        }
        return "DELIVERED".equals(how)
                ? ImChannel.record(progress, SessionUpdate.participant(i.sessionId(), i.participantId(), ChannelProgress.DELIVERED, "IM_DELIVERED",
                        ImChannel.SOURCE, "A client of " + i.target() + " confirmed the message"))
                : ImChannel.record(progress, SessionUpdate.participant(i.sessionId(), i.participantId(), ChannelProgress.FAILED, "IM_FAILED",
                        ImChannel.SOURCE, "The server could not deliver the message to " + i.target() + ": " + m.error()));
    }

    /**
     * A room's error about a message the hub posted (the hub is no longer an occupant, has no
     * voice, the room is gone): logged in the session log with the room's words. Only the
     * room itself, its service or the hub's server may say so.
     */
    private boolean postRefused(InboundMessage m, ImOutbox.Item post) {
        String room = ImChannel.bare(post.target());
        String sender = senderOf(m);
        if (!(sender.equals(room) || sender.equals(room.substring(room.indexOf('@') + 1)) || sender.equals(ownDomain))) {
            LOG.warn("XMPP error from {} about the post {} to {} ignored: only the room may refuse it", m.from(), m.stanzaId(), room);
            return false;
        }
        if (!outbox.confirm(post.id(), "REFUSED")) {
            return false;
        }
        return progress.apply(SessionUpdate.session(post.sessionId(), null, "IM_FAILED", ImChannel.SOURCE,
                "The group chat refused the message: " + m.error()));
    }

    /** Whom a stanza comes from, as a bare JID; one without a from comes from the hub's own server (RFC 6120 8.1.2.1). */
    private String senderOf(InboundMessage m) {
        return m.from() == null || m.from().isEmpty() ? ownDomain : ImChannel.bare(m.from());
    }

    /** How far apart the room's stamp and the hub's own time of a message it read live may be, either way. */
    private static final long LATE_WINDOW_S = 120;

    private boolean roomReply(InboundMessage m) {
        Optional<String> sessionId = outbox.sessionOfRoom(m.from());
        Running s = sessionId.flatMap(progress::running).orElse(null);
        if (s == null) {
            LOG.info("Message in room {} that belongs to no session: not logged", m.from());
            return false;
        }
        // Whoever holds a late message's nickname now need not be who wrote it: only the room's own word counts then.
        String sender = m.sender() != null ? m.sender() : m.late() ? null : realJid(m);
        Party p = sender == null ? null : participant(s, sender);
        // A late message may be older than its author's removal: a participant's still counts.
        if (sender != null && (p == null || !p.isActive() && !m.late())) {
            LOG.warn("Message in room {} from {}, who is not a participant of its session: not attached", m.from(), sender);
            return false;
        }
        // A members-only room admits only members, but a server may hide real JIDs: then the nickname says who.
        String byNick = m.nick() + ": " + m.body();
        String detail = p == null ? byNick : m.body();
        if (m.late()) {
            // Logged at the room's time. The room's history reaches back a little before the hub
            // left (the clocks differ), and a second absence asks for some of it again.
            if (progress.hasEvent(s, "IM_REPLY", p == null ? null : p.address(), m.body(), byNick, m.time().minusSeconds(LATE_WINDOW_S),
                    m.time().plusSeconds(LATE_WINDOW_S))) {
                LOG.debug("Message in room {} by {} written at {} is logged already", m.from(), m.nick(), m.time());
                return false;
            }
            progress.logEventAt(s, "IM_REPLY", ImChannel.SOURCE, p == null ? null : p.address(), detail, m.time());
            return true;
        }
        if (p == null) {
            return progress.apply(SessionUpdate.session(s.sessionId(), null, "IM_REPLY", ImChannel.SOURCE, detail));
        }
        return progress.apply(SessionUpdate.participant(s.sessionId(), p.id(), null, "IM_REPLY", ImChannel.SOURCE, detail));
    }

    /**
     * A participant entering or leaving the session's room, logged as IM_JOINED or IM_LEFT
     * when it changes what the log last said of them (presence updates, and the occupants the
     * hub finds when it joins again after a reconnect, repeat themselves). Their state is left
     * alone: someone who stepped out is still a participant whose answers count. Someone who
     * is not a participant is not attached.
     */
    private boolean roomPresence(InboundMessage m) {
        Running s = outbox.sessionOfRoom(m.from()).flatMap(progress::running).orElse(null);
        if (s == null) {
            return false;
        }
        boolean joined = m.kind() == InboundMessage.Kind.JOINED;
        String sender = m.sender() != null ? m.sender() : joined ? realJid(m) : null;
        Party p = sender == null ? null : participant(s, sender);
        if (p == null) {
            LOG.info("{} {} room {}: not a participant of its session, not logged", m.nick(), joined ? "entered" : "left", m.from());
            return false;
        }
        String type = joined ? "IM_JOINED" : "IM_LEFT";
        String last = progress.lastEventOf(s, p.address(), "IM_JOINED", "IM_LEFT").orElse(null);
        if (type.equals(last) || (last == null && !joined)) {
            return false;
        }
        return progress.apply(SessionUpdate.participant(s.sessionId(), p.id(), null, type, ImChannel.SOURCE,
                (joined ? "Entered" : "Left") + " the group chat as " + m.nick()));
    }

    /**
     * The real JID of a room message's sender that was not known when it arrived: the
     * occupant's presence may be handled by Smack just after the message. Asked again for a
     * moment, here on the session log's side, where waiting holds up no XMPP traffic.
     */
    private String realJid(InboundMessage m) {
        if (m.nick() == null || occupants == null) {
            return null;
        }
        for (int i = 0; i < 10; i++) {
            String jid = occupants.apply(m.from(), m.nick());
            if (jid != null) {
                return jid;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    /**
     * How many of a sender's open sessions named in one text are read at most: two already
     * make the text no answer to either.
     */
    private static final int NAMED_SESSIONS = 10;
    /** The most words of one text tried as business IDs: a longer text names its case early or not at all. */
    private static final int NAMED_IDS = 200;

    private boolean directReply(InboundMessage m) {
        Running match = null;
        if (m.thread() != null) {
            // Looked up by its id: a participant of many open sessions answers the oldest as well as the newest.
            match = progress.running(m.thread()).filter(s -> "im".equals(s.channel()) && !ChannelProgress.isOver(s)
                    && participant(s, m.from()) != null).orElse(null);
        }
        if (match == null) {
            List<Running> named = progress.withParticipantNaming("im", m.from(), namedIds(m.body()), NAMED_SESSIONS).stream()
                    .filter(s -> mentions(m.body(), s.businessId())).toList();
            // Two open cases named in one text (or the same ID in two tenants) is no answer to either.
            match = named.size() == 1 ? named.get(0) : null;
        }
        if (match == null) {
            LOG.warn("XMPP message from {} is not attached to any session ({}): \"{}\"", m.from(),
                    progress.withParticipant("im", m.from(), 1).isEmpty() ? "a stranger: not a participant of any IM session"
                            : "it names none of their sessions, or more than one", preview(m.body()));
            return false;
        }
        Party p = participant(match, m.from());
        if (p == null || !p.isActive()) {
            LOG.warn("XMPP message from {} is not attached: no longer a participant of session {}", m.from(), match.sessionId());
            return false;
        }
        return progress.apply(SessionUpdate.participant(match.sessionId(), p.id(), null, "IM_REPLY", ImChannel.SOURCE, m.body()));
    }

    /**
     * Every part of the text that {@link #mentions} could take for a business ID: a run of ID
     * characters after a non-ID character, up to its end or to a '.' or ':' inside it ("4711."
     * ends a sentence). More than {@link #mentions} accepts; it decides.
     */
    static java.util.Set<String> namedIds(String body) {
        java.util.Set<String> ids = new java.util.LinkedHashSet<>();
        int i = 0;
        while (i < body.length() && ids.size() < NAMED_IDS) {
            if (!idChar(body.charAt(i))) {
                i++;
                continue;
            }
            int start = i;
            while (i < body.length() && idChar(body.charAt(i))) {
                char c = body.charAt(i);
                if ((c == '.' || c == ':') && i > start && i - start <= MAX_ID) {
                    ids.add(body.substring(start, i));
                }
                i++;
            }
            if (i - start <= MAX_ID) {
                ids.add(body.substring(start, i));
            }
        }
        return ids;
    }

    /** The longest business ID a request may carry. */
    private static final int MAX_ID = 64;

    /** The business ID as a word of the text, so that case 47 is not found in 4711. */
    static boolean mentions(String body, String businessId) {
        int from = 0;
        while (true) {
            int at = body.indexOf(businessId, from);
            if (at < 0) {
                return false;
            }
            int end = at + businessId.length();
            if ((at == 0 || !idChar(body.charAt(at - 1))) && (end == body.length() || !idChar(body.charAt(end))
                    || endsSentence(body, end))) {
                return true;
            }
            from = at + 1;
        }
    }

    /** "about 4711." or "4711: done" — punctuation that ends the ID rather than continuing it. */
    private static boolean endsSentence(String body, int end) {
        char c = body.charAt(end);
        return (c == '.' || c == ':') && (end + 1 == body.length() || Character.isWhitespace(body.charAt(end + 1)));
    }

    private static boolean idChar(char c) {
        return Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.' || c == ':';
    }

    private static Party participant(Running s, String jid) {
        Party found = null;
        for (Party p : s.parties()) {
            if (ImChannel.bare(p.address()).equals(ImChannel.bare(jid))) {
                found = p;
            }
        }
        return found;
    }

    private static String preview(String body) {
        String oneLine = body.replaceAll("\\p{Cntrl}", " ");
        return oneLine.length() <= PREVIEW ? oneLine : oneLine.substring(0, PREVIEW) + "...";
    }
}
