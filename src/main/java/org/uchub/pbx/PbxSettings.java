package org.uchub.pbx;

import java.nio.file.Path;

/**
 * How the hub reaches its PBX and what it asks of it, from the {@code pbx.*} properties.
 * The password is never part of {@link #toString()}.
 */
public record PbxSettings(String mode, String host, int port, String username, String password, String dialTemplate,
        String callContext, String conferenceContext, String callerId, String bridgeProfile, String videoBridgeProfile,
        String userProfile, String chairProfile, String announcement, Path recordingsDir, String pbxRecordingsDir,
        double originatesPerSecond,
        int ringTimeoutSeconds, long pingIntervalMs, long pingTimeoutMs, long responseTimeoutMs, long retryGiveUpMs,
        boolean eventFilter, boolean waitForFullyBooted) {

    public static final String SIMULATOR = "simulator";
    public static final String ASTERISK = "asterisk";

    public PbxSettings {
        if (!SIMULATOR.equals(mode) && !ASTERISK.equals(mode)) {
            throw new IllegalArgumentException("pbx.mode must be simulator or asterisk, not \"" + mode + "\"");
        }
        if (!dialTemplate.contains("{number}") || dialTemplate.indexOf('/') <= 0) {
            throw new IllegalArgumentException("pbx.dial-template must look like TECH/...{number}..., e.g. PJSIP/{number}@trunk");
        }
        if (dialTemplate.regionMatches(true, 0, "Local/", 0, 6) && !localOptions(dialTemplate).contains("n")) {
            // Asterisk optimises a Local pair away once both halves are bridged, and the ;1 half
            // that carries the hub's channel id hangs up while the call goes on: the hub would log
            // the call as over while both parties still talk.
            throw new IllegalArgumentException("pbx.dial-template through a Local channel needs the /n option (no optimisation),"
                    + " e.g. Local/{number}@uc-out/n");
        }
        if (originatesPerSecond <= 0) {
            throw new IllegalArgumentException("pbx.originates-per-second must be above 0");
        }
    }

    /** The settings of a PBX that is ready only once Asterisk says FullyBooted ({@code pbx.wait-for-fully-booted} unset). */
    public PbxSettings(String mode, String host, int port, String username, String password, String dialTemplate,
            String callContext, String conferenceContext, String callerId, String bridgeProfile, String videoBridgeProfile,
            String userProfile, String chairProfile, String announcement, Path recordingsDir, String pbxRecordingsDir,
            double originatesPerSecond, int ringTimeoutSeconds, long pingIntervalMs, long pingTimeoutMs, long responseTimeoutMs,
            long retryGiveUpMs, boolean eventFilter) {
        this(mode, host, port, username, password, dialTemplate, callContext, conferenceContext, callerId, bridgeProfile,
                videoBridgeProfile, userProfile, chairProfile, announcement, recordingsDir, pbxRecordingsDir, originatesPerSecond,
                ringTimeoutSeconds, pingIntervalMs, pingTimeoutMs, responseTimeoutMs, retryGiveUpMs, eventFilter, true);
    }

    /** A Local channel's options: what follows the slash after its context, if any. */
    private static String localOptions(String template) {
        String rest = template.substring(6);
        int slash = rest.indexOf('/');
        return slash < 0 ? "" : rest.substring(slash + 1);
    }

    /** The dial string for a validated number. */
    public String dialString(String number) {
        return dialTemplate.replace("{number}", number);
    }

    /** The path Asterisk is told to record to; a relative directory is taken as on this machine. */
    public String recordFile(String name) {
        Path d = Path.of(pbxRecordingsDir);
        return (d.isAbsolute() ? pbxRecordingsDir.replaceAll("/+$", "") : d.toAbsolutePath().normalize().toString()) + "/" + name;
    }

    @Override
    public String toString() {
        return "pbx " + mode + " at " + host + ":" + port + " as " + username;
    }
}
