package org.uchub.boot;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.apache.camel.support.RouteWatcherReloadStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads a changed route file without a restart, and refuses a broken one: the routes that
 * were running before keep running. Camel's own strategy either removes every route first
 * (so one bad file stops the hub) or leaves a route that failed to start removed; this one
 * updates only the changed file's routes and, when that fails, puts back the last version of
 * the file that worked.
 */
public class SafeRouteReloadStrategy extends RouteWatcherReloadStrategy {
    private static final Logger LOG = LoggerFactory.getLogger(SafeRouteReloadStrategy.class);

    private final Map<String, String> lastGood = new ConcurrentHashMap<>();

    public SafeRouteReloadStrategy(String directory) {
        super(directory, false);
        setPattern("*.xml");
        setRemoveAllRoutes(false);
    }

    /** Remembers a route file as working, so it can be restored after a broken edit. */
    public void remember(Resource resource) {
        try {
            lastGood.put(key(resource), read(resource));
        } catch (IOException e) {
            LOG.warn("Cannot keep a copy of route file {}: {}", resource.getLocation(), e.toString());
        }
    }

    @Override
    protected void onRouteReload(Collection<Resource> resources, boolean removeEverything) {
        try {
            super.onRouteReload(resources, removeEverything);
            if (resources != null) {
                resources.forEach(this::remember);
                resources.forEach(r -> LOG.info("Route file {} reloaded", r.getLocation()));
            }
        } catch (RuntimeException e) {
            String names = resources == null ? "?" : resources.stream().map(Resource::getLocation).toList().toString();
            LOG.error("Route file {} refused, the routes running before keep running: {}", names, rootMessage(e));
            restore(resources);
        }
    }

    private void restore(Collection<Resource> resources) {
        if (resources == null) {
            return;
        }
        List<Resource> previous = new ArrayList<>();
        for (Resource r : resources) {
            String content = lastGood.get(key(r));
            if (content != null) {
                previous.add(ResourceHelper.fromString(r.getLocation(), content));
            }
        }
        if (previous.isEmpty()) {
            return;
        }
        try {
            PluginHelper.getRoutesLoader(getCamelContext()).updateRoutes(previous);
        } catch (Exception e) {
            LOG.error("Could not restore the previous version of {}: {}", previous, rootMessage(e));
        }
    }

    private static String key(Resource r) {
        return r.getLocation();
    }

    private static String read(Resource r) throws IOException {
        try (InputStream in = r.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        StringBuilder sb = new StringBuilder();
        while (t != null) {
            if (t.getMessage() != null && (sb.isEmpty() || !sb.toString().contains(t.getMessage()))) {
                if (!sb.isEmpty()) {
                    sb.append(" <- ");
                }
                sb.append(t.getMessage());
            }
            t = t.getCause() == t ? null : t.getCause();
        }
        return sb.toString();
    }
}
