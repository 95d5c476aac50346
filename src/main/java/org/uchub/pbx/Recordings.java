package org.uchub.pbx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import org.uchub.contract.Recording;
import org.uchub.contract.ReplyStatus;
import org.uchub.contract.SessionReply;
import org.uchub.request.ErrorCode;
import org.uchub.request.HubRequest;
import org.uchub.request.RequestRejectedException;
import org.uchub.sessionlog.ChannelProgress;
import org.uchub.sessionlog.ChannelProgress.Running;
import org.uchub.sessionlog.SessionLog;
import org.uchub.support.PlainFiles;

/**
 * GetRecording: the file ConfBridge wrote for a session, read from the recordings directory
 * the hub shares with Asterisk. Only the session's owner gets it; the name comes from the
 * session log, never from the request, and must resolve inside the directory.
 */
public class Recordings {
    private final ChannelProgress progress;
    private final Path dir;
    private final long maxBytes;
    /**
     * Recordings being read and sent at once. Each is held whole in memory, and several times
     * over as its reply is written (base64 text for the many clients that do not read MTOM):
     * up to pbx.recordings.max-bytes, 50 MB, is a few hundred MB per call, and unbounded the
     * calls of a few tenants at once could take the heap, and every ingress with it.
     */
    private final java.util.concurrent.Semaphore sending;
    private final int mostAtOnce;
    /** How long a GetRecording waits for one being sent to be done, before it is asked to come again. */
    private final long waitMs;

    public Recordings(ChannelProgress progress, Path dir, long maxBytes) {
        this(progress, dir, maxBytes, 2, 5_000);
    }

    public Recordings(ChannelProgress progress, Path dir, long maxBytes, int mostAtOnce, long waitMs) {
        this.waitMs = waitMs;
        if (mostAtOnce < 1) {
            throw new IllegalArgumentException("pbx.recordings.max-concurrent must be at least 1");
        }
        this.progress = progress;
        this.dir = dir.toAbsolutePath().normalize();
        this.maxBytes = maxBytes;
        this.mostAtOnce = mostAtOnce;
        this.sending = new java.util.concurrent.Semaphore(mostAtOnce, true);
    }

    /**
     * {@link #fetch(HubRequest)} in its turn: counted among the recordings being sent until
     * the exchange is done. Its reply is built within it (for SOAP the envelope with the audio
     * as base64 text or an MTOM part); over SOAP camel-cxf ends the exchange before CXF writes
     * the envelope out, so a client that reads slowly holds its reply in memory uncounted: the
     * bound is on replies being built, not on replies being written.
     */
    public HubRequest fetchInTurn(HubRequest r, org.apache.camel.Exchange exchange) throws InterruptedException {
        if (!sending.tryAcquire(waitMs, java.util.concurrent.TimeUnit.MILLISECONDS)) {
            throw new RequestRejectedException(ErrorCode.SERVICE_UNAVAILABLE, mostAtOnce + " recording(s) are being sent now, the most"
                    + " the hub sends at once (pbx.recordings.max-concurrent): ask again in a few seconds.");
        }
        boolean handedOn = false;
        try {
            HubRequest out = fetch(r);
            exchange.getExchangeExtension().addOnCompletion(new org.apache.camel.support.SynchronizationAdapter() {
                @Override
                public void onDone(org.apache.camel.Exchange done) {
                    sending.release();
                }
            });
            handedOn = true;
            return out;
        } finally {
            if (!handedOn) {
                sending.release();
            }
        }
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
        // Never through a link: whoever can write the shared directory could point one at the
        // hub's own files (its session log holds every tenant's).
        if (file.startsWith(dir) && !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            file = timestamped(file).orElse(file);
        }
        if (!file.startsWith(dir) || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new RequestRejectedException(ErrorCode.NO_RECORDING, "The recording of session " + s.sessionId()
                    + " is not available yet: Asterisk writes " + s.recordingRef() + " when the recording stops.");
        }
        try {
            long size = Files.size(file);
            if (size > maxBytes) {
                throw tooLarge(s, size);
            }
            // Its header and length first: a recording still being written is not read whole at every poll.
            boolean closed = finished(file, PlainFiles.read(file, 12), size);
            if (!closed) {
                if (!ChannelProgress.isOver(s) || !unchangedForAMinute(file, size)) {
                    throw new RequestRejectedException(ErrorCode.NO_RECORDING, "The recording of session " + s.sessionId()
                            + " is still being written or finished: Asterisk completes " + s.recordingRef()
                            + " a moment after the recording stops. Ask again in a few seconds.");
                }
            }
            byte[] audio = PlainFiles.read(file, Math.min(Integer.MAX_VALUE - 9L, maxBytes) + 1);
            if (audio.length > maxBytes) {
                throw tooLarge(s, audio.length);
            }
            if (!closed) {
                // Its session over and the file not grown for a minute, never closed (Asterisk
                // stopped, a full disk): the audio that is there is served, with the sizes its
                // header never got.
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

    /**
     * The file under the name ConfBridge gives it when its bridge profile keeps
     * {@code record_file_timestamp} at Asterisk's default (yes): the Unix time inserted before
     * the extension, {@code case-4711-1764500000.wav}. The sample confbridge.conf turns that off;
     * a PBX set up without it would otherwise never have its recordings found. The latest wins.
     */
    static java.util.Optional<Path> timestamped(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot) : "";
        java.util.regex.Pattern p = java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(stem) + "-([0-9]{1,12})"
                + java.util.regex.Pattern.quote(ext));
        if (file.getParent() == null || !Files.isDirectory(file.getParent())) {
            return java.util.Optional.empty();
        }
        try (java.util.stream.Stream<Path> siblings = Files.list(file.getParent())) {
            return siblings.filter(f -> p.matcher(f.getFileName().toString()).matches() && Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS))
                    .max(java.util.Comparator.comparingLong(f -> {
                        java.util.regex.Matcher m = p.matcher(f.getFileName().toString());
                        return m.matches() ? Long.parseLong(m.group(1)) : -1L;
                    }));
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    private RequestRejectedException tooLarge(Running s, long size) {
        return new RequestRejectedException(ErrorCode.RECORDING_TOO_LARGE, "The recording " + s.recordingRef() + " is " + size
                + " bytes, more than pbx.recordings.max-bytes (" + maxBytes + "); fetch it from the recordings directory.");
    }

    /** A WAV file that did not grow for this long after its session ended will not be closed any more. */
    static final long ABANDONED_MS = 60_000;

    /**
     * Each unclosed file asked for: its size and when (on this hub's clock, not the file
     * server's) it was first seen at that size. Only a hint that survives no restart: after
     * one, the minute starts again.
     */
    private final Map<Path, long[]> unclosed = org.uchub.support.Bounded.map(1000);

    private boolean unchangedForAMinute(Path file, long size) {
        long now = System.nanoTime();
        long[] seen = unclosed.compute(file, (f, before) -> before != null && before[0] == size ? before : new long[] {size, now});
        return now - seen[1] >= ABANDONED_MS * 1_000_000L;
    }

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
        return finished(file, audio, audio.length);
    }

    /** The same from the file's first bytes and its length. */
    static boolean finished(Path file, byte[] head, long length) {
        if (!file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".wav")) {
            return true;
        }
        if (head.length < 12 || length < 12 || head[0] != 'R' || head[1] != 'I' || head[2] != 'F' || head[3] != 'F') {
            return false;
        }
        long riffSize = java.nio.ByteBuffer.wrap(head, 4, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFFFFFFL;
        return riffSize == length - 8L;
    }
}
