package org.uchub.pbx;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.uchub.HubTestSupport;
import org.uchub.pbx.sim.AmiSimulator;

/**
 * Counts the hub's CoreShowChannels actions from a point on. The hub lists the PBX's
 * channels only to reconcile after a login; anything else would make a PBX carrying
 * thousands of calls send them all, again and again.
 */
final class ChannelListings {
    private final AmiSimulator sim;
    private final long listings;
    private final long logins;

    private ChannelListings(AmiSimulator sim) {
        this.sim = sim;
        this.listings = sim.actionCount("CoreShowChannels");
        this.logins = sim.actionCount("Login");
    }

    /** From after the reconciliation of the hub's first login. */
    static ChannelListings from(AmiSimulator sim) throws Exception {
        HubTestSupport.await(() -> sim.actionCount("CoreShowChannels") > 0, 10_000, "the reconciliation after login");
        return new ChannelListings(sim);
    }

    void assertNone(String what) {
        // A reconnect on a slow machine lists them once more, for its own reconciliation, which
        // may not have run yet when this looks.
        long listed = sim.actionCount("CoreShowChannels") - listings;
        long reconnects = sim.actionCount("Login") - logins;
        assertTrue(listed <= reconnects, what + ": " + listed + " listing(s) after " + reconnects + " reconnect(s)");
    }
}
