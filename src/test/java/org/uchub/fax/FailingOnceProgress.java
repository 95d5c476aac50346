package org.uchub.fax;

import java.lang.reflect.Field;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.CamelContext;
import org.uchub.sessionlog.ChannelProgress;
import org.uchub.sessionlog.Database;
import org.uchub.sessionlog.SessionLogUnavailableException;
import org.uchub.sessionlog.SessionUpdate;

/**
 * The hub's session log, failing once as each named piece of news is recorded: inside the
 * transaction of the change that comes with it, as a database that goes away mid-write would.
 */
final class FailingOnceProgress extends ChannelProgress {
    final Set<String> failing = ConcurrentHashMap.newKeySet();

    private FailingOnceProgress(ChannelProgress real, Set<String> eventTypes) throws ReflectiveOperationException {
        super((javax.sql.DataSource) field(ChannelProgress.class, "ds").get(real),
                (org.uchub.sessionlog.SessionLog) field(ChannelProgress.class, "log").get(real),
                (org.uchub.sessionlog.NumberPool) field(ChannelProgress.class, "pool").get(real));
        failing.addAll(eventTypes);
    }

    /** Puts one in place of the session log the fax channel and its report reader use. */
    static FailingOnceProgress install(CamelContext context, String... eventTypes) throws ReflectiveOperationException {
        FaxChannel fax = context.getRegistry().lookupByNameAndType("fax", FaxChannel.class);
        FaxReports reports = context.getRegistry().lookupByNameAndType("faxReports", FaxReports.class);
        FailingOnceProgress p = new FailingOnceProgress((ChannelProgress) field(FaxChannel.class, "progress").get(fax), Set.of(eventTypes));
        field(FaxChannel.class, "progress").set(fax, p);
        field(FaxReports.class, "progress").set(reports, p);
        return p;
    }

    private static Field field(Class<?> type, String name) throws NoSuchFieldException {
        Field f = type.getDeclaredField(name);
        f.setAccessible(true);
        return f;
    }

    private void failOnce(SessionUpdate news) {
        if (failing.remove(news.eventType())) {
            throw new SessionLogUnavailableException("session log away (test): " + news.eventType(), null);
        }
    }

    @Override
    public boolean apply(SessionUpdate update) {
        failOnce(update);
        return super.apply(update);
    }

    @Override
    public boolean apply(SessionUpdate update, Database.Work<?> alongside) {
        return super.apply(update, c -> {
            Object r = alongside.apply(c);
            failOnce(update);
            return r;
        });
    }

    @Override
    public boolean applyIf(Database.Work<Boolean> change, SessionUpdate news) {
        return super.applyIf(c -> {
            boolean r = change.apply(c);
            if (r) {
                failOnce(news);
            }
            return r;
        }, news);
    }
}
