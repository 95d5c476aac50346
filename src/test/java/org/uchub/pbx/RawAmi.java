package org.uchub.pbx;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** A bare AMI client over a socket: writes packets as text and reads packets back, nothing hidden. */
final class RawAmi implements AutoCloseable {
    final Socket socket;
    private final BufferedReader in;
    private final OutputStream out;
    final String banner;

    RawAmi(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(5000);
        in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        out = socket.getOutputStream();
        banner = in.readLine();
    }

    void send(String... lines) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String l : lines) {
            sb.append(l).append("\r\n");
        }
        out.write(sb.append("\r\n").toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** The next packet (headers by lower-case name; repeated names joined with '|'), or null at end of stream. */
    Map<String, String> read() throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isEmpty()) {
                if (!m.isEmpty()) {
                    return m;
                }
                continue;
            }
            int c = line.indexOf(':');
            String k = line.substring(0, c).toLowerCase();
            String v = line.substring(c + 1).trim();
            m.merge(k, v, (a, b) -> a + "|" + b);
        }
        return m.isEmpty() ? null : m;
    }

    /** The next packet with this Event (or Response when event is null), skipping others. */
    Map<String, String> until(String event) throws IOException {
        while (true) {
            Map<String, String> m = read();
            if (m == null) {
                throw new IOException("connection closed before " + event);
            }
            if (event == null ? m.containsKey("response") : event.equalsIgnoreCase(m.get("event"))) {
                return m;
            }
        }
    }

    boolean closedByPeer() throws IOException {
        try {
            return in.readLine() == null;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
