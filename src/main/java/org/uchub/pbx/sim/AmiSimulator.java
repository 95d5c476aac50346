package org.uchub.pbx.sim;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP server that speaks the Asterisk Manager Interface as Asterisk 18 does: the banner,
 * Login (plain and MD5 challenge) with manager.conf-style read/write permissions, Ping,
 * Logoff, Events, CoreSettings, CoreShowChannels, Hangup, asynchronous and synchronous
 * Originate, and the ConfBridge actions and events. It stands in for Asterisk where none
 * can run (tests, the embedded default) and is reached over TCP like a real PBX; it refuses
 * what Asterisk refuses, with Asterisk's messages. It can be started as an Asterisk that is
 * still booting ({@link #startBooting()}), as after a restart: logins are taken, but there is
 * no FullyBooted, no dialplan and no ConfBridge until {@link #finishBooting()}.
 */
public final class AmiSimulator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AmiSimulator.class);
    public static final String BANNER = "Asterisk Call Manager/7.0.3";
    static final String ASTERISK_VERSION = "18.26.0";
    /** The version CoreSettings reports; tests set an older one to see what the hub does then. */
    private volatile String asteriskVersion = ASTERISK_VERSION;

    /** Write permission each action needs (manager.c's authority); an empty set: anyone logged in. */
    private static final Map<String, Set<String>> AUTHORITY = Map.ofEntries(
            Map.entry("ping", Set.of()), Map.entry("events", Set.of()), Map.entry("logoff", Set.of()),
            Map.entry("coresettings", Set.of("system", "reporting")), Map.entry("coreshowchannels", Set.of("system", "reporting")),
            Map.entry("originate", Set.of("originate")), Map.entry("hangup", Set.of("system", "call")),
            Map.entry("confbridgelist", Set.of("reporting")), Map.entry("confbridgekick", Set.of("call")),
            Map.entry("confbridgemute", Set.of("call")), Map.entry("confbridgeunmute", Set.of("call")),
            // Since AST-2014-017 (CVE-2014-8417): a record file can name a command to run.
            Map.entry("confbridgestartrecord", Set.of("system")), Map.entry("confbridgestoprecord", Set.of("system")),
            Map.entry("command", Set.of("command")), Map.entry("filter", Set.of("system")));

    /** The ConfBridge actions: app_confbridge registers them only when it loads, late in a boot. */
    private static final Set<String> CONFBRIDGE = Set.of("confbridgelist", "confbridgekick", "confbridgemute", "confbridgeunmute",
            "confbridgestartrecord", "confbridgestoprecord");

    /** A manager.conf user. */
    public record User(String secret, Set<String> read, Set<String> write) {
    }

    private final int requestedPort;
    private final String bindAddress;
    private final Map<String, User> users;
    private final SimulatedPbx.Settings pbxSettings;
    private final List<Session> sessions = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicLong> actionCounts = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> eventsByUser = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private volatile ServerSocket server;
    private volatile ScheduledExecutorService pbxThread;
    private volatile SimulatedPbx pbx;
    private volatile boolean unresponsive;
    private volatile boolean stopped = true;
    /** Still booting: what a login sees and what the end of the boot broadcasts are decided under {@link #bootLock}. */
    private volatile boolean booting;
    private final Object bootLock = new Object();
    /** Actions (lower case) whose next answer is held back for so many ms. */
    private final Map<String, Long> lateAnswers = new ConcurrentHashMap<>();
    private int port;

    public AmiSimulator(String bindAddress, int port, Map<String, User> users, String conferenceContext, String callContext,
            long ringMs, String script, java.nio.file.Path recordingsDir) {
        this.bindAddress = bindAddress;
        this.requestedPort = port;
        this.users = Map.copyOf(users);
        this.pbxSettings = new SimulatedPbx.Settings(conferenceContext, callContext, ringMs, new CallScript(script), recordingsDir,
                List.of("UC_BUSINESS_ID", "UC_SESSION_ID"));
    }

    /** Starts listening (again, after {@link #stop()}, on the same port), fully booted. */
    public AmiSimulator start() throws IOException {
        return start(false);
    }

    /**
     * Starts listening (again, after {@link #stop()}, on the same port) as an Asterisk in the
     * middle of its boot: its manager takes logins, but sends no FullyBooted at them, has no
     * dialplan yet (Originate: "Extension does not exist.") and no ConfBridge actions
     * ("Invalid/unknown command"), until {@link #finishBooting()}.
     */
    public AmiSimulator startBooting() throws IOException {
        return start(true);
    }

    private synchronized AmiSimulator start(boolean booting) throws IOException {
        stopped = false;
        this.booting = booting;
        ServerSocket s = bind(port != 0 ? port : requestedPort);
        port = s.getLocalPort();
        server = s;
        pbxThread = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "ami-sim-pbx"));
        pbx = new SimulatedPbx(pbxSettings, pbxThread, this::broadcast);
        Thread accept = daemon(this::acceptLoop, "ami-sim-accept-" + port);
        accept.start();
        LOG.info("AMI simulator listening on {}:{}{}", bindAddress, port, booting ? ", booting" : "");
        return this;
    }

    /**
     * Ends the boot as Asterisk does: from now on the dialplan and ConfBridge are there, and
     * FullyBooted goes to every connection logged in, as an ordinary system event (subject to
     * each connection's read rights, event mask and filters).
     */
    public void finishBooting() {
        synchronized (bootLock) {
            if (!booting) {
                return;
            }
            booting = false;
            broadcast("system", fullyBooted());
        }
        LOG.info("AMI simulator on port {}: fully booted", port);
    }

    public boolean isBooting() {
        return booting;
    }

    private static AmiMessage fullyBooted() {
        return AmiMessage.event("FullyBooted", "system").add("Uptime", 1).add("LastReload", 1).add("Status", "Fully Booted");
    }

    /**
     * The next answer to this action (any case) is written {@code delayMs} late, while the
     * connection goes on answering everything else: a PBX too busy to answer in time.
     */
    public void answerLate(String action, long delayMs) {
        lateAnswers.put(action.toLowerCase(Locale.ROOT), delayMs);
    }

    /**
     * Binds the listening socket. Right after a stop the kernel may still hold the port for
     * a closed connection that another socket on the machine shares; like a restarting PBX,
     * the simulator then tries again for a few seconds.
     */
    private ServerSocket bind(int wanted) throws IOException {
        for (int attempt = 0; ; attempt++) {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            try {
                s.bind(new InetSocketAddress(InetAddress.getByName(bindAddress), wanted));
                return s;
            } catch (java.net.BindException e) {
                s.close();
                if (wanted == 0 || attempt >= 50) {
                    throw e;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** Stops like a PBX that goes down: every connection drops, every call is gone. */
    public synchronized void stop() {
        stopped = true;
        try {
            if (server != null) {
                server.close();
            }
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Session s : sessions) {
            s.close();
        }
        sessions.clear();
        if (pbxThread != null) {
            pbxThread.shutdownNow();
        }
    }

    @Override
    public void close() {
        stop();
    }

    public int port() {
        return port;
    }

    /** While true the simulator reads but never answers: a half-open connection, as after a network fault. */
    public void setUnresponsive(boolean unresponsive) {
        this.unresponsive = unresponsive;
    }

    /** How many actions of this name (any case) reached the simulator, for tests. */
    public long actionCount(String action) {
        AtomicLong n = actionCounts.get(action.toLowerCase(Locale.ROOT));
        return n == null ? 0 : n.get();
    }

    public int connectionCount() {
        return sessions.size();
    }

    /** What CoreSettings reports as AsteriskVersion from now on: only the number changes, not the behaviour. */
    public void reportVersion(String version) {
        this.asteriskVersion = version;
    }

    /** How many events the simulator has written to the connections of this user (any case), for tests. */
    public long eventsSentTo(String username) {
        AtomicLong n = eventsByUser.get(username.toLowerCase(Locale.ROOT));
        return n == null ? 0 : n.get();
    }

    /** Channels up or ringing now (read on the PBX thread, where they change); 0 when stopped. */
    public int channelCount() throws InterruptedException {
        ScheduledExecutorService thread = pbxThread;
        SimulatedPbx current = pbx;
        if (thread == null || current == null || thread.isShutdown()) {
            return 0;
        }
        try {
            return thread.submit(() -> current.channels().size()).get(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.RejectedExecutionException
                | java.util.concurrent.TimeoutException e) {
            // stopped meanwhile: no channels
            return 0;
        }
    }

    private void acceptLoop() {
        ServerSocket s = server;
        while (!s.isClosed()) {
            try {
                Socket socket = s.accept();
                synchronized (this) {
                    // A connection that raced stop() is not served by a PBX that is down.
                    if (stopped || s != server) {
                        socket.close();
                        continue;
                    }
                    socket.setTcpNoDelay(true);
                    Session session = new Session(socket);
                    sessions.add(session);
                    session.start();
                }
            } catch (IOException e) {
                if (!s.isClosed()) {
                    LOG.warn("AMI simulator accept failed: {}", e.toString());
                }
            }
        }
    }

    private void broadcast(String category, AmiMessage event) {
        String wire = event.render();
        for (Session s : sessions) {
            if (s.wants(category) && s.passes(wire)) {
                s.eventsSent.incrementAndGet();
                s.send(wire);
            }
        }
    }

    private <T> T onPbx(Callable<T> work) {
        try {
            return pbxThread.submit(work).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * A filter as Asterisk before its filtering rework (18.26, 20.11, 21.6, 22.1; see
     * PbxConnection.readsExtendedFilters) takes it, regcomp(..., 0), "the only place we use non-REG_EXTENDED": a POSIX basic
     * expression, in which '(', ')', '|', '{', '}', '+' and '?' are plain characters and
     * "\\(", "\\)", "\\{", "\\}" group and bound (and glibc's "\\|" alternates).
     */
    static Pattern posixBasic(String regex) {
        StringBuilder java = new StringBuilder();
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '[') {
                // A bracket expression as it is: a ']' first (after an optional '^') is one of its characters.
                int end = i + 1 < regex.length() && regex.charAt(i + 1) == '^' ? i + 2 : i + 1;
                end = regex.indexOf(']', end < regex.length() && regex.charAt(end) == ']' ? end + 1 : end);
                if (end < 0) {
                    return null;
                }
                java.append('[').append(regex.substring(i + 1, end).replace("\\", "\\\\").replace("[", "\\[")).append(']');
                i = end;
            } else if (c == '\\' && i + 1 < regex.length()) {
                char next = regex.charAt(++i);
                java.append("(){}|".indexOf(next) >= 0 ? String.valueOf(next) : "\\" + next);
            } else if ("(){}|+?".indexOf(c) >= 0) {
                java.append('\\').append(c);
            } else {
                java.append(c);
            }
        }
        return posixExtended(java.toString());
    }

    /** Whether this simulated Asterisk compiles filters as extended expressions: 18.26, 20.11, 21.6, 22.1 and later (and a version it cannot read, a development build). */
    static boolean extendedFilters(String version) {
        java.util.regex.Matcher m = Pattern.compile("^(?:certified[/-])?(\\d+)\\.(\\d+)").matcher(version);
        if (!m.find()) {
            return true;
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        return major > 22 || major == 22 && minor >= 1 || major == 21 && minor >= 6 || major == 20 && minor >= 11 || major == 18 && minor >= 26;
    }

    /**
     * A filter as Asterisk since its filtering rework takes it, regcomp(REG_EXTENDED | REG_NOSUB): searched for anywhere
     * in the event, '^' at its start, '.' across its line ends (no REG_NEWLINE). Java's
     * expressions stand in for POSIX ones: they agree on literals, '^', '.', '*', '+', '?',
     * groups, alternation, bounds and plain bracket expressions, which is what filters are made
     * of; they differ on rarer things ([[:digit:]], '$' before the last line end, a lone ')').
     * Null for what would not compile, Java's own "(?" constructs included.
     */
    static Pattern posixExtended(String regex) {
        if (regex.contains("(?")) {
            return null;
        }
        try {
            return Pattern.compile(regex, Pattern.DOTALL);
        } catch (PatternSyntaxException e) {
            return null;
        }
    }

    // ------------------------------------------------------------------ one manager connection

    private static final String CLOSE = new String("close");

    private final class Session {
        private final Socket socket;
        private final LinkedBlockingQueue<String> out = new LinkedBlockingQueue<>();
        private volatile boolean authenticated;
        private volatile User user;
        private volatile String challenge;
        private volatile Set<String> eventMask = Set.of("all");
        private volatile boolean closed;
        // The Filter action's regular expressions, this connection's only (manager.c keeps them per session).
        private final List<Pattern> whitelist = new CopyOnWriteArrayList<>();
        private final List<Pattern> blacklist = new CopyOnWriteArrayList<>();
        private volatile AtomicLong eventsSent = new AtomicLong();

        Session(Socket socket) {
            this.socket = socket;
        }

        void start() {
            send(BANNER + "\r\n");
            daemon(this::writeLoop, "ami-sim-write").start();
            daemon(this::readLoop, "ami-sim-read").start();
        }

        boolean wants(String category) {
            User u = user;
            return authenticated && !closed && u != null && (u.read().contains(category) || u.read().contains("all"))
                    && (eventMask.contains("all") || eventMask.contains(category));
        }

        /**
         * manager.c's match_filter: no filters let everything through; white filters alone let
         * through what one of them matches; black alone what none matches; both: a white match
         * that no black filter vetoes. Each is searched for in the whole event text, as regexec does.
         */
        boolean passes(String wire) {
            if (whitelist.isEmpty() && blacklist.isEmpty()) {
                return true;
            }
            boolean pass = whitelist.isEmpty() || whitelist.stream().anyMatch(p -> p.matcher(wire).find());
            return pass && blacklist.stream().noneMatch(p -> p.matcher(wire).find());
        }

        void send(String wire) {
            if (!closed) {
                out.add(wire);
            }
        }

        void reply(AmiMessage m) {
            send(m.render());
        }

        /** Closes once what was already queued (a Goodbye, an authentication failure) is written, as Asterisk does. */
        void closeAfterWrite() {
            out.add(CLOSE);
        }

        void close() {
            closed = true;
            out.add(CLOSE);
            try {
                socket.close();
            } catch (IOException ignored) {
                // already gone
            }
            sessions.remove(this);
        }

        private void writeLoop() {
            try (OutputStream os = socket.getOutputStream()) {
                while (true) {
                    String s = out.take();
                    if (s == CLOSE) {
                        os.flush();
                        close();
                        return;
                    }
                    os.write(s.getBytes(StandardCharsets.UTF_8));
                    if (out.isEmpty()) {
                        os.flush();
                    }
                }
            } catch (IOException | InterruptedException e) {
                close();
            }
        }

        private void readLoop() {
            boolean graceful = false;
            // Not closed here: closing a socket's stream closes the socket before the last answer is out.
            try {
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
                AmiMessage m = new AmiMessage();
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.isEmpty()) {
                        if (!m.isEmpty()) {
                            if (!unresponsive && !handle(m)) {
                                // The writer closes the socket once the last answer is out.
                                graceful = true;
                                return;
                            }
                            m = new AmiMessage();
                        }
                    } else {
                        m.parseLine(line);
                    }
                }
            } catch (IOException e) {
                // the peer went away
            } finally {
                if (!graceful) {
                    close();
                }
            }
        }

        /** @return false when the connection is to be closed */
        private boolean handle(AmiMessage m) {
            String action = m.action();
            if (action == null || action.isBlank()) {
                reply(AmiMessage.response("Error", m).add("Message", "Missing action in request"));
                return true;
            }
            actionCounts.computeIfAbsent(action, k -> new AtomicLong()).incrementAndGet();
            if (!authenticated && !Set.of("login", "logoff", "challenge").contains(action)) {
                reply(AmiMessage.response("Error", m).add("Message", "Permission denied"));
                return true;
            }
            switch (action) {
                case "login":
                    return login(m);
                case "challenge":
                    challenge(m);
                    return true;
                case "logoff":
                    reply(AmiMessage.response("Goodbye", m).add("Message", "Thanks for all the fish."));
                    closeAfterWrite();
                    return false;
                default:
                    break;
            }
            Set<String> needed = AUTHORITY.get(action);
            if (needed == null) {
                reply(AmiMessage.response("Error", m).add("Message", "Invalid/unknown command: " + m.get("Action")
                        + ". Use Action: ListCommands to show available commands."));
                return true;
            }
            if (booting && CONFBRIDGE.contains(action)) {
                // Not registered yet: manager.c knows no such action.
                reply(AmiMessage.response("Error", m).add("Message", "Invalid/unknown command: " + m.get("Action")
                        + ". Use Action: ListCommands to show available commands."));
                return true;
            }
            if (!needed.isEmpty() && needed.stream().noneMatch(p -> user.write().contains(p) || user.write().contains("all"))) {
                reply(AmiMessage.response("Error", m).add("Message", "Permission denied"));
                return true;
            }
            Long late = lateAnswers.remove(action);
            if (late != null) {
                java.util.concurrent.CompletableFuture.runAsync(() -> {
                    try {
                        act(m, action);
                    } catch (RuntimeException e) {
                        LOG.debug("AMI simulator: a late answer to {} was not given: {}", action, e.toString());
                    }
                }, java.util.concurrent.CompletableFuture.delayedExecutor(late, java.util.concurrent.TimeUnit.MILLISECONDS));
                return true;
            }
            act(m, action);
            return true;
        }

        private void act(AmiMessage m, String action) {
            switch (action) {
                case "ping" -> reply(AmiMessage.response("Success", m).add("Ping", "Pong")
                        .add("Timestamp", String.format(Locale.ROOT, "%.6f", System.currentTimeMillis() / 1000.0)));
                case "events" -> events(m);
                case "coresettings" -> reply(AmiMessage.response("Success", m).add("AMIversion", BANNER.substring(BANNER.indexOf('/') + 1))
                        .add("AsteriskVersion", asteriskVersion).add("SystemName", "").add("CoreMaxCalls", 0)
                        .add("CoreMaxLoadAvg", "0.000000").add("CoreRunUser", "asterisk").add("CoreRunGroup", "asterisk")
                        .add("CoreMaxFilehandles", 0).add("CoreRealTimeEnabled", "No").add("CoreCDRenabled", "Yes")
                        .add("CoreHTTPenabled", "No"));
                case "originate" -> originate(m);
                case "hangup" -> hangup(m);
                case "coreshowchannels" -> coreShowChannels(m);
                case "confbridgelist" -> confbridgeList(m);
                case "confbridgekick" -> confbridgeKick(m);
                case "confbridgemute", "confbridgeunmute" -> confbridgeMute(m, "confbridgemute".equals(action));
                case "confbridgestartrecord" -> startRecord(m);
                case "confbridgestoprecord" -> stopRecord(m);
                case "filter" -> filter(m);
                case "command" -> reply(AmiMessage.response("Error", m).add("Message", "Command output follows")
                        .add("Output", "No such command '" + m.get("Command") + "'"));
                default -> reply(AmiMessage.response("Error", m).add("Message", "Invalid/unknown command"));
            }
        }

        private boolean login(AmiMessage m) {
            if (authenticated) {
                reply(AmiMessage.response("Success", m).add("Message", "Already authenticated"));
                return true;
            }
            String name = m.get("Username");
            // manager.conf's users are found without regard to case (strcasecmp).
            User u = name == null ? null : users.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name.trim()))
                    .map(Map.Entry::getValue).findFirst().orElse(null);
            boolean ok = false;
            if (u != null) {
                if ("md5".equalsIgnoreCase(m.get("AuthType"))) {
                    ok = challenge != null && m.get("Key") != null && m.get("Key").equals(md5(challenge + u.secret()));
                } else {
                    ok = u.secret().equals(m.get("Secret"));
                }
            }
            challenge = null;
            if (!ok) {
                LOG.info("AMI simulator: authentication failed for user {}", name);
                reply(AmiMessage.response("Error", m).add("Message", "Authentication failed"));
                closeAfterWrite();
                return false;
            }
            user = u;
            eventsSent = eventsByUser.computeIfAbsent(name.trim().toLowerCase(Locale.ROOT), k -> new AtomicLong());
            String events = m.get("Events");
            if (events != null) {
                setMask(events);
            }
            synchronized (bootLock) {
                // Either this login finds the boot over, or the boot's end finds this connection logged in.
                authenticated = true;
                reply(AmiMessage.response("Success", m).add("Message", "Authentication accepted"));
                // manager.c's action_login: FullyBooted at the login only if Asterisk is booted already.
                if (!booting && wants("system")) {
                    send(fullyBooted().render());
                }
            }
            return true;
        }

        private void challenge(AmiMessage m) {
            if (!"md5".equalsIgnoreCase(m.get("AuthType"))) {
                reply(AmiMessage.response("Error", m).add("Message", "Must specify AuthType"));
                return;
            }
            if (challenge == null) {
                challenge = String.valueOf(100_000_000 + random.nextInt(900_000_000));
            }
            reply(AmiMessage.response("Success", m).add("Challenge", challenge));
        }

        private void filter(AmiMessage m) {
            String operation = m.get("Operation");
            if (!"add".equalsIgnoreCase(operation)) {
                reply(AmiMessage.response("Error", m).add("Message", "Unknown operation"));
                return;
            }
            // Asterisk 18.20 compiles an empty expression too, which matches every event (the rework may not).
            String filter = m.get("Filter") == null ? "" : m.get("Filter");
            boolean black = filter.startsWith("!");
            String expression = black ? filter.substring(1) : filter;
            Pattern p = extendedFilters(asteriskVersion) ? posixExtended(expression) : posixBasic(expression);
            if (p == null) {
                reply(AmiMessage.response("Error", m).add("Message", "Filter did not compile.  Check the syntax of the filter given."));
                return;
            }
            (black ? blacklist : whitelist).add(p);
            reply(AmiMessage.response("Success", m).add("Message", "Success"));
        }

        private void events(AmiMessage m) {
            String mask = m.get("EventMask");
            if (mask == null || mask.isBlank()) {
                reply(AmiMessage.response("Error", m).add("Message", "Invalid event mask"));
                return;
            }
            setMask(mask);
            reply(AmiMessage.response("Success", m).add("Events", eventMask.isEmpty() ? "Off" : "On"));
        }

        private void setMask(String mask) {
            String v = mask.trim().toLowerCase(Locale.ROOT);
            if (v.equals("on") || v.equals("yes") || v.equals("true") || v.equals("all")) {
                eventMask = Set.of("all");
            } else if (v.equals("off") || v.equals("no") || v.equals("false")) {
                eventMask = Set.of();
            } else {
                eventMask = Set.of(v.split("\\s*,\\s*"));
            }
        }

        private void originate(AmiMessage m) {
            String channel = m.get("Channel");
            if (channel == null || channel.isBlank()) {
                reply(AmiMessage.response("Error", m).add("Message", "Channel not specified"));
                return;
            }
            if (channel.indexOf('/') <= 0) {
                reply(AmiMessage.response("Error", m).add("Message", "Invalid channel"));
                return;
            }
            String priority = m.get("Priority");
            if (priority != null && !priority.isBlank() && !priority.trim().matches("-?[0-9]{1,9}")) {
                reply(AmiMessage.response("Error", m).add("Message", "Invalid priority"));
                return;
            }
            String timeout = m.get("Timeout");
            if (timeout != null && !timeout.isBlank() && !timeout.trim().matches("[0-9]{1,9}")) {
                reply(AmiMessage.response("Error", m).add("Message", "Invalid timeout"));
                return;
            }
            String id = m.get("ChannelId");
            if (id != null && id.length() > 149) {
                reply(AmiMessage.response("Error", m).add("Message", "Uniqueid length exceeds maximum of 149"));
                return;
            }
            String app = m.get("Application");
            String data = m.get("Data") == null ? "" : m.get("Data");
            // manager.c's is_originate_app_permitted: applications and dialplan functions that reach
            // the system need the "system" right. An application name is searched for in any case
            // (strcasestr), a function's anywhere in the data as it is (strstr), call or not: an
            // announcement named custom/FILE-notice is refused too. Only when an application is
            // named: a dialplan originate's Data is not looked at.
            if (app != null && !app.isBlank() && (app.toLowerCase(Locale.ROOT).matches(
                    ".*(agi|dbdeltree|exec|externalivr|mixmonitor|originate|reload|system).*")
                    || data.matches("(?s).*(CURL|DB|EVAL|FILE|ODBC|REALTIME|SHELL).*"))
                    && !(user.write().contains("system") || user.write().contains("all"))) {
                reply(AmiMessage.response("Error", m).add("Message", "Originate Access Forbidden: app or data blacklisted"));
                return;
            }
            String exten = m.get("Exten") == null ? "" : m.get("Exten");
            String context = m.get("Context") == null ? "" : m.get("Context");
            if (priority != null && !priority.isBlank() && Integer.parseInt(priority.trim()) != 0
                    && (booting || !pbx.dialplanHas(context, exten.trim()))) {
                // manager.c checks the extension before it queues anything, whenever a priority
                // other than 0 is given (Application or not; a missing Exten or Context is an
                // empty one, which no dialplan has); while booting, no dialplan is loaded yet.
                reply(AmiMessage.response("Error", m).add("Message", "Extension does not exist."));
                return;
            }
            String actionId = m.get("ActionID");
            if (isTrue(m.get("Async"))) {
                // Queued at once; the outcome follows as an OriginateResponse event with the ActionID.
                reply(AmiMessage.response("Success", m).add("Message", "Originate successfully queued"));
                pbxThread.execute(() -> pbx.originate(m, actionId, null));
            } else {
                // Synchronous: the answer waits for the call's outcome, as manager.c's action_originate.
                pbxThread.execute(() -> pbx.originate(m, actionId, answered -> reply(answered
                        ? AmiMessage.response("Success", m).add("Message", "Originate successfully queued")
                        : AmiMessage.response("Error", m).add("Message", "Originate failed"))));
            }
        }

        private void hangup(AmiMessage m) {
            String name = m.get("Channel");
            if (name == null || name.isBlank()) {
                reply(AmiMessage.response("Error", m).add("Message", "No channel specified"));
                return;
            }
            // manager.c takes a cause of 1 to 127; anything else leaves the channel's own (normal clearing).
            int given = m.get("Cause") != null && m.get("Cause").trim().matches("[0-9]{1,3}") ? Integer.parseInt(m.get("Cause").trim()) : 0;
            int cause = given >= 1 && given <= 127 ? given : 16;
            SimulatedPbx.SimChannel found = onPbx(() -> pbx.channelByNameOrUniqueid(name.trim()));
            // manager.c answers once it has flagged the channel for hang-up (ast_softhangup_nolock,
            // which publishes no SoftHangupRequest); the hang-up and its events follow on the
            // channel's own thread.
            reply(found != null ? AmiMessage.response("Success", m).add("Message", "Channel Hungup")
                    : AmiMessage.response("Error", m).add("Message", "No such channel"));
            if (found != null) {
                pbxThread.execute(() -> pbx.hangup(found, cause));
            }
        }

        private void coreShowChannels(AmiMessage m) {
            String id = m.get("ActionID");
            onPbx(() -> {
                List<SimulatedPbx.SimChannel> all = pbx.channels();
                reply(AmiMessage.response("Success", m).add("EventList", "start").add("Message", "Channels will follow"));
                for (SimulatedPbx.SimChannel c : all) {
                    AmiMessage e = AmiMessage.listEvent("CoreShowChannel");
                    if (id != null && !id.isBlank()) {
                        e.add("ActionID", id);
                    }
                    long secs = (System.currentTimeMillis() - c.createdAt) / 1000;
                    e.addAll(pbx.snapshot(c, "")).add("BridgeId", c.room == null ? "" : c.room.bridgeId)
                            .add("Application", c.application).add("ApplicationData", c.appData)
                            .add("Duration", String.format("%02d:%02d:%02d", secs / 3600, secs / 60 % 60, secs % 60));
                    reply(e);
                }
                AmiMessage done = AmiMessage.listEvent("CoreShowChannelsComplete");
                if (id != null && !id.isBlank()) {
                    done.add("ActionID", id);
                }
                reply(done.add("EventList", "Complete").add("ListItems", all.size()));
                return null;
            });
        }

        /** The checks every ConfBridge action makes before it finds its room, with Asterisk's words. */
        private SimulatedPbx.Room room(AmiMessage m) {
            String name = m.get("Conference");
            if (name == null || name.isBlank()) {
                reply(AmiMessage.response("Error", m).add("Message", "No Conference name provided."));
                return null;
            }
            if (!pbx.hasRooms()) {
                reply(AmiMessage.response("Error", m).add("Message", "No active conferences."));
                return null;
            }
            SimulatedPbx.Room r = pbx.room(name.trim());
            if (r == null) {
                reply(AmiMessage.response("Error", m).add("Message", "No Conference by that name found."));
            }
            return r;
        }

        private void confbridgeList(AmiMessage m) {
            String id = m.get("ActionID");
            onPbx(() -> {
                SimulatedPbx.Room r = room(m);
                if (r == null) {
                    return null;
                }
                reply(AmiMessage.response("Success", m).add("EventList", "start").add("Message", "Confbridge user list will follow"));
                for (SimulatedPbx.SimChannel c : r.members) {
                    AmiMessage e = AmiMessage.listEvent("ConfbridgeList");
                    if (id != null && !id.isBlank()) {
                        e.add("ActionID", id);
                    }
                    e.add("Conference", r.name).addAll(pbx.snapshot(c, "")).add("Admin", c.admin ? "Yes" : "No")
                            .add("MarkedUser", "No").add("WaitMarked", "No").add("EndMarked", "No").add("Waiting", "No")
                            .add("Muted", c.muted ? "Yes" : "No").add("Talking", "No")
                            .add("AnsweredTime", (System.currentTimeMillis() - c.answeredAt) / 1000);
                    reply(e);
                }
                AmiMessage done = AmiMessage.listEvent("ConfbridgeListComplete");
                if (id != null && !id.isBlank()) {
                    done.add("ActionID", id);
                }
                reply(done.add("EventList", "Complete").add("ListItems", r.members.size()));
                return null;
            });
        }

        private void confbridgeKick(AmiMessage m) {
            onPbx(() -> {
                SimulatedPbx.Room r = room(m);
                if (r == null) {
                    return null;
                }
                List<SimulatedPbx.SimChannel> who = pbx.members(r, m.get("Channel") == null ? "" : m.get("Channel").trim(), false);
                if (who.isEmpty()) {
                    reply(AmiMessage.response("Error", m).add("Message", "No Channel by that name found in Conference."));
                    return null;
                }
                reply(AmiMessage.response("Success", m).add("Message", "all".equals(m.get("Channel").trim())
                        ? "All participants kicked" : "User kicked"));
                pbx.kick(who);
                return null;
            });
        }

        private void confbridgeMute(AmiMessage m, boolean mute) {
            String channel = m.get("Channel");
            onPbx(() -> {
                if (m.get("Conference") != null && !m.get("Conference").isBlank() && (channel == null || channel.isBlank())) {
                    reply(AmiMessage.response("Error", m).add("Message", "No channel name provided."));
                    return null;
                }
                SimulatedPbx.Room r = room(m);
                if (r == null) {
                    return null;
                }
                List<SimulatedPbx.SimChannel> who = pbx.members(r, channel.trim(), true);
                if (who.isEmpty()) {
                    reply(AmiMessage.response("Error", m).add("Message", "No Channel by that name found in Conference."));
                    return null;
                }
                reply(AmiMessage.response("Success", m).add("Message", mute ? "User muted" : "User unmuted"));
                pbx.mute(r, who, mute);
                return null;
            });
        }

        private void startRecord(AmiMessage m) {
            onPbx(() -> {
                SimulatedPbx.Room r = room(m);
                if (r == null) {
                    return null;
                }
                if (r.recording != null) {
                    reply(AmiMessage.response("Error", m).add("Message", "Conference is already being recorded."));
                    return null;
                }
                String file = m.get("RecordFile");
                if (file == null || file.isBlank()) {
                    file = "confbridge-" + r.name + "-" + (System.currentTimeMillis() / 1000) + ".wav";
                }
                reply(AmiMessage.response("Success", m).add("Message", "Conference Recording Started."));
                pbx.startRecording(r, file.trim());
                return null;
            });
        }

        private void stopRecord(AmiMessage m) {
            onPbx(() -> {
                SimulatedPbx.Room r = room(m);
                if (r == null) {
                    return null;
                }
                if (r.recording == null) {
                    reply(AmiMessage.response("Error", m).add("Message", "Internal error while stopping recording."));
                    return null;
                }
                reply(AmiMessage.response("Success", m).add("Message", "Conference Recording Stopped."));
                pbx.stopRecording(r);
                return null;
            });
        }
    }

    private static boolean isTrue(String v) {
        return v != null && Set.of("true", "yes", "1", "on", "y", "t").contains(v.trim().toLowerCase(Locale.ROOT));
    }

    static String md5(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
