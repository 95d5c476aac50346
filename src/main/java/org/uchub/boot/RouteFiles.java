package org.uchub.boot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.ServiceStatus;
import org.apache.camel.spi.RoutesLoader;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.uchub.health.ReadinessCheck;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The route files in {@code routes/}: loads them at start and, while the hub runs, takes a
 * changed, added or deleted file without a restart. A file that is not whole, declares a
 * route another file owns, or whose routes do not start is refused, and the routes that ran
 * before keep running. The last version of each file that ran is kept beside the data, so a
 * file refused while the hub ran (or broken while it was stopped) does not stop the next
 * start: the hub starts on the version that last ran and then tries the one on disk the same
 * way. Until a file on disk runs, the readiness check "route-files" says which and why.
 *
 * <p>The directory is polled rather than watched: a watch ends silently when the directory is
 * replaced (a deployment swapping a link), and a file is taken only once it read the same at
 * two polls, so an editor's half-written save is never loaded.
 */
public class RouteFiles extends ServiceSupport {
    private static final Logger LOG = LoggerFactory.getLogger(RouteFiles.class);
    /** Written once a start has run to its end: until then every start is a first one, strict. */
    private static final String STARTED = ".started";
    private static final String OWNED = " is already defined in ";

    private record Version(String content, List<String> ids) {
    }

    /** A file as last read: read again only once its size, time or identity (a save by rename) changed. */
    private record Read(long size, java.nio.file.attribute.FileTime modified, Object key, String content) {
    }

    /** The default of hub.routes.max-bytes: a route file is a few KiB, a larger one is a mistake. */
    public static final long DEFAULT_MAX_BYTES = 1024 * 1024;

    private final CamelContext context;
    private final Path dir;
    private final Path lastGood;
    private final long pollMillis;
    private final boolean watch;
    private final long maxBytes;
    private final Map<String, Read> reads = new ConcurrentHashMap<>();
    private final Map<String, Version> running = new ConcurrentHashMap<>();
    private final Map<String, String> owners = new ConcurrentHashMap<>();
    private final Map<String, String> refused = new ConcurrentHashMap<>();
    private final Map<String, String> refusedContent = new ConcurrentHashMap<>();
    /** What each file read at the last poll: a file is taken when two polls agree. */
    private final Map<String, String> seen = new ConcurrentHashMap<>();
    private final AtomicInteger refusals = new AtomicInteger();
    private final AtomicInteger reloads = new AtomicInteger();
    private volatile String watchFailure;
    private ScheduledExecutorService poller;
    /** The versions loaded at start, kept as the last that ran only once the start has run to its end. */
    private final Map<String, String> startCopies = new ConcurrentHashMap<>();

    /**
     * @param lastGood where the last version of each file that ran is kept
     * @param watch    take changes while the hub runs; without it a file is still tried once after start
     */
    public RouteFiles(CamelContext context, Path dir, Path lastGood, long pollMillis, boolean watch) {
        this(context, dir, lastGood, pollMillis, watch, DEFAULT_MAX_BYTES);
    }

    /** @param maxBytes a larger file is refused unread: it would be read whole at every poll */
    public RouteFiles(CamelContext context, Path dir, Path lastGood, long pollMillis, boolean watch, long maxBytes) {
        this.context = context;
        this.maxBytes = maxBytes;
        this.dir = dir;
        this.lastGood = lastGood;
        this.pollMillis = pollMillis;
        this.watch = watch;
    }

    /**
     * Adds the files' routes to the context before it starts. On the first start (the hub has
     * never run to the end of a start here) every file must load, as an operator setting up
     * expects to be told at once. Later, a file is loaded as it is on disk, the version that
     * ran last standing in when it does not load or when it is the very version refused while
     * the hub ran (tried again once the hub runs); a file that never ran is tried once the hub
     * runs. A file changed while the hub was stopped (an upgrade brings new route files with
     * the code they call) is taken as it is.
     */
    public void loadAtStart() throws IOException {
        // A hub that ran before the marker existed has its copies already: not a first start.
        boolean firstStart = !Files.exists(lastGood.resolve(STARTED)) && !holdsCopies(lastGood);
        Files.createDirectories(lastGood);
        Map<String, String> onDisk = list();
        claimRanIds(onDisk);
        for (Map.Entry<String, String> f : onDisk.entrySet()) {
            String name = f.getKey();
            String content = f.getValue();
            String good = readLastGood(name);
            if (content != null && (firstStart || content.equals(good))) {
                loadOrStop(name, content);
                startCopies.put(name, content);
            } else if (good != null && content != null && !content.equals(readLastGood(refusedName(name)))) {
                try {
                    load(name, content);
                    startCopies.put(name, content);
                    releaseDropped(name, good, content);
                    LOG.info("Route file {} changed while the hub was stopped: loaded as it is", dir.resolve(name));
                } catch (RuntimeException e) {
                    LOG.error("Route file {} changed while the hub was stopped and cannot be loaded ({}): starting on the version that"
                            + " ran last", dir.resolve(name), rootMessage(e));
                    loadOrStop(name, good);
                    refuse(name, content, rootMessage(e));
                }
            } else if (good != null) {
                loadOrStop(name, good);
                if (content == null) {
                    LOG.warn("Route file {} is not read ({}): starting on the version that ran last", dir.resolve(name), refused.get(name));
                } else {
                    LOG.warn("Route file {} holds the version refused while the hub ran: starting on the version that ran last, then"
                            + " trying it again", dir.resolve(name));
                }
            } else if (firstStart) {
                throw new IllegalStateException("Route file " + dir.resolve(name) + " cannot be read: " + refused.get(name));
            } else {
                LOG.info("Route file {} has not run before: it is tried once the hub runs", dir.resolve(name));
            }
            if (content != null) {
                seen.put(name, content);
            }
        }
        try (Stream<Path> kept = Files.list(lastGood)) {
            for (Path p : kept.toList()) {
                String n = p.getFileName().toString();
                if (!n.equals(STARTED) && !onDisk.containsKey(n) && !(n.startsWith(".") && n.endsWith(".refused")
                        && onDisk.containsKey(n.substring(1, n.length() - ".refused".length())))) {
                    Files.deleteIfExists(p);
                }
            }
        }
        // A file refused at start for an id another file claimed is tried again once the hub
        // runs: the claim may have moved with that file's own edit (a route moved while stopped).
        retryRefused();
        LOG.info("Loaded {} route file(s) from {}{}", running.size(), dir, watch ? ", taking changes while running" : "");
    }

    /**
     * Claims, before any file loads, each route id for the file whose version that ran last
     * declares it: files load in the order of their names, and without the claims a file edited
     * while the hub was stopped to declare another file's route would take it by coming first,
     * and its unchanged owner would then stop the start.
     */
    private void claimRanIds(Map<String, String> onDisk) throws IOException {
        for (String name : onDisk.keySet()) {
            String good = readLastGood(name);
            if (good == null) {
                continue;
            }
            try {
                RouteFileCheck.routeIds(good).forEach(id -> owners.putIfAbsent(id, name));
            } catch (IllegalArgumentException e) {
                // a copy kept by hand or damaged: it claims nothing, and loading it says why
            }
        }
    }

    /** Lets go of the ids claimed for a file's last version that the version loaded instead no longer declares. */
    private void releaseDropped(String name, String good, String loaded) {
        List<String> kept = RouteFileCheck.routeIds(loaded);
        try {
            for (String id : RouteFileCheck.routeIds(good)) {
                if (!kept.contains(id)) {
                    owners.remove(id, name);
                }
            }
        } catch (IllegalArgumentException e) {
            // claimed nothing
        }
    }

    private static boolean holdsCopies(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(p -> p.getFileName().toString().endsWith(".xml") && !p.getFileName().toString().startsWith("."));
        }
    }

    private static String refusedName(String name) {
        return "." + name + ".refused";
    }

    private void loadOrStop(String name, String content) {
        try {
            load(name, content);
        } catch (RuntimeException e) {
            throw new IllegalStateException("Route file " + dir.resolve(name) + " cannot be loaded: " + rootMessage(e), e);
        }
    }

    /** The readiness check: down while a route file on disk is not the one running. */
    public ReadinessCheck healthCheck() {
        return new ReadinessCheck("route-files", () -> {
            Map<String, Object> details = new LinkedHashMap<>();
            new TreeMap<>(refused).forEach((name, why) -> details.put(name, why));
            if (watchFailure != null) {
                return new ReadinessCheck.Reading(false, "route files are not followed: " + watchFailure, details);
            }
            if (running.isEmpty() && refused.isEmpty()) {
                return new ReadinessCheck.Reading(false, "no route files run (" + dir.toAbsolutePath() + " holds none)", details);
            }
            return refused.isEmpty() ? new ReadinessCheck.Reading(true, null, details)
                    : new ReadinessCheck.Reading(false, "route file(s) refused, the version that ran before keeps running: "
                            + String.join(", ", new TreeMap<>(refused).keySet()), details);
        });
    }

    /** Starts following the directory once the routes run. */
    public void followOnceStarted() throws Exception {
        context.addStartupListener(new org.apache.camel.StartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext ctx, boolean alreadyStarted) {
                // not yet: the routes are not running
            }

            @Override
            public void onCamelContextFullyStarted(CamelContext ctx, boolean alreadyStarted) {
                startCopies.forEach(RouteFiles.this::keep);
                startCopies.clear();
                try {
                    Files.writeString(lastGood.resolve(STARTED), java.time.Instant.now().toString());
                } catch (IOException e) {
                    LOG.warn("Could not note in {} that the hub started: the next start is as strict as a first one ({})", lastGood, e);
                }
                poller = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "uc-hub-route-files");
                    t.setDaemon(true);
                    return t;
                });
                poller.execute(RouteFiles.this::pollOnce);
                if (watch) {
                    poller.scheduleWithFixedDelay(RouteFiles.this::pollOnce, pollMillis, pollMillis, TimeUnit.MILLISECONDS);
                }
            }
        });
        // Before the routes stop: a file half applied while the context stops its routes would
        // race it (the context's own list of routes changes under its stop).
        context.addLifecycleStrategy(new org.apache.camel.support.LifecycleStrategySupport() {
            @Override
            public void onContextStopping(CamelContext ctx) {
                stopFollowing();
            }
        });
    }

    @Override
    protected void doStop() {
        stopFollowing();
    }

    private void stopFollowing() {
        ScheduledExecutorService p = poller;
        if (p != null) {
            p.shutdown();
            try {
                if (!p.awaitTermination(60, TimeUnit.SECONDS)) {
                    LOG.warn("A route file was still being applied when the hub stopped");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** How many route file versions were taken while the hub ran. */
    public int getReloadedCount() {
        return reloads.get();
    }

    /** How many route file versions were refused while the hub ran. */
    public int getRefusedCount() {
        return refusals.get();
    }

    /** The files not running as they are on disk, with the reason. */
    public Map<String, String> refused() {
        return Map.copyOf(refused);
    }

    private void pollOnce() {
        try {
            poll();
            watchFailure = null;
        } catch (Exception | Error e) {
            // The poll runs again: one unreadable moment must not end the following for good.
            if (watchFailure == null) {
                LOG.error("Cannot read the route directory {}: {}", dir.toAbsolutePath(), rootMessage(e));
            }
            watchFailure = rootMessage(e);
        }
    }

    private synchronized void poll() throws IOException {
        Map<String, String> onDisk = list();
        for (Map.Entry<String, String> f : onDisk.entrySet()) {
            String name = f.getKey();
            String content = f.getValue();
            if (content == null) {
                continue; // unreadable: refused in the listing, what runs keeps running
            }
            Version now = running.get(name);
            if (now != null && now.content().equals(content)) {
                seen.put(name, content);
                if (refused.remove(name) != null) {
                    forgetRefused(name);
                    LOG.info("Route file {} is back to the version that runs", dir.resolve(name));
                }
                continue;
            }
            if (content.equals(refusedContent.get(name))) {
                continue;
            }
            if (!content.equals(seen.put(name, content))) {
                continue; // still being written, perhaps: taken when the next poll reads the same
            }
            apply(name, content);
        }
        for (String name : List.copyOf(running.keySet())) {
            // Retired when gone at two polls in a row: an editor may delete a file and write it anew.
            if (!onDisk.containsKey(name) && seen.remove(name) == null) {
                retire(name);
            }
        }
        refused.keySet().removeIf(name -> !onDisk.containsKey(name));
        refusedContent.keySet().removeIf(name -> !onDisk.containsKey(name));
    }

    private void apply(String name, String content) {
        Path file = dir.resolve(name);
        List<String> ids;
        try {
            ids = RouteFileCheck.routeIds(content);
            requireOwnIds(name, ids);
        } catch (IllegalArgumentException e) {
            refuse(name, content, e.getMessage());
            return; // nothing reached the running hub
        }
        Version before = running.get(name);
        RoutesLoader loader = PluginHelper.getRoutesLoader(context);
        try {
            // Camel replaces routes by id: a route renamed or left out would run on beside the
            // new ones (two consumers of one queue, or a second one refused on a direct: or a port).
            if (before != null) {
                for (String id : before.ids()) {
                    if (!ids.contains(id)) {
                        removeRoute(id);
                    }
                }
            }
            Set<String> loaded = loader.updateRoutes(List.of(ResourceHelper.fromString("file:" + file, content)));
            requireStarted(loaded);
        } catch (Exception e) {
            refuse(name, content, rootMessage(e));
            restore(name, before, ids);
            return;
        }
        if (before != null) {
            for (String id : before.ids()) {
                if (!ids.contains(id)) {
                    owners.remove(id, name);
                }
            }
        }
        for (String id : ids) {
            owners.put(id, name);
        }
        running.put(name, new Version(content, ids));
        refused.remove(name);
        forgetRefused(name);
        keep(name, content);
        reloads.incrementAndGet();
        retryRefused();
        LOG.info("Route file {} {}: {}", file, before == null ? "added" : "reloaded", ids);
    }

    private void requireStarted(Set<String> ids) {
        for (String id : ids) {
            ServiceStatus status = context.getRouteController().getRouteStatus(id);
            Route route = context.getRoute(id);
            if (status == null && route == null) {
                continue; // left out by its precondition (a channel whose server is not configured)
            }
            if (status == ServiceStatus.Stopped && route != null && Boolean.FALSE.equals(route.isAutoStartup())) {
                continue; // held back on purpose (the JMS ingress while the external broker is not shown to stamp)
            }
            if (status != ServiceStatus.Started) {
                throw new IllegalStateException("route " + id + " did not start (" + status + ")");
            }
        }
    }

    /**
     * Puts back the version that ran before a failed one. Camel starts a file's new routes one
     * by one and does not undo those that started before one failed, so they are removed first:
     * a renamed route left running holds its endpoint (a direct: or a port), and the old
     * version's consumer of it would be refused. When the old version cannot be put back
     * either, none of the file runs and it is no longer taken for running, so that putting the
     * file back is tried as a new version instead of read as back to the one that runs.
     */
    private void restore(String name, Version before, List<String> attempted) {
        Set<String> ofThisFile = new HashSet<>(attempted);
        if (before != null) {
            ofThisFile.addAll(before.ids());
        }
        for (String id : ofThisFile) {
            String owner = owners.get(id);
            if (owner == null || owner.equals(name)) {
                removeRoute(id);
            }
        }
        if (before == null) {
            return;
        }
        try {
            Set<String> loaded = PluginHelper.getRoutesLoader(context)
                    .updateRoutes(List.of(ResourceHelper.fromString("file:" + dir.resolve(name), before.content())));
            requireStarted(loaded);
        } catch (Exception e) {
            LOG.error("Could not restore the previous version of {}, none of its routes run: {}", dir.resolve(name), rootMessage(e));
            refused.merge(name, "; the version that ran before could not be put back either, none of the file's routes run: "
                    + rootMessage(e), String::concat);
            before.ids().forEach(this::removeRoute);
            before.ids().forEach(id -> owners.remove(id, name));
            running.remove(name);
        }
    }

    private void retire(String name) {
        Version v = running.remove(name);
        for (String id : v.ids()) {
            removeRoute(id);
            owners.remove(id, name);
        }
        try {
            Files.deleteIfExists(lastGood.resolve(name));
        } catch (IOException e) {
            LOG.warn("Could not forget the last version of {}: {}", name, e.toString());
        }
        forgetRefused(name);
        LOG.info("Route file {} deleted: its routes {} are removed", dir.resolve(name), v.ids());
        retryRefused();
    }

    private void removeRoute(String id) {
        try {
            if (context.getRoute(id) != null) {
                context.getRouteController().stopRoute(id);
                context.removeRoute(id);
            }
        } catch (Exception e) {
            LOG.error("Could not remove route {}: {}", id, rootMessage(e));
        }
    }

    /**
     * The files refused so far are tried again at the next poll: the routes they clashed with
     * may have moved or gone (a route moved from one file to another, the new one saved first).
     */
    private void retryRefused() {
        refusedContent.keySet().removeIf(name -> String.valueOf(refused.get(name)).contains(OWNED));
    }

    private void forgetRefused(String name) {
        refusedContent.remove(name);
        try {
            Files.deleteIfExists(lastGood.resolve(refusedName(name)));
        } catch (IOException e) {
            LOG.warn("Could not forget the refused version of {}: {}", name, e.toString());
        }
    }

    private void refuse(String name, String content, String why) {
        refusals.incrementAndGet();
        refused.put(name, why);
        refusedContent.put(name, content);
        // Remembered for the next start, which then starts on the version that ran last.
        if (running.containsKey(name)) {
            keep(refusedName(name), content);
        }
        LOG.error("Route file {} refused, {}: {}", dir.resolve(name),
                running.containsKey(name) ? "the version that ran before keeps running" : "it does not run", why);
    }

    /** Refuses a file declaring a route id that another file owns. */
    private void requireOwnIds(String name, List<String> ids) {
        for (String id : ids) {
            String owner = owners.get(id);
            if (owner != null && !owner.equals(name)) {
                throw new IllegalArgumentException("route id " + id + OWNED + owner);
            }
        }
    }

    /** Loads a file's routes into a context that has not started yet. */
    private void load(String name, String content) {
        List<String> ids = RouteFileCheck.routeIds(content);
        requireOwnIds(name, ids);
        try {
            PluginHelper.getRoutesLoader(context).loadRoutes(ResourceHelper.fromString("file:" + dir.resolve(name), content));
        } catch (Exception e) {
            throw new IllegalStateException(rootMessage(e), e);
        }
        ids.forEach(id -> owners.put(id, name));
        running.put(name, new Version(content, ids));
    }

    /** The route files on disk: names ending in .xml that are not hidden (editor locks, macOS's ._ files). */
    private Map<String, String> list() throws IOException {
        Map<String, String> out = new TreeMap<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = new ArrayList<>(s.filter(p -> {
                String n = p.getFileName().toString();
                return n.endsWith(".xml") && !n.startsWith(".") && Files.isRegularFile(p);
            }).toList());
        }
        for (Path p : files) {
            String name = p.getFileName().toString();
            try {
                out.put(name, read(name, p));
            } catch (java.nio.file.NoSuchFileException e) {
                // deleted between the listing and the read
            } catch (IOException e) {
                refuseUnread(name, "cannot be read: " + e, e.toString());
                out.put(name, null);
            }
        }
        reads.keySet().retainAll(out.keySet());
        return out;
    }

    /** The file's text, or null when it is larger than allowed (refused, not read). */
    private String read(String name, Path p) throws IOException {
        java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class);
        if (a.size() > maxBytes) {
            reads.remove(name);
            // Not read at all: a file of hundreds of MB read at every poll, or one over 2 GiB
            // that cannot be held in a String, would stop the following of every other file.
            refuseUnread(name, "larger than hub.routes.max-bytes (" + maxBytes + " bytes), not read",
                    a.size() + " bytes, more than hub.routes.max-bytes (" + maxBytes + "): not read");
            return null;
        }
        Read last = reads.get(name);
        if (last != null && last.size() == a.size() && last.modified().equals(a.lastModifiedTime())
                && java.util.Objects.equals(last.key(), a.fileKey())) {
            return last.content();
        }
        String content = Files.readString(p, StandardCharsets.UTF_8);
        reads.put(name, new Read(a.size(), a.lastModifiedTime(), a.fileKey(), content));
        return content;
    }

    /** Refuses a file that could not be read, logging it once for as long as it stays so. */
    private void refuseUnread(String name, String why, String logged) {
        refusedContent.remove(name); // once readable again, whatever it then holds is looked at anew
        if (!why.equals(refused.put(name, why))) {
            refusals.incrementAndGet();
            LOG.error("Route file {} cannot be read: {}", dir.resolve(name), logged);
        }
    }

    private String readLastGood(String name) throws IOException {
        Path p = lastGood.resolve(name);
        return Files.isRegularFile(p) ? Files.readString(p, StandardCharsets.UTF_8) : null;
    }

    private void keep(String name, String content) {
        try {
            Path tmp = lastGood.resolve("." + name + ".tmp");
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            Files.move(tmp, lastGood.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            LOG.warn("Could not keep the running version of route file {} in {}: {}", name, lastGood, e.toString());
        }
    }

    static String rootMessage(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage();
            if (m != null && !sb.toString().contains(m)) {
                if (!sb.isEmpty()) {
                    sb.append(" <- ");
                }
                sb.append(m);
            }
        }
        return sb.toString();
    }
}
