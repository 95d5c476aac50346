package org.uchub.fax;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A TCP relay in front of a real SMTP server that holds back the server's answer to the end
 * of a mail (the line with a lone dot) for a while, as a gateway does that converts or scans
 * the document before it says 250. Everything else passes at once, byte for byte.
 */
final class SlowFinalAnswer implements AutoCloseable {
    private static final byte[] END_OF_DATA = "\r\n.\r\n".getBytes(StandardCharsets.US_ASCII);
    private final ServerSocket listener;
    private final int upstream;
    private final long holdMillis;

    SlowFinalAnswer(int listenPort, int upstream, long holdMillis) throws IOException {
        this.listener = new ServerSocket(listenPort, 50, InetAddress.getLoopbackAddress());
        this.upstream = upstream;
        this.holdMillis = holdMillis;
        Thread accept = new Thread(this::acceptLoop, "slow-smtp-accept");
        accept.setDaemon(true);
        accept.start();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(InetAddress.getLoopbackAddress(), upstream);
                Object mailEnded = new Object();
                boolean[] ended = {false};
                relay("slow-smtp-up", client, server, tail -> {
                    if (!contains(tail, END_OF_DATA)) {
                        return false;
                    }
                    synchronized (mailEnded) {
                        ended[0] = true;
                    }
                    return true;
                });
                relay("slow-smtp-down", server, client, tail -> {
                    boolean hold;
                    synchronized (mailEnded) {
                        hold = ended[0];
                        ended[0] = false;
                    }
                    if (hold) {
                        Thread.sleep(holdMillis);
                    }
                    return true;
                });
            } catch (IOException e) {
                return;
            }
        }
    }

    private interface Watch {
        /** Called before the bytes are passed on, with the last ones seen; true forgets them. */
        boolean before(byte[] tail) throws InterruptedException;
    }

    private static void relay(String name, Socket from, Socket to, Watch watch) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            byte[] tail = new byte[0];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    // The last bytes seen so far, so a dot line split over two reads is still found.
                    byte[] joined = new byte[Math.min(tail.length + n, 64)];
                    int fromOld = joined.length - Math.min(n, joined.length);
                    System.arraycopy(tail, tail.length - fromOld, joined, 0, fromOld);
                    System.arraycopy(buf, n - (joined.length - fromOld), joined, fromOld, joined.length - fromOld);
                    tail = watch.before(joined) ? new byte[0] : joined;
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // the other side is gone
            } finally {
                try {
                    from.close();
                    to.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }, name);
        t.setDaemon(true);
        t.start();
    }

    private static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
