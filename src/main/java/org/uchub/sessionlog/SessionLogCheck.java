package org.uchub.sessionlog;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.uchub.health.ReadinessCheck;

/**
 * The readiness check "session-log": whether the session log's database answers now. Without
 * it the hub read as ready while every request waited for the database, and on PostgreSQL with
 * leases an unreachable database even turned the duties' checks UP (their instances stand by).
 *
 * <p>A probe borrows a pooled connection only to ask the driver whether it is valid. The pool
 * waits up to its connection timeout for a database that is gone, longer than a probe should
 * wait, so the answer is awaited for a short while only; probes asked for meanwhile share the
 * one in flight instead of each taking a thread and a connection. Why it is down is said
 * without the driver's message, which names the database's host, port, user or file.
 */
public final class SessionLogCheck {
    private static final int VALID_SECONDS = 1;
    private static final long WAIT_MILLIS = 2000;

    private final DataSource ds;
    private final ExecutorService prober;
    private CompletableFuture<String> inFlight;

    public SessionLogCheck(DataSource ds) {
        this.ds = ds;
        ThreadPoolExecutor one = new ThreadPoolExecutor(1, 1, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "uc-hub-session-log-check");
            t.setDaemon(true);
            return t;
        });
        // No thread kept for a probe asked for every few seconds at most.
        one.allowCoreThreadTimeOut(true);
        this.prober = one;
    }

    public ReadinessCheck healthCheck() {
        return new ReadinessCheck("session-log", this::read);
    }

    private ReadinessCheck.Reading read() {
        CompletableFuture<String> probe;
        synchronized (this) {
            if (inFlight == null || inFlight.isDone()) {
                inFlight = CompletableFuture.supplyAsync(this::probe, prober);
            }
            probe = inFlight;
        }
        String down;
        try {
            down = probe.get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            down = "the session log's database did not answer within " + WAIT_MILLIS + " ms";
        } catch (ExecutionException e) {
            down = "the session log's database cannot be asked (" + e.getCause().getClass().getSimpleName() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            down = "interrupted";
        }
        return new ReadinessCheck.Reading(down == null, down, Map.of());
    }

    /** Null when the database answers, else why not. */
    private String probe() {
        try (Connection c = ds.getConnection()) {
            return c.isValid(VALID_SECONDS) ? null : "the session log's database did not answer within " + VALID_SECONDS + " s";
        } catch (SQLException e) {
            return "the session log's database cannot be reached" + (e.getSQLState() == null ? "" : " (SQL state " + e.getSQLState() + ")");
        }
    }
}
