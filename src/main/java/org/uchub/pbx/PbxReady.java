package org.uchub.pbx;

/**
 * Put on the PBX event stream once the PBX can take calls after a login: logged in and fully
 * booted (Asterisk's FullyBooted). What happened while the hub could not hear the PBX is
 * reconciled then, before later events are read; not at the login itself, because a PBX
 * still booting has neither its dialplan nor ConfBridge to answer with.
 *
 * @param first      the first time since the hub started (events of a previous run are missed too)
 * @param at         when the PBX became ready: news of later events is still on its way, so reconciliation leaves alone what changed since
 * @param connection which connection it became ready on: a reconciliation tried again belongs to that one only
 * @param attempt    how many reconciliations for it failed before this one (0: the first try)
 * @param routine    not a login: the routine check while connected ({@code pbx.reconcile-interval-minutes}),
 *                   for news that never reached the session log (an event Asterisk-Java could not
 *                   read, the hub's event queue full after a long outage of the session log)
 */
public record PbxReady(boolean first, java.time.OffsetDateTime at, long connection, int attempt, boolean routine) {

    public PbxReady(boolean first, java.time.OffsetDateTime at, long connection, int attempt) {
        this(first, at, connection, attempt, false);
    }

    /** The same occasion, asked again after a failed reconciliation. */
    public PbxReady again() {
        return new PbxReady(first, at, connection, attempt + 1, routine);
    }
}
