package org.uchub.bench;

import java.util.Properties;
import org.apache.camel.CamelContext;

/**
 * The benchmarks' requests are calls: how they are placed during the hub's run, and how the
 * baseline's run is kept free of the hub's work on them.
 */
final class PbxIdle {
    private PbxIdle() {
    }

    /**
     * Calls end, as real ones do (a PBX carries some thousands at once, not every call ever
     * placed, and the hub records each one's end too), and are dialled while the hub's run
     * lasts instead of being paced out into the baseline's run. Either can be given instead.
     */
    static void callsAsInService(Properties p) {
        if (!p.containsKey("pbx.simulator.script")) {
            p.setProperty("pbx.simulator.script", "*=hangup-after-10");
        }
        if (!p.containsKey("pbx.originates-per-second")) {
            p.setProperty("pbx.originates-per-second", "1000");
        }
    }

    /**
     * Waits until the events topic has every event of the hub's run: publishing them is the
     * hub's work too, and a backlog left over would run beside the baseline and slow it.
     */
    static void awaitEventsPublished(CamelContext context) throws InterruptedException {
        javax.sql.DataSource ds = context.getRegistry().lookupByNameAndType("dataSource", javax.sql.DataSource.class);
        long start = System.nanoTime();
        long deadline = start + 300_000_000_000L;
        long left = -1;
        while (System.nanoTime() < deadline) {
            try (var c = ds.getConnection(); var rs = c.createStatement().executeQuery("select count(*) from uc_event_outbox")) {
                rs.next();
                left = rs.getLong(1);
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
            if (left == 0) {
                break;
            }
            Thread.sleep(200);
        }
        System.out.printf("  the hub's events were all published on the events topic %.1f s later (%s)%n",
                (System.nanoTime() - start) / 1e9, left == 0 ? "none left" : left + " still waiting after 300 s");
    }

    /**
     * Waits until every call has been placed, has ended and is recorded, then stops the
     * hub's retry sweep: the baseline must not share the machine with the hub's work, and
     * its rows (participants waiting as REQUESTED, like the hub's) are not the sweep's. Waits for
     * the hub's events to be published too.
     */
    static void await(CamelContext context) throws InterruptedException {
        org.uchub.pbx.PbxConnection pbx = context.getRegistry().lookupByNameAndType("pbxConnection", org.uchub.pbx.PbxConnection.class);
        org.apache.camel.component.seda.SedaEndpoint events = (org.apache.camel.component.seda.SedaEndpoint) context.getEndpoint(
                context.resolvePropertyPlaceholders("{{pbx.events.endpoint}}"));
        long start = System.nanoTime();
        long deadline = start + 300_000_000_000L;
        int quiet = 0;
        org.uchub.pbx.sim.AmiSimulator sim = context.getRegistry().lookupByNameAndType("amiSimulator", org.uchub.pbx.sim.AmiSimulator.class);
        while (quiet < 5 && System.nanoTime() < deadline) {
            quiet = pbx.originatesWaiting() == 0 && events.getCurrentQueueSize() == 0 && (sim == null || sim.channelCount() == 0)
                    ? quiet + 1 : 0;
            Thread.sleep(200);
        }
        System.out.printf("  the hub's calls were placed, ended and recorded %.1f s after the last reply (%s)%n",
                (System.nanoTime() - start) / 1e9 - 1.0, quiet == 5 ? "idle" : "still busy after 300 s");
        awaitEventsPublished(context);
        try {
            context.getRouteController().stopRoute("pbx-retry");
        } catch (Exception e) {
            throw new IllegalStateException("could not stop the PBX retry sweep", e);
        }
    }
}
