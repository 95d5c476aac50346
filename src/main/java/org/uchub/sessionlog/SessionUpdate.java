package org.uchub.sessionlog;

/**
 * Something a channel learnt about one of its sessions, in the session log's own terms:
 * an event to append and, where it changes them, the new state of a participant or of the
 * session. Channels build these; {@link ChannelProgress#apply} records them.
 *
 * @param sessionId        the session, or null when only {@code reservedNumber} names it
 * @param reservedNumber   the reserved number (conference room) bound to the session, when
 *                         the channel knows only that; as recorded, the session's number,
 *                         so that what follows the news tells a room from a call without
 *                         reading the session
 * @param bridgeId         the room's instance (ConfBridge's BridgeUniqueid): the session's
 *                         own room, not an earlier one of the same number
 * @param participantId    the participant the news is about, or null
 * @param participantState its new state (INVITED, RINGING, JOINED, LEFT, FAILED, REMOVED), or null
 * @param sessionState     the session's new state (DIALLING, ACTIVE, PENDING, FAILED), or null
 * @param ends             the session is over (its conference ended, its call hung up)
 * @param recordingRef     the file of the session's recording, when the news is about it
 * @param happenedAt       when the channel learnt it (the PBX's event reached the hub), or null
 *                         for now: news recorded late (the session log was out of reach and the
 *                         news waited) keeps the time it happened, which is what a business
 *                         system reads back as "who joined when"
 */
public record SessionUpdate(String sessionId, String reservedNumber, String bridgeId, Long participantId, String participantState,
        String sessionState, boolean ends, String eventType, String source, String detail, String recordingRef,
        java.time.OffsetDateTime happenedAt) {

    public SessionUpdate(String sessionId, String reservedNumber, String bridgeId, Long participantId, String participantState,
            String sessionState, boolean ends, String eventType, String source, String detail, String recordingRef) {
        this(sessionId, reservedNumber, bridgeId, participantId, participantState, sessionState, ends, eventType, source, detail,
                recordingRef, null);
    }

    /** The same news, learnt at {@code when}. */
    public SessionUpdate withHappenedAt(java.time.OffsetDateTime when) {
        return new SessionUpdate(sessionId, reservedNumber, bridgeId, participantId, participantState, sessionState, ends, eventType,
                source, detail, recordingRef, when);
    }

    /**
     * The same news, now known to be about this session, which holds {@code sessionsNumber}
     * (null for a session without a room, such as a call). The news keeps a number it named itself.
     */
    public SessionUpdate about(String resolvedSessionId, String sessionsNumber) {
        return new SessionUpdate(resolvedSessionId, reservedNumber != null ? reservedNumber : sessionsNumber, bridgeId, participantId,
                participantState, sessionState, ends, eventType, source, detail, recordingRef, happenedAt);
    }

    /** News about a session with a conference room (once resolved: see {@link #about}), not about a call. */
    public boolean aboutRoom() {
        return reservedNumber != null;
    }

    /** News about a conference room, known by its number and its instance. */
    public static SessionUpdate room(String reservedNumber, String bridgeId, String sessionState, boolean ends, String eventType,
            String source, String detail, String recordingRef) {
        return new SessionUpdate(null, reservedNumber, bridgeId, null, null, sessionState, ends, eventType, source, detail, recordingRef);
    }

    /** News about a session's recording. */
    public static SessionUpdate recording(String sessionId, String eventType, String source, String detail, String recordingRef) {
        return new SessionUpdate(sessionId, null, null, null, null, null, false, eventType, source, detail, recordingRef);
    }

    public static SessionUpdate participant(String sessionId, long participantId, String state, String eventType, String source,
            String detail) {
        return new SessionUpdate(sessionId, null, null, participantId, state, null, false, eventType, source, detail, null);
    }

    /** The session is over; it ENDS, or FAILS when nobody was ever reached. */
    public static SessionUpdate ends(String sessionId, String reservedNumber, String source, String detail) {
        return new SessionUpdate(sessionId, reservedNumber, null, null, null, null, true, "SESSION_ENDED", source, detail, null);
    }

    /** Not news to record: what {@link ChannelProgress#recordAll} returns for a conference's channel that rings or joins though its participant is done (see {@link #outlived}). */
    public static final String OUTLIVED = "CHANNEL_OUTLIVED_PARTICIPANT";

    /**
     * A channel of a conference's participant the log has as done (the session ended, the
     * participant was removed or failed) rings or joins: its originate went out just before the
     * end and escaped it, and it must be hung up instead of joining the room (which may be the
     * next session's by now).
     */
    public static SessionUpdate outlived(String sessionId, String reservedNumber, long participantId, String source, String detail) {
        return new SessionUpdate(sessionId, reservedNumber, null, participantId, null, null, false, OUTLIVED, source, detail, null);
    }

    public boolean isOutlived() {
        return OUTLIVED.equals(eventType);
    }

    /** Not news to record either: a participant the log has muted may be unmuted in the room (see {@link #muteDiffers}). */
    public static final String MUTE_DIFFERS = "MUTE_DIFFERS_FROM_LOG";

    /**
     * A participant in a conference's room may be unmuted though the log has them muted: they
     * just joined after a mute recorded while they rang, or the room shows them so after a
     * change recorded while the PBX was away. Handed on unrecorded by
     * {@link ChannelProgress#recordAll}, for the room to be set as the log has it.
     *
     * @param why how it came about, for the log's entry when the mute is carried out
     */
    public static SessionUpdate muteDiffers(String sessionId, String reservedNumber, long participantId, String source, String why) {
        return new SessionUpdate(sessionId, reservedNumber, null, participantId, null, null, false, MUTE_DIFFERS, source, why, null);
    }

    /** News the hub acts on but does not record. */
    public boolean onlyAsksForAction() {
        return OUTLIVED.equals(eventType) || MUTE_DIFFERS.equals(eventType);
    }

    public boolean asksForLoggedMute() {
        return MUTE_DIFFERS.equals(eventType);
    }

    public static SessionUpdate session(String sessionId, String state, String eventType, String source, String detail) {
        return new SessionUpdate(sessionId, null, null, null, null, state, false, eventType, source, detail, null);
    }
}
