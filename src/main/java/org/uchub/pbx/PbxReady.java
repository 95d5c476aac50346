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
 */
public record PbxReady(boolean first, java.time.OffsetDateTime at, long connection, int attempt) {

    /** The same occasion, asked again after a failed reconciliation. */
    public PbxReady again() {
        return new PbxReady(first, at, connection, attempt + 1);
    }
}
