package org.uchub.pbx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.uchub.contract.Recording;
import org.uchub.contract.ReplyStatus;
import org.uchub.contract.SessionReply;
import org.uchub.request.ErrorCode;
import org.uchub.request.HubRequest;
import org.uchub.request.RequestRejectedException;
import org.uchub.sessionlog.ChannelProgress;
import org.uchub.sessionlog.ChannelProgress.Running;
import org.uchub.sessionlog.SessionLog;

/**
 * GetRecording: the file ConfBridge wrote for a session, read from the recordings directory
 * the hub shares with Asterisk. Only the session's owner gets it; the name comes from the
 * session log, never from the request, and must resolve inside the directory.
 */
public class Recordings {
    private final ChannelProgress progress;
    private final Path dir;
    private final long maxBytes;

    public Recordings(ChannelProgress progress, Path dir, long maxBytes) {
        this.progress = progress;
        this.dir = dir.toAbsolutePath().normalize();
        this.maxBytes = maxBytes;
    }

    public HubRequest fetch(HubRequest r) {
        Running s = progress.running(r.getSessionId()).filter(x -> x.tenant().equals(r.getTenant()))
                .orElseThrow(() -> SessionLog.notFound(r.getBusinessId()));
        if (s.recordingRef() == null) {
            throw new RequestRejectedException(ErrorCode.NO_RECORDING, s.recordRequested()
                    ? "Session " + s.sessionId() + " asked for a recording, but none was started (the conference never ran)."
                    : "Session " + s.sessionId() + " was not recorded.");
        }
        Path file = dir.resolve(s.recordingRef()).normalize();
        if (!file.startsWith(dir) || !Files.isRegularFile(file)) {
            throw new RequestRejectedException(ErrorCode.NO_RECORDING, "The recording of session " + s.sessionId()
                    + " is not available yet: Asterisk writes " + s.recordingRef() + " when the recording stops.");
        }
        try {
            long size = Files.size(file);
            if (size > maxBytes) {
                throw new RequestRejectedException(ErrorCode.NO_RECORDING, "The recording " + s.recordingRef() + " is " + size
                        + " bytes, more than pbx.recordings.max-bytes (" + maxBytes + "); fetch it from the recordings directory.");
            }
            byte[] audio = Files.readAllBytes(file);
            if (!finished(file, audio)) {
                if (Files.getLastModifiedTime(file).toMillis() > System.currentTimeMillis() - ABANDONED_MS) {
                    throw new RequestRejectedException(ErrorCode.NO_RECORDING, "The recording of session " + s.sessionId()
                            + " is still being written or finished: Asterisk completes " + s.recordingRef()
                            + " a moment after the recording stops. Ask again in a few seconds.");
                }
                // Untouched for a minute and never closed (Asterisk stopped, a full disk): the
                // audio that is there is served, with the sizes its header never got.
                audio = withSizes(audio);
            }
            Recording rec = new Recording();
            rec.setFileName(file.getFileName().toString());
            rec.setMimeType("audio/wav");
            rec.setContent(audio);
            SessionReply reply = new SessionReply();
            reply.setStatus(ReplyStatus.OK);
            reply.setRequestId(r.getRequestId());
            reply.setBusinessId(r.getBusinessId());
            reply.setSessionId(s.sessionId());
            reply.setReservedNumber(s.reservedNumber());
            reply.setRecording(rec);
            r.setReply(reply);
            return r;
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read recording " + file + ": " + e.getMessage(), e);
        }
    }

    /** A WAV file Asterisk did not write to for this long will not be closed any more. */
    static final long ABANDONED_MS = 60_000;

    /** The WAV with its header's RIFF and data sizes set from its length, as format_wav's update_header would have. */
    static byte[] withSizes(byte[] audio) {
        if (audio.length < 44) {
            return audio;
        }
        byte[] fixed = audio.clone();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(fixed).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(4, fixed.length - 8);
        b.putInt(40, fixed.length - 44);
        return fixed;
    }

    /**
     * Whether Asterisk has closed a WAV file. It writes the header with both sizes 0 when the
     * recording starts and fills them in only when it closes the file (format_wav's
     * update_header), which MixMonitor does on its own thread after ConfBridge has reported
     * the stop: until then the file on disk would play as empty or be cut short. Other
     * formats carry no such mark and are served as they are.
     */
    static boolean finished(Path file, byte[] audio) {
        if (!file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".wav")) {
            return true;
        }
        if (audio.length < 12 || audio[0] != 'R' || audio[1] != 'I' || audio[2] != 'F' || audio[3] != 'F') {
            return false;
        }
        long riffSize = java.nio.ByteBuffer.wrap(audio, 4, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFFFFFFL;
        return riffSize == audio.length - 8L;
    }
}
