package org.uchub.xmpp;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.uchub.sessionlog.ChannelProgress;

/**
 * Ends IM sessions in which nothing has happened for a long time (bean {@code imIdleEnd}).
 * A call or conference ends when the PBX says so; a conversation has no such end, and a
 * business system that never sends EndSession for one would keep it ACTIVE, its group chat
 * on the server and its business ID in the log, for ever. An answer, a receipt or a change
 * is activity: the session ends only after {@code idleMs} without any, like an EndSession
 * (the room gets its closing line and is destroyed).
 */
public class IdleImSessions {
    private static final Logger LOG = LoggerFactory.getLogger(IdleImSessions.class);
    private static final int BATCH = 100;

    private final ChannelProgress progress;
    private final ImOutbox outbox;
    private final ImChannel im;
    private final XmppConnection xmpp;
    private final String closingLine;
    private final long idleMs;

    public IdleImSessions(ChannelProgress progress, ImOutbox outbox, ImChannel im, XmppConnection xmpp, String closingLine,
            long idleMs) {
        this.progress = progress;
        this.outbox = outbox;
        this.im = im;
        this.xmpp = xmpp;
        this.closingLine = closingLine;
        this.idleMs = idleMs;
    }

    /** Ends the sessions idle for longer than the setting (0: never); returns how many. */
    public int endIdle() {
        // Only the instance logged in as the hub's account hears the conversations (what was
        // written while it was away arrives once it has joined the rooms again): a quiet it
        // cannot hear is not idleness.
        if (idleMs <= 0 || !xmpp.isConnected() || !xmpp.mayHoldAccount()) {
            return 0;
        }
        int ended = 0;
        List<String> idle;
        int endedNow;
        do {
            OffsetDateTime before = OffsetDateTime.now(ZoneOffset.UTC).minus(Duration.ofMillis(idleMs));
            idle = progress.idle("im", before, BATCH);
            endedNow = 0;
            for (String sessionId : idle) {
                if (progress.endIdle(sessionId, before, ImChannel.SOURCE, "Nothing was written, answered or changed in this"
                        + " conversation for " + describe(idleMs) + ": ended by the hub (xmpp.idle.end-after-hours)")) {
                    ended++;
                    endedNow++;
                    // Keyed, so a second hub instance ending it at the same moment queues no second close;
                    // should the hub stop right here, the sweep of ended sessions' rooms closes it.
                    outbox.roomOf(sessionId).ifPresent(room -> outbox.add(sessionId, "close-idle\n" + sessionId,
                            List.of(new ImOutbox.Work(ImOutbox.CLOSE, room, null, null, closingLine))));
                }
            }
        } while (idle.size() == BATCH && endedNow > 0);
        if (ended > 0) {
            LOG.info("Ended {} IM session(s) idle for {}", ended, describe(idleMs));
            im.deliverSoon();
        }
        return ended;
    }

    private static String describe(long ms) {
        Duration d = Duration.ofMillis(ms);
        return d.toHours() >= 1 && d.toMinutesPart() == 0 && d.toSecondsPart() == 0 ? d.toHours() + " h"
                : d.toMinutes() >= 1 && d.toSecondsPart() == 0 ? d.toMinutes() + " min" : d.toMillis() / 1000.0 + " s";
    }
}
