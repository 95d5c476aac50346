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
            Recording rec = new Recording();
            rec.setFileName(file.getFileName().toString());
            rec.setMimeType("audio/wav");
            rec.setContent(Files.readAllBytes(file));
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
}
