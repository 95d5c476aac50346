package org.uchub.sessionlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.uchub.HubTestSupport;

/** A route under a duty consumes only while its instance holds the duty's lease, and starts by itself when it gets it. */
class DutyRoutePolicyTest {
    @TempDir
    Path dir;

    @Test
    void aRouteUnderADutyAnotherInstanceHoldsConsumesNothingUntilThatLeaseRunsOut() throws Exception {
        try (SessionLogDataSource ds = Database.open("jdbc:h2:file:" + dir.resolve("log"), "sa", "", 4, 32);
                DefaultCamelContext context = new DefaultCamelContext()) {
            Database.update(ds, "insert into uc_duty (name, holder, expires_at) values ('poll', 'hub-b', current_timestamp + interval '1' hour)");
            AtomicInteger polled = new AtomicInteger();
            context.getRegistry().bind("pollDuty", new DutyRoutePolicy(new DutyLease(ds, "poll", "hub-a", 4)));
            context.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("scheduler:poll?delay=50").routeId("poll").routePolicyRef("pollDuty").process(e -> polled.incrementAndGet());
                }
            });
            context.start();
            Thread.sleep(1_500);
            assertEquals(0, polled.get(), "polled while another instance holds the duty");
            Database.update(ds, "update uc_duty set expires_at = current_timestamp where holder = 'hub-b'");
            HubTestSupport.await(() -> polled.get() > 0, 5_000, "the route started once the duty was this instance's");
            context.stop();
            int after = polled.get();
            Thread.sleep(300);
            assertEquals(after, polled.get());
            assertTrue(new DutyLease(ds, "poll", "hub-b", 4).renew(), "a stopped route hands its duty back");
        }
    }

    @Test
    void aRouteStopsPollingWhenItsLeaseRunsOutWhileARenewalHangsOnTheDatabase() throws Exception {
        try (SessionLogDataSource ds = Database.open("jdbc:h2:file:" + dir.resolve("hang"), "sa", "", 4, 32);
                DefaultCamelContext context = new DefaultCamelContext()) {
            java.util.concurrent.atomic.AtomicBoolean hang = new java.util.concurrent.atomic.AtomicBoolean();
            // A database that stops answering (a failover): each renewal waits 10 s for a connection.
            javax.sql.DataSource unreachable = (javax.sql.DataSource) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {javax.sql.DataSource.class}, (proxy, method, args) -> {
                        if (method.getName().equals("getConnection") && hang.get()) {
                            Thread.sleep(10_000);
                            throw new java.sql.SQLTransientConnectionException("no connection within 10 s");
                        }
                        try {
                            return method.invoke(ds, args);
                        } catch (java.lang.reflect.InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
            AtomicInteger polled = new AtomicInteger();
            context.getRegistry().bind("pollDuty", new DutyRoutePolicy(new DutyLease(unreachable, "poll", "hub-a", 4)));
            context.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("scheduler:poll?delay=50").routeId("poll").routePolicyRef("pollDuty").process(e -> polled.incrementAndGet());
                }
            });
            context.start();
            HubTestSupport.await(() -> polled.get() > 0, 5_000, "polling while it holds the duty");
            hang.set(true);
            // The instance counts on its 4 s lease for 3 s after a renewal began; then another may take it over.
            HubTestSupport.await(() -> {
                int before = polled.get();
                Thread.sleep(300);
                return polled.get() == before;
            }, 7_500, "still polling after its lease ran out (the renewal still hanging)");
            context.stop();
        }
    }
    @Test
    void aPollerHeldBackForAnotherInstancesDutyDoesNotKeepThisInstanceFromBeingReady() throws Exception {
        try (SessionLogDataSource ds = Database.open("jdbc:h2:file:" + dir.resolve("ready"), "sa", "", 4, 32);
                DefaultCamelContext context = new DefaultCamelContext()) {
            Database.update(ds, "insert into uc_duty (name, holder, expires_at) values ('mailbox', 'hub-b', current_timestamp + interval '1' hour)");
            org.apache.camel.health.HealthCheckRegistry registry = org.apache.camel.health.HealthCheckRegistry.get(context);
            registry.register(registry.resolveById("consumers"));
            context.getRegistry().bind("mailboxDuty", new DutyRoutePolicy(new DutyLease(ds, "mailbox", "hub-a", 4)));
            java.nio.file.Path inbox = java.nio.file.Files.createDirectories(dir.resolve("mailbox"));
            context.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    // A file poller, like the fax mailbox's: Camel's readiness check of it is down until it has polled once.
                    from("file:" + inbox + "?delay=50").routeId("mailbox").routePolicyRef("mailboxDuty").log("polled");
                }
            });
            context.start();
            Thread.sleep(1_500);
            org.apache.camel.health.HealthCheck.Result standby = consumerCheck(context);
            assertEquals(org.apache.camel.health.HealthCheck.State.UP, standby.getState(), standby.getMessage().orElse(""));
            assertEquals("STANDBY: hub instance hub-b does duty mailbox", standby.getMessage().orElse(""));
            Database.update(ds, "update uc_duty set expires_at = current_timestamp where holder = 'hub-b'");
            // Its own now: Camel's check answers again (up once the poller has polled).
            HubTestSupport.await(() -> consumerCheck(context).getState() == org.apache.camel.health.HealthCheck.State.UP
                    && consumerCheck(context).getMessage().isEmpty(), 5_000, "Camel's own check, up, once the duty was this instance's");
        }
    }

    private static org.apache.camel.health.HealthCheck.Result consumerCheck(DefaultCamelContext context) {
        return org.apache.camel.health.HealthCheckHelper.invokeReadiness(context).stream()
                .filter(r -> r.getCheck().getId().equals("consumer:mailbox")).findFirst().orElseThrow();
    }
}
