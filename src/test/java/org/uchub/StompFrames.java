package org.uchub;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** STOMP 1.2 frames written and read by hand, the way a legacy system's own client would. */
public final class StompFrames {
    private StompFrames() {
    }

    public static byte[] frame(String command, String headers, byte[] body) throws IOException {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write((command + "\n" + headers + "\n").getBytes(StandardCharsets.UTF_8));
        f.write(body);
        f.write(0);
        return f.toByteArray();
    }

    public static byte[] frame(String command, String headers, String body) throws IOException {
        return frame(command, headers, body.getBytes(StandardCharsets.UTF_8));
    }

    /** The next frame up to its NUL, without the heart-beat newlines before it. */
    public static String readFrame(InputStream in) throws IOException {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1 && b != 0) {
            f.write(b);
        }
        return f.toString(StandardCharsets.UTF_8).stripLeading();
    }
}
