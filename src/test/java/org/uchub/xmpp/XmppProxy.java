package org.uchub.xmpp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay between the hub and a real XMPP server, byte for byte (TLS passes through
 * untouched), that can make the connections open now lead nowhere: what the hub writes is
 * taken from it and never reaches the server, as when a connection dies on the way and
 * neither end has noticed yet. New connections are relayed normally.
 */
final class XmppProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final int upstream;
    private final List<Pair> open = new CopyOnWriteArrayList<>();

    private static final class Pair {
        final Socket client;
        final Socket server;
        volatile boolean blackholed;

        Pair(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }

        void close() {
            try {
                client.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            try {
                server.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    XmppProxy(int upstream) throws IOException {
        this.upstream = upstream;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::accept, "xmpp-proxy-accept");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    int upstream() {
        return upstream;
    }

    private volatile boolean refusing;

    /** Closes every relayed connection and, until {@link #acceptAgain}, every new one at once: the server is out of reach. */
    void cutOff() {
        refusing = true;
        open.forEach(Pair::close);
    }

    void acceptAgain() {
        refusing = false;
    }

    /** From now on, what the clients of the open connections write goes nowhere. */
    void blackholeOpenConnections() {
        open.forEach(p -> p.blackholed = true);
    }

    private void accept() {
        while (!listener.isClosed()) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                return;
            }
            if (refusing) {
                try {
                    client.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
                continue;
            }
            Socket server;
            try {
                server = new Socket(InetAddress.getLoopbackAddress(), upstream);
            } catch (IOException e) {
                try {
                    client.close(); // the server is down: so is the relayed connection
                } catch (IOException ignored) {
                    // closing anyway
                }
                continue;
            }
            Pair p = new Pair(client, server);
            open.add(p);
            pump(p, true);
            pump(p, false);
        }
    }

    private void pump(Pair p, boolean fromClient) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try (InputStream in = (fromClient ? p.client : p.server).getInputStream();
                    OutputStream out = (fromClient ? p.server : p.client).getOutputStream()) {
                for (int n; (n = in.read(buf)) >= 0;) {
                    if (fromClient && p.blackholed) {
                        continue;
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // one side went away
            } finally {
                p.close();
                open.remove(p);
            }
        }, "xmpp-proxy-" + (fromClient ? "up" : "down"));
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        listener.close();
        open.forEach(Pair::close);
    }
}
