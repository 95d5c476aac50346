package org.uchub.xmpp;

import java.time.OffsetDateTime;

/**
 * Something the XMPP server delivered to the hub's account, reduced to what the session
 * log needs, so that nothing downstream holds Smack objects.
 *
 * @param kind      what it is
 * @param from      the sender's bare JID (DIRECT, RECEIPT, ERROR) or the room's address (ROOM, JOINED, LEFT)
 * @param sender    for ROOM, JOINED, LEFT: the occupant's real bare JID when the room lets the hub see it, else null
 * @param nick      for ROOM, JOINED, LEFT: the occupant's nickname
 * @param thread    the thread the message answers, if any
 * @param body      the text
 * @param stanzaId  for RECEIPT and ERROR: the id of the hub's stanza it is about
 * @param error     for ERROR: the server's error condition and text
 * @param time      when the hub received it; for a late ROOM message, when the room says it was written
 * @param late      for ROOM: written while the hub was not in the room, and handed over from the
 *                  room's history when the hub joined it again (it may have been read before)
 */
public record InboundMessage(Kind kind, String from, String sender, String nick, String thread, String body, String stanzaId,
        String error, OffsetDateTime time, boolean late) {

    public InboundMessage(Kind kind, String from, String sender, String nick, String thread, String body, String stanzaId, String error,
            OffsetDateTime time) {
        this(kind, from, sender, nick, thread, body, stanzaId, error, time, false);
    }

    /**
     * JOINED and LEFT: an occupant entered or left a room of the hub. TRY_AGAIN: an error of
     * type wait (RFC 6120 8.3.2), which asks for the stanza to be sent again later.
     */
    public enum Kind { DIRECT, ROOM, RECEIPT, ERROR, TRY_AGAIN, JOINED, LEFT }

    /** An error, final or not. */
    public boolean isError() {
        return kind == Kind.ERROR || kind == Kind.TRY_AGAIN;
    }
}
