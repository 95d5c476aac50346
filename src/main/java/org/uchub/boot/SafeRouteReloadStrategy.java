package org.uchub.boot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.ServiceStatus;
import org.apache.camel.spi.Resource;
import org.apache.camel.spi.RoutesLoader;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.apache.camel.support.RouteWatcherReloadStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads a changed or added route file without a restart, and refuses a broken one while
 * the routes that were running keep running. Camel's own strategy either removes every
 * route first (one bad file stops the hub) or can leave a route that failed to start
 * removed; this one updates only the changed file's routes and, when they do not parse or
 * do not start, puts back the last version of that file that worked.
 */
public class SafeRouteReloadStrategy extends RouteWatcherReloadStrategy {
    private static final Logger LOG = LoggerFactory.getLogger(SafeRouteReloadStrategy.class);

    private final Map<Path, String> lastGood = new ConcurrentHashMap<>();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicInteger reloaded = new AtomicInteger();

    public SafeRouteReloadStrategy(String directory) {
        super(directory, false);
        setPattern("*.xml");
        setRemoveAllRoutes(false);
    }

    /** Remembers the content of a route file that loaded, to restore after a broken edit. */
    public void remember(Path file, String content) {
        lastGood.put(file.toAbsolutePath().normalize(), content);
    }

    @Override
    protected void onRouteReload(Collection<Resource> resources, boolean removeEverything) {
        if (resources == null) {
            return;
        }
        for (Resource r : resources) {
            reload(Path.of(r.getLocation().replaceFirst("^file:", "")).toAbsolutePath().normalize());
        }
    }

    private synchronized void reload(Path file) {
        String content;
        try {
            content = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return;
        }
        // An empty file is one an editor is still writing; an unchanged one needs nothing.
        if (content.isBlank() || content.equals(lastGood.get(file))) {
            return;
        }
        RoutesLoader loader = PluginHelper.getRoutesLoader(getCamelContext());
        try {
            Set<String> ids = loader.updateRoutes(List.of(ResourceHelper.fromString("file:" + file, content)));
            if (ids.isEmpty()) {
                throw new IllegalArgumentException("the file defines no route");
            }
            for (String id : ids) {
                ServiceStatus status = getCamelContext().getRouteController().getRouteStatus(id);
                if (status == null && getCamelContext().getRoute(id) == null) {
                    continue; // left out by its precondition (a channel whose server is not configured)
                }
                org.apache.camel.Route route = getCamelContext().getRoute(id);
                if (status == ServiceStatus.Stopped && route != null && Boolean.FALSE.equals(route.isAutoStartup())) {
                    continue; // held back on purpose (the JMS ingress while the external broker is not shown to stamp)
                }
                if (status != ServiceStatus.Started) {
                    throw new IllegalStateException("route " + id + " did not start (" + status + ")");
                }
            }
            lastGood.put(file, content);
            reloaded.incrementAndGet();
            LOG.info("Route file {} reloaded: {}", file, ids);
        } catch (Exception e) {
            refused.incrementAndGet();
            LOG.error("Route file {} refused, the routes running before keep running: {}", file, rootMessage(e));
            restore(loader, file);
        }
    }

    /** How many route file versions were taken since start. */
    public int getReloadedCount() {
        return reloaded.get();
    }

    /** How many route file versions were refused since start. */
    public int getRefusedCount() {
        return refused.get();
    }

    private void restore(RoutesLoader loader, Path file) {
        String previous = lastGood.get(file);
        if (previous == null) {
            return;
        }
        try {
            loader.updateRoutes(List.of(ResourceHelper.fromString("file:" + file, previous)));
        } catch (Exception e) {
            LOG.error("Could not restore the previous version of {}: {}", file, rootMessage(e));
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
