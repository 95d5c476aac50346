package org.uchub.pbx;

/**
 * Put on the PBX event stream after every successful login, so that what happened while
 * the hub was not connected is reconciled before later events are read.
 *
 * @param first the first login since the hub started (events of a previous run are missed too)
 * @param at    when the login succeeded: news of later events is still on its way, so reconciliation leaves alone what changed since
 */
public record PbxConnected(boolean first, java.time.OffsetDateTime at) {
}
