package org.uchub.pbx.sim;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The telephony half of the simulator: channels, the two dialplan contexts the hub's
 * {@code config/asterisk/extensions.conf} defines, ConfBridge rooms and their recordings.
 * All state changes run on one scheduler thread, in order, as Asterisk's own channel and
 * bridge threads would report them; events go to {@code emit} (category, packet).
 */
final class SimulatedPbx {
    static final String CALL = "call";

    private final Settings settings;
    private final ScheduledExecutorService pbxThread;
    private final EventSink emit;
    private final Map<String, SimChannel> channels = new LinkedHashMap<>();
    private final Map<String, Room> rooms = new LinkedHashMap<>();
    private final Map<AmiMessage, java.util.function.Consumer<Boolean>> syncOriginates = new java.util.IdentityHashMap<>();
    private final long bootMillis = System.currentTimeMillis();
    private int channelSeq;

    interface EventSink {
        void emit(String category, AmiMessage event);
    }

    /** Dialplan and far-end behaviour of the simulated PBX. */
    record Settings(String conferenceContext, String callContext, long ringMs, CallScript script, Path recordingsDir,
            List<String> channelVars) {
    }

    SimulatedPbx(Settings settings, ScheduledExecutorService pbxThread, EventSink emit) {
        this.settings = settings;
        this.pbxThread = pbxThread;
        this.emit = emit;
    }

    // ------------------------------------------------------------------ model

    static final class SimChannel {
        String name;
        String uniqueid;
        String linkedid;
        int state;
        String callerNum = "<unknown>";
        String callerName = "<unknown>";
        String connectedNum = "<unknown>";
        String connectedName = "<unknown>";
        String context;
        String exten;
        int priority = 1;
        final Map<String, String> vars = new LinkedHashMap<>();
        String application = "";
        String appData = "";
        final long createdAt = System.currentTimeMillis();
        long answeredAt;
        Room room;
        boolean muted;
        boolean admin;
        SimChannel peer;
        /** The channel this one's Dial() rings and has not connected yet. */
        SimChannel dialling;
        /** An originated channel not answered yet: the OriginateResponse its hang-up would bring. */
        Runnable unanswered;
        boolean gone;
    }

    static final class Room {
        final String name;
        final String bridgeId = UUID.randomUUID().toString();
        final List<SimChannel> members = new ArrayList<>();
        final String bridgeProfile;
        Path recording;
        long recordingStarted;

        Room(String name, String bridgeProfile) {
            this.name = name;
            this.bridgeProfile = bridgeProfile;
        }
    }

    static String stateDesc(int state) {
        return switch (state) {
            case 0 -> "Down";
            case 4 -> "Ring";
            case 5 -> "Ringing";
            case 6 -> "Up";
            default -> "Unknown";
        };
    }

    static String causeText(int cause) {
        return switch (cause) {
            case 1 -> "Unallocated (unassigned) number";
            case 16 -> "Normal Clearing";
            case 17 -> "User busy";
            case 18 -> "No user responding";
            case 19 -> "User alerting, no answer";
            case 20 -> "Subscriber absent";
            case 21 -> "Call Rejected";
            case 34 -> "Circuit/channel congestion";
            default -> "Unknown";
        };
    }

    /** The channel-snapshot headers Asterisk 12+ puts on every channel event, channelvars included. */
    AmiMessage snapshot(SimChannel c, String prefix) {
        AmiMessage m = new AmiMessage()
                .add(prefix + "Channel", c.name)
                .add(prefix + "ChannelState", c.state)
                .add(prefix + "ChannelStateDesc", stateDesc(c.state))
                .add(prefix + "CallerIDNum", c.callerNum)
                .add(prefix + "CallerIDName", c.callerName)
                .add(prefix + "ConnectedLineNum", c.connectedNum)
                .add(prefix + "ConnectedLineName", c.connectedName)
                .add(prefix + "Language", "en")
                .add(prefix + "AccountCode", "")
                .add(prefix + "Context", c.context)
                .add(prefix + "Exten", c.exten)
                .add(prefix + "Priority", c.priority)
                .add(prefix + "Uniqueid", c.uniqueid)
                .add(prefix + "Linkedid", c.linkedid);
        for (String v : settings.channelVars()) {
            String value = c.vars.get(v);
            if (value != null) {
                m.add(prefix + "ChanVariable", v + "=" + value);
            }
        }
        return m;
    }

    AmiMessage bridge(Room r) {
        return new AmiMessage().add("Conference", r.name)
                .add("BridgeUniqueid", r.bridgeId)
                .add("BridgeType", "base")
                .add("BridgeTechnology", "softmix")
                .add("BridgeCreator", "ConfBridge")
                .add("BridgeName", r.name)
                .add("BridgeNumChannels", r.members.size())
                .add("BridgeVideoSourceMode", "none");
    }

    private void event(String name, AmiMessage body) {
        emit.emit(CALL, AmiMessage.event(name, CALL).addAll(body));
    }

    /** VarSet is a dialplan event in Asterisk: only a session that reads "dialplan" gets it. */
    private void dialplanEvent(String name, AmiMessage body) {
        emit.emit("dialplan", AmiMessage.event(name, "dialplan").addAll(body));
    }

    // ------------------------------------------------------------------ originate

    /**
     * An Originate accepted by the manager: the far end's script decides what happens next.
     * An asynchronous one reports as an OriginateResponse event; a synchronous one
     * ({@code sync} not null) is told its outcome instead, and no event is sent.
     */
    void originate(AmiMessage req, String actionId, java.util.function.Consumer<Boolean> sync) {
        if (sync != null) {
            syncOriginates.put(req, sync);
        }
        String dial = req.get("Channel");
        String tech = dial.substring(0, dial.indexOf('/'));
        String resource = dial.substring(dial.indexOf('/') + 1);
        String number = numberOf(resource);
        String context = req.get("Context");
        String exten = req.get("Exten");
        String application = req.get("Application");
        long timeoutMs = req.get("Timeout") == null || req.get("Timeout").isBlank() ? 30_000 : Long.parseLong(req.get("Timeout").trim());
        String uniqueid = blankToNull(req.get("ChannelId"));
        CallScript.Outcome outcome = settings.script().outcomeFor(number);
        boolean knownTech = List.of("PJSIP", "SIP", "IAX2", "DAHDI", "Local").contains(tech);
        if (!knownTech || outcome.kind() == CallScript.Kind.UNREACHABLE || (uniqueid != null && channels.containsKey(uniqueid))) {
            originateResponse(actionId, "Failure", dial, context, exten, application, req.get("Data"), 0, unknownOr(uniqueid), req);
            return;
        }
        SimChannel c = newChannel(tech, resource, uniqueid, null);
        String[] cid = callerId(req.get("CallerID"));
        c.callerNum = cid[0];
        c.callerName = cid[1];
        c.context = context == null ? "default" : context;
        c.exten = exten == null ? "s" : exten;
        if ("Local".equals(tech) && resource.contains("@") && (application != null && !application.isBlank())) {
            // A Local channel's dialplan half runs at the extension and context it names.
            c.exten = resource.substring(0, resource.indexOf('@'));
            c.context = resource.substring(resource.indexOf('@') + 1);
        }
        for (String v : req.all("Variable")) {
            for (String assignment : listArguments(v)) {
                int eq = assignment.indexOf('=');
                if (eq > 0) {
                    c.vars.put(assignment.substring(0, eq).trim(), assignment.substring(eq + 1));
                }
            }
        }
        event("Newchannel", snapshot(c, ""));
        for (Map.Entry<String, String> v : c.vars.entrySet()) {
            dialplanEvent("VarSet", snapshot(c, "").add("Variable", v.getKey()).add("Value", v.getValue()));
        }
        // Hung up before it answers (a Hangup action while it rings), the originate fails as
        // Asterisk's does: reason 0. pbx_dial_reason gives AST_CONTROL_HANGUP (1) only when a
        // dial's caller hangs up, and an originate has none; the channel's own cause (16,
        // normal clearing) falls to its default, 0.
        c.unanswered = () -> originateResponse(actionId, "Failure", dial, context, exten, application, req.get("Data"), 0,
                unknownOr(uniqueid), req);
        later(Math.min(50, settings.ringMs()), () -> {
            if (c.gone) {
                return;
            }
            setState(c, 5);
            switch (outcome.kind()) {
                case ANSWER -> later(settings.ringMs(), () -> {
                    if (c.gone) {
                        return;
                    }
                    c.unanswered = null;
                    answer(c);
                    originateResponse(actionId, "Success", c.name, context, exten, application, req.get("Data"), 4, c.uniqueid, req);
                    if (application != null && !application.isBlank()) {
                        runApplication(c, application, req.get("Data"));
                    } else {
                        runDialplan(c);
                    }
                    if (outcome.hangupAfterMs() > 0) {
                        later(outcome.hangupAfterMs(), () -> hangup(c, 16));
                    }
                });
                case BUSY -> later(settings.ringMs(), () -> failOriginate(c, actionId, 5, 17, context, exten, application, req));
                case CONGESTION -> later(settings.ringMs(), () -> failOriginate(c, actionId, 8, 34, context, exten, application, req));
                case NO_ANSWER -> later(timeoutMs, () -> failOriginate(c, actionId, 3, 19, context, exten, application, req));
                default -> throw new IllegalStateException();
            }
        });
    }

    private void failOriginate(SimChannel c, String actionId, int reason, int cause, String context, String exten, String app,
            AmiMessage req) {
        if (c.gone) {
            return;
        }
        c.unanswered = null;
        hangup(c, cause);
        originateResponse(actionId, "Failure", req.get("Channel"), context, exten, app, req.get("Data"), reason,
                unknownOr(blankToNull(req.get("ChannelId"))), req);
    }

    private void originateResponse(String actionId, String response, String channel, String context, String exten, String app,
            String data, int reason, String uniqueid, AmiMessage req) {
        java.util.function.Consumer<Boolean> sync = syncOriginates.remove(req);
        if (sync != null) {
            sync.accept("Success".equals(response));
            return;
        }
        AmiMessage e = AmiMessage.event("OriginateResponse", CALL);
        if (actionId != null && !actionId.isBlank()) {
            e.add("ActionID", actionId);
        }
        e.add("Response", response).add("Channel", channel);
        // fast_originate names the application it ran, or else the extension: never both.
        if (app != null && !app.isBlank()) {
            e.add("Application", app).add("Data", data == null ? "" : data);
        } else {
            e.add("Context", context == null ? "" : context).add("Exten", exten == null ? "" : exten);
        }
        e.add("Reason", reason).add("Uniqueid", uniqueid);
        String[] cid = callerId(req.get("CallerID"));
        e.add("CallerIDNum", cid[0]).add("CallerIDName", cid[1]);
        emit.emit(CALL, e);
    }

    /**
     * A failed originate has no channel to name: Asterisk reports the channel id it was given,
     * or {@code <unknown>}.
     */
    private static String unknownOr(String presetId) {
        return presetId != null ? presetId : "<unknown>";
    }

    private SimChannel newChannel(String tech, String resource, String uniqueid, String linkedid) {
        SimChannel c = new SimChannel();
        String endpoint = resource.contains("@") ? resource.substring(resource.indexOf('@') + 1) : resource;
        c.name = "Local".equals(tech) ? "Local/" + resource + "-" + String.format("%08x", ++channelSeq) + ";1"
                : tech + "/" + endpoint + "-" + String.format("%08x", ++channelSeq);
        c.uniqueid = uniqueid != null ? uniqueid : String.format(Locale.ROOT, "%d.%d", bootMillis / 1000, channelSeq);
        c.linkedid = linkedid != null ? linkedid : c.uniqueid;
        channels.put(c.uniqueid, c);
        return c;
    }

    /** The ;2 half of a Local channel: its own uniqueid, the same linkedid, bridged to the ;1 half. */
    private SimChannel otherHalf(SimChannel c) {
        SimChannel h = new SimChannel();
        h.name = c.name.substring(0, c.name.length() - 1) + "2";
        h.uniqueid = String.format(Locale.ROOT, "%d.%d", bootMillis / 1000, ++channelSeq);
        h.linkedid = c.linkedid;
        h.context = c.context;
        h.exten = c.exten;
        h.callerNum = c.callerNum;
        h.callerName = c.callerName;
        h.vars.putAll(c.vars);
        h.peer = c;
        c.peer = h;
        channels.put(h.uniqueid, h);
        return h;
    }

    private void setState(SimChannel c, int state) {
        if (c.state != state) {
            c.state = state;
            event("Newstate", snapshot(c, ""));
        }
    }

    private void answer(SimChannel c) {
        c.answeredAt = System.currentTimeMillis();
        setState(c, 6);
    }

    /**
     * Whether the shipped extensions.conf has the extension: {@code _X.} in the conference
     * context and {@code _[+0-9].} in the call context, patterns that need two characters at
     * least; no other context exists here.
     */
    boolean dialplanHas(String context, String exten) {
        if (context == null || exten == null) {
            return false;
        }
        String ctx = context.trim();
        return (ctx.equals(settings.conferenceContext()) && exten.matches("[0-9].+"))
                || (ctx.equals(settings.callContext()) && exten.matches("[+0-9].+"));
    }

    /** The shipped extensions.conf: the conference context joins the room named by the extension; the call context dials UC_DIAL_TO. */
    private void runDialplan(SimChannel c) {
        if (c.context.equals(settings.conferenceContext()) && c.exten.matches("[0-9].+")) {
            runApplication(c, "ConfBridge", c.exten + "," + c.vars.getOrDefault("UC_BRIDGE_PROFILE", "default_bridge") + ","
                    + c.vars.getOrDefault("UC_USER_PROFILE", "default_user"));
        } else if (c.context.equals(settings.callContext()) && c.vars.containsKey("UC_DIAL_TO")) {
            dial(c, c.vars.get("UC_DIAL_TO"));
        } else {
            // No such extension: Asterisk hangs the channel up.
            hangup(c, 1);
        }
    }

    private void runApplication(SimChannel c, String app, String data) {
        c.application = app;
        c.appData = data == null ? "" : data;
        if ("ConfBridge".equalsIgnoreCase(app)) {
            String[] args = c.appData.split(",", -1);
            join(c, args[0], args.length > 1 ? args[1] : "default_bridge", args.length > 2 ? args[2] : "default_user");
        } else if ("Dial".equalsIgnoreCase(app)) {
            dial(c, c.appData.split(",")[0]);
        } else if ("Playback".equalsIgnoreCase(app) && c.name.startsWith("Local/")) {
            // An announcement: a Local channel is a pair. This half (;1) plays the sound; the
            // other (;2) runs the dialplan at the extension the channel names, joining the room;
            // when this half hangs up, the other goes with it.
            SimChannel other = otherHalf(c);
            event("Newchannel", snapshot(other, ""));
            answer(other);
            runDialplan(other);
            later(1000, () -> hangup(c, 16));
        } else if ("Playback".equalsIgnoreCase(app) || "Wait".equalsIgnoreCase(app)) {
            later(1000, () -> hangup(c, 16));
        } else {
            hangup(c, 16);
        }
    }

    private void dial(SimChannel caller, String dialString) {
        caller.application = "Dial";
        caller.appData = dialString;
        int slash = dialString.indexOf('/');
        if (slash <= 0) {
            hangup(caller, 16);
            return;
        }
        String tech = dialString.substring(0, slash);
        String resource = dialString.substring(slash + 1);
        CallScript.Outcome outcome = settings.script().outcomeFor(numberOf(resource));
        SimChannel callee = newChannel(tech, resource, null, caller.linkedid);
        callee.callerNum = caller.callerNum;
        callee.callerName = caller.callerName;
        callee.context = caller.context;
        callee.exten = caller.exten;
        callee.vars.putAll(caller.vars);
        event("Newchannel", snapshot(callee, ""));
        event("DialBegin", snapshot(caller, "").addAll(snapshot(callee, "Dest")).add("DialString", resource));
        if (outcome.kind() == CallScript.Kind.UNREACHABLE) {
            // As a trunk's far end refusing the number (404/480): the channel was made and
            // dialled, then hangs up before ringing; app_dial reports CHANUNAVAIL and the call
            // context's Hangup() follows. (Asterisk reports no Dial events at all when it cannot
            // even make the channel; the hub then only hears the caller's hang-up.)
            caller.dialling = callee;
            later(Math.min(50, settings.ringMs()), () -> {
                if (callee.gone || caller.gone) {
                    return;
                }
                caller.dialling = null;
                event("DialEnd", snapshot(caller, "").addAll(snapshot(callee, "Dest")).add("DialStatus", "CHANUNAVAIL"));
                hangup(callee, 20);
                hangup(caller, 16);
            });
            return;
        }
        caller.dialling = callee;
        later(Math.min(50, settings.ringMs()), () -> {
            if (callee.gone || caller.gone) {
                return;
            }
            setState(callee, 5);
            String status = switch (outcome.kind()) {
                case ANSWER -> "ANSWER";
                case BUSY -> "BUSY";
                case CONGESTION -> "CONGESTION";
                default -> "NOANSWER";
            };
            // Dial(${UC_DIAL_TO},<UC_RING_TIMEOUT, or 30 without it>) as the shipped call context has it.
            long delay = outcome.kind() == CallScript.Kind.NO_ANSWER ? dialTimeoutMs(caller) : settings.ringMs();
            if (delay < 0) {
                return;
            }
            later(delay, () -> {
                if (callee.gone || caller.gone) {
                    return;
                }
                caller.dialling = null;
                if ("ANSWER".equals(status)) {
                    answer(callee);
                    event("DialEnd", snapshot(caller, "").addAll(snapshot(callee, "Dest")).add("DialStatus", status));
                    caller.peer = callee;
                    callee.peer = caller;
                    if (outcome.hangupAfterMs() > 0) {
                        later(outcome.hangupAfterMs(), () -> hangup(callee, 16));
                    }
                } else {
                    event("DialEnd", snapshot(caller, "").addAll(snapshot(callee, "Dest")).add("DialStatus", status));
                    int cause = "BUSY".equals(status) ? 17 : "CONGESTION".equals(status) ? 34 : 19;
                    hangup(callee, cause);
                    // app_dial gives the caller its callee's cause on busy and congestion, and the
                    // call context's Hangup() keeps a cause already set; after no answer, 16.
                    hangup(caller, cause == 19 ? 16 : cause);
                }
            });
        });
    }

    /** Dial()'s timeout from the call context's UC_RING_TIMEOUT (30 s when unset), in ms; -1: none (0 rings on). */
    private static long dialTimeoutMs(SimChannel caller) {
        String t = caller.vars.get("UC_RING_TIMEOUT");
        if (t == null || t.isEmpty()) {
            return 30_000;
        }
        if (!t.matches("[0-9]{1,5}") || Long.parseLong(t) == 0) {
            return -1;
        }
        return Long.parseLong(t) * 1000;
    }

    /** Hangs a channel up: it leaves its room first, then its bridged peer follows, as after Dial(). */
    void hangup(SimChannel c, int cause) {
        if (c.gone) {
            return;
        }
        c.gone = true;
        if (c.room != null) {
            leave(c);
        }
        SimChannel ringing = c.dialling;
        if (ringing != null && !ringing.gone) {
            // The caller left while its Dial() still rang: app_dial cancels the outgoing call.
            event("DialEnd", snapshot(c, "").addAll(snapshot(ringing, "Dest")).add("DialStatus", "CANCEL"));
            hangup(ringing, 16);
        }
        event("Hangup", snapshot(c, "").add("Cause", cause).add("Cause-txt", causeText(cause)));
        channels.remove(c.uniqueid);
        Runnable unanswered = c.unanswered;
        c.unanswered = null;
        if (unanswered != null) {
            unanswered.run();
        }
        SimChannel peer = c.peer;
        if (peer != null && !peer.gone) {
            hangup(peer, 16);
        }
    }

    // ------------------------------------------------------------------ ConfBridge

    /**
     * The ConfBridge profiles this simulated Asterisk has: app_confbridge's built-in defaults and
     * those of the shipped config/asterisk/confbridge.conf, with the user profiles that are admins.
     */
    static final java.util.Set<String> BRIDGE_PROFILES = java.util.Set.of("default_bridge", "uc_bridge", "uc_video_bridge");
    static final Map<String, Boolean> USER_PROFILES = Map.of("default_user", false, "uc_user", false, "uc_chair", true);

    private void join(SimChannel c, String roomName, String bridgeProfile, String userProfile) {
        if (!BRIDGE_PROFILES.contains(bridgeProfile) || !USER_PROFILES.containsKey(userProfile)) {
            // app_confbridge: "Conference bridge profile %s does not exist" (or user profile), the
            // application fails and the channel, answered already, is hung up without joining.
            hangup(c, 16);
            return;
        }
        Room room = rooms.get(roomName);
        if (room == null) {
            room = new Room(roomName, bridgeProfile);
            rooms.put(roomName, room);
            event("ConfbridgeStart", bridge(room));
        }
        c.room = room;
        c.admin = USER_PROFILES.get(userProfile);
        room.members.add(c);
        event("ConfbridgeJoin", bridge(room).addAll(snapshot(c, "")).add("Admin", c.admin ? "Yes" : "No").add("Muted", "No"));
    }

    private void leave(SimChannel c) {
        Room room = c.room;
        room.members.remove(c);
        c.room = null;
        event("ConfbridgeLeave", bridge(room).addAll(snapshot(c, "")).add("Admin", c.admin ? "Yes" : "No"));
        if (room.members.isEmpty()) {
            // As app_confbridge's conf_ended(): the end is announced, then the recording stops.
            rooms.remove(room.name);
            event("ConfbridgeEnd", bridge(room));
            if (room.recording != null) {
                stopRecording(room);
            }
        }
    }

    Room room(String name) {
        return rooms.get(name);
    }

    boolean hasRooms() {
        return !rooms.isEmpty();
    }

    /** The members a ConfbridgeKick/Mute names: one channel by name, or "all" / "participants". */
    /**
     * The members an action names: "all", "participants" (who is not admin), else for
     * ConfbridgeKick the channel of exactly that name, for Mute and Unmute the first whose
     * name starts with it (app_confbridge's kick_conference_participant and
     * generic_mute_unmute_helper; both ignore case).
     */
    List<SimChannel> members(Room room, String channel, boolean byPrefix) {
        List<SimChannel> out = new ArrayList<>();
        boolean all = "all".equalsIgnoreCase(channel);
        boolean participants = "participants".equalsIgnoreCase(channel);
        for (SimChannel c : room.members) {
            if (all || (participants && !c.admin)) {
                out.add(c);
            } else if (!all && !participants && !channel.isEmpty() && (byPrefix
                    ? c.name.regionMatches(true, 0, channel, 0, channel.length()) : c.name.equalsIgnoreCase(channel))) {
                out.add(c);
                break;
            }
        }
        return out;
    }

    void kick(List<SimChannel> who) {
        for (SimChannel c : who) {
            hangup(c, 16);
        }
    }

    void mute(Room room, List<SimChannel> who, boolean mute) {
        for (SimChannel c : who) {
            c.muted = mute;
            event(mute ? "ConfbridgeMute" : "ConfbridgeUnmute", bridge(room).addAll(snapshot(c, "")).add("Admin", c.admin ? "Yes" : "No"));
        }
    }

    /** Starts recording into {@code file} (relative names land in the recordings directory). */
    void startRecording(Room room, String file) {
        Path p = Path.of(file);
        if (!p.isAbsolute()) {
            p = settings.recordingsDir().resolve(p);
        }
        room.recording = p;
        room.recordingStarted = System.currentTimeMillis();
        try {
            // As format_wav's write_header: the file exists from the start, its sizes still 0.
            writeWav(p, 0, false);
        } catch (IOException e) {
            System.err.println("AMI simulator: cannot write recording " + p + ": " + e);
        }
        event("ConfbridgeRecord", bridge(room));
    }

    /**
     * As app_confbridge's conf_stop_record: the stop is reported at once, and the recording
     * channel's MixMonitor writes the rest of the audio and the header's sizes a moment later,
     * on its own thread.
     */
    void stopRecording(Room room) {
        Path file = room.recording;
        long ms = Math.max(100, System.currentTimeMillis() - room.recordingStarted);
        room.recording = null;
        event("ConfbridgeStopRecord", bridge(room));
        try {
            pbxThread.schedule(() -> {
                try {
                    writeWav(file, ms, true);
                } catch (IOException e) {
                    // Asterisk logs a failed recording and goes on with the conference.
                    System.err.println("AMI simulator: cannot write recording " + file + ": " + e);
                }
            }, RECORDING_CLOSE_MS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // The simulated PBX is going down: like a crashed Asterisk, it leaves the file unfinished.
        }
    }

    /** How long after the stop the simulated MixMonitor closes the file. */
    static final long RECORDING_CLOSE_MS = 300;

    /**
     * A real WAV file as format_wav writes one: 8 kHz, 16-bit mono PCM. {@code closed} false:
     * the header alone, both sizes 0 (write_header at the start). {@code closed} true: a quiet
     * 440 Hz tone as long as the recording ran (at most 60 s) written after the header, then
     * the two sizes patched in place (update_header at the close), so a reader never sees the
     * file shorter than its header.
     */
    static void writeWav(Path file, long millis, boolean closed) throws IOException {
        int rate = 8000;
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        if (!closed || !Files.exists(file) || Files.size(file) < 44) {
            ByteBuffer h = ByteBuffer.allocate(44).order(ByteOrder.LITTLE_ENDIAN);
            h.put("RIFF".getBytes()).putInt(0).put("WAVE".getBytes());
            h.put("fmt ".getBytes()).putInt(16).putShort((short) 1).putShort((short) 1).putInt(rate).putInt(rate * 2)
                    .putShort((short) 2).putShort((short) 16);
            h.put("data".getBytes()).putInt(0);
            try (OutputStream out = Files.newOutputStream(file)) {
                out.write(h.array());
            }
        }
        if (!closed) {
            return;
        }
        int samples = (int) Math.min(rate * 60L, rate * millis / 1000);
        ByteBuffer audio = ByteBuffer.allocate(samples * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < samples; i++) {
            audio.putShort((short) (2000 * Math.sin(2 * Math.PI * 440 * i / rate)));
        }
        audio.flip();
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(44);
            ch.write(audio, 44);
            ch.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 36 + samples * 2), 4);
            ch.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, samples * 2), 40);
        }
    }

    // ------------------------------------------------------------------ listing

    List<SimChannel> channels() {
        return new ArrayList<>(channels.values());
    }

    /**
     * The channel an action names, as Asterisk's ast_channel_get_by_name finds it: by its full
     * name first, then by its uniqueid, both ignoring case. Hangup takes either, so a client
     * that preset a channel's id can hang it up without listing every channel first.
     */
    SimChannel channelByNameOrUniqueid(String name) {
        for (SimChannel c : channels.values()) {
            if (c.name.equalsIgnoreCase(name)) {
                return c;
            }
        }
        SimChannel byId = channels.get(name);
        if (byId != null) {
            return byId;
        }
        for (SimChannel c : channels.values()) {
            if (c.uniqueid.equalsIgnoreCase(name)) {
                return c;
            }
        }
        return null;
    }

    /** Ends every call at once, as a PBX restart does; no events reach anyone, the connections are gone. */
    void clear() {
        channels.clear();
        rooms.clear();
    }

    // ------------------------------------------------------------------ helpers

    private void later(long ms, Runnable r) {
        pbxThread.schedule(() -> {
            try {
                r.run();
            } catch (RuntimeException e) {
                System.err.println("AMI simulator: " + e);
            }
        }, ms, TimeUnit.MILLISECONDS);
    }

    /**
     * A {@code Variable:} header as Asterisk reads it (astman_get_variables, through
     * ast_app_separate_args): split at commas outside double quotes and parentheses, the
     * quotes and the backslash before an escaped character dropped.
     */
    static List<String> listArguments(String header) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        int parens = 0;
        for (int i = 0; i < header.length(); i++) {
            char ch = header.charAt(i);
            if (ch == '\\' && i + 1 < header.length()) {
                cur.append(header.charAt(++i));
            } else if (ch == '"') {
                quoted = !quoted;
            } else if (ch == ',' && !quoted && parens == 0) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                if (ch == '(') {
                    parens++;
                } else if (ch == ')' && parens > 0) {
                    parens--;
                }
                cur.append(ch);
            }
        }
        out.add(cur.toString());
        return out;
    }

    /** The number in a dial resource: {@code 201@trunk} → 201, {@code trunk/201} → 201. */
    static String numberOf(String resource) {
        String r = resource.contains("@") ? resource.substring(0, resource.indexOf('@')) : resource;
        return r.contains("/") ? r.substring(r.lastIndexOf('/') + 1) : r;
    }

    /** {@code "Name" <123>} → {123, Name}; a bare number is the number. */
    static String[] callerId(String cid) {
        if (cid == null || cid.isBlank()) {
            return new String[] {"<unknown>", "<unknown>"};
        }
        int lt = cid.indexOf('<');
        int gt = cid.indexOf('>', lt + 1);
        if (lt >= 0 && gt > lt) {
            String name = cid.substring(0, lt).trim().replace("\"", "");
            return new String[] {cid.substring(lt + 1, gt), name.isEmpty() ? "<unknown>" : name};
        }
        return new String[] {cid.trim(), "<unknown>"};
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    Settings settings() {
        return settings;
    }
}
