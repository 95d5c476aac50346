package org.uchub.pbx;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The channel id the hub presets on every channel it originates (AMI Originate's ChannelId,
 * which becomes the channel's Uniqueid and the Linkedid of every channel it dials), so
 * each PBX event names the session and participant it belongs to:
 * {@code uc-<sessionId>-<participantId>} and, for a call, {@code -<calleeParticipantId>}.
 * Asterisk-Java does not surface {@code channelvars}, so this id is how events correlate;
 * the UC_BUSINESS_ID and UC_SESSION_ID variables are set too, for Asterisk's own logs and CDRs.
 */
public record HubChannelId(String sessionId, long participantId, Long calleeParticipantId) {
    private static final Pattern FORMAT = Pattern.compile(
            "uc-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-([0-9]{1,18})(?:-([0-9]{1,18}))?");

    public static Optional<HubChannelId> parse(String id) {
        if (id == null) {
            return Optional.empty();
        }
        Matcher m = FORMAT.matcher(id);
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new HubChannelId(m.group(1), Long.parseLong(m.group(2)), m.group(3) == null ? null : Long.parseLong(m.group(3))));
    }

    @Override
    public String toString() {
        return "uc-" + sessionId + "-" + participantId + (calleeParticipantId == null ? "" : "-" + calleeParticipantId);
    }
}
