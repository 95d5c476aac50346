package org.uchub.pbx;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;

/**
 * Whether the PBX on the current AMI connection can take calls: logged in, and Asterisk fully
 * booted. Asterisk accepts logins long before its dialplan and ConfBridge are loaded; it says
 * it is done with a FullyBooted event, sent at the login when it is booted already and as an
 * ordinary event once it is, otherwise (manager.c, action_login). Asterisk-Java hands that
 * event over before its own ConnectEvent when the PBX was booted, and after it when it
 * was not, so either may come first.
 *
 * <p>Both are forgotten at a disconnect: a PBX that went away may come back booting. The
 * next login's FullyBooted does not overtake that: Asterisk-Java's reconnect waits 50 ms
 * before it connects again, and hands the DisconnectEvent over meanwhile.
 */
final class PbxReadiness {
    private final boolean waitForFullyBooted;
    private boolean loggedIn;
    private boolean booted;
    private long loggedInAt;
    private long connection;
    private boolean readyOnce;
    private boolean warned;

    /** @param waitForFullyBooted false: take the login for readiness, for an AMI peer that never sends FullyBooted */
    PbxReadiness(boolean waitForFullyBooted) {
        this.waitForFullyBooted = waitForFullyBooted;
    }

    /** A new start of the connection: nothing of the last one counts. */
    synchronized void reset() {
        loggedIn = false;
        booted = false;
        readyOnce = false;
        connection++;
    }

    /** The login succeeded; the news that the PBX became ready by it, if it did. */
    synchronized Optional<PbxReady> loggedIn() {
        loggedIn = true;
        loggedInAt = System.nanoTime();
        warned = false;
        if (!waitForFullyBooted) {
            booted = true;
        }
        return becameReady();
    }

    /** Asterisk reported FullyBooted; the news that the PBX became ready by it, if it did. */
    synchronized Optional<PbxReady> fullyBooted() {
        if (booted) {
            return Optional.empty();
        }
        booted = true;
        return becameReady();
    }

    synchronized void disconnected() {
        loggedIn = false;
        booted = false;
        connection++;
    }

    /** Asterisk reported it is booted, on the current connection. */
    synchronized boolean booted() {
        return booted;
    }

    /** The PBX is still ready on the connection it became ready on. */
    synchronized boolean still(long connection) {
        return this.connection == connection && loggedIn && booted;
    }

    /** True once per login that is followed by no FullyBooted for this long. */
    synchronized boolean bootingLongerThan(long millis) {
        if (!loggedIn || booted || warned || System.nanoTime() - loggedInAt < millis * 1_000_000) {
            return false;
        }
        warned = true;
        return true;
    }

    /** While the PBX is ready: the occasion for a routine reconciliation on this connection. */
    synchronized Optional<PbxReady> routine() {
        if (!loggedIn || !booted) {
            return Optional.empty();
        }
        return Optional.of(new PbxReady(false, OffsetDateTime.now(ZoneOffset.UTC), connection, 0, true));
    }

    private Optional<PbxReady> becameReady() {
        if (!loggedIn || !booted) {
            return Optional.empty();
        }
        boolean first = !readyOnce;
        readyOnce = true;
        return Optional.of(new PbxReady(first, OffsetDateTime.now(ZoneOffset.UTC), connection, 0));
    }
}
