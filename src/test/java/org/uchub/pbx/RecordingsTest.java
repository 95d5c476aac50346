package org.uchub.pbx;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which recording files GetRecording may hand out: only those Asterisk has closed. */
class RecordingsTest {
    @TempDir
    Path dir;

    @Test
    void aWavAsteriskIsStillWritingIsNotFinishedAndOneItClosedIs() throws Exception {
        Path wav = dir.resolve("case-4711.wav");
        Files.write(wav, wav(800, false));
        byte[] open = Files.readAllBytes(wav);
        assertFalse(Recordings.finished(wav, open), "header sizes still 0");
        // Audio written after the header, sizes not filled in yet: what a reader sees mid-call.
        byte[] grown = java.util.Arrays.copyOf(open, open.length + 1600);
        assertFalse(Recordings.finished(wav, grown));

        Files.write(wav, wav(800, true));
        assertTrue(Recordings.finished(wav, Files.readAllBytes(wav)));
        // Cut short after it was closed (a copy still running): the sizes no longer match.
        byte[] closed = Files.readAllBytes(wav);
        assertFalse(Recordings.finished(wav, java.util.Arrays.copyOf(closed, closed.length - 2)));
        assertFalse(Recordings.finished(wav, new byte[0]));
    }

    /** 16-bit mono PCM at 8 kHz as format_wav lays it out; {@code closed} false: both sizes still 0. */
    private static byte[] wav(int samples, boolean closed) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(44 + samples * 2).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(closed ? 36 + samples * 2 : 0).put("WAVEfmt ".getBytes()).putInt(16)
                .putShort((short) 1).putShort((short) 1).putInt(8000).putInt(16000).putShort((short) 2).putShort((short) 16)
                .put("data".getBytes()).putInt(closed ? samples * 2 : 0);
        return b.array();
    }

    @Test
    void aWavNeverClosedIsMadeWholeFromWhatIsThere() {
        byte[] open = java.util.Arrays.copyOf(wav(0, false), 44 + 1600);
        byte[] fixed = Recordings.withSizes(open);
        assertTrue(Recordings.finished(Path.of("x.wav"), fixed));
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(fixed).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        org.junit.jupiter.api.Assertions.assertEquals(1600, b.getInt(40));
    }

    @Test
    void aRecordingAsteriskNamedWithItsTimestampIsFoundTheLatestFirst() throws Exception {
        Path asked = dir.resolve("erp_4711_s1.wav");
        org.junit.jupiter.api.Assertions.assertEquals(java.util.Optional.empty(), Recordings.timestamped(asked));
        Files.write(dir.resolve("erp_4711_s1-1764500000.wav"), wav(10, true));
        Files.write(dir.resolve("erp_4711_s1-1764500100.wav"), wav(10, true));
        Files.write(dir.resolve("erp_4711_s10-1764500200.wav"), wav(10, true));
        org.junit.jupiter.api.Assertions.assertEquals(java.util.Optional.of(dir.resolve("erp_4711_s1-1764500100.wav")),
                Recordings.timestamped(asked));
    }

    @Test
    void otherFormatsCarryNoMarkAndAreServedAsTheyAre() {
        assertTrue(Recordings.finished(Path.of("case-4711.gsm"), new byte[] {1, 2, 3}));
    }
}
