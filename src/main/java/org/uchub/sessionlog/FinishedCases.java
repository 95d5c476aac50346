package org.uchub.sessionlog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether a business ID is finished, nothing about it waiting for anything any more, and the
 * deletion of all of its rows. Every statement finds its rows by the business ID's key or by
 * one of its sessions, through an index.
 */
final class FinishedCases {
    /** A business ID as a purge run read it: its events numbered up to {@code lastSeq}. */
    record Case(String tenant, String businessId, long lastSeq) {
    }

    /**
     * An IM outbox item the hub is done with: given up, a room closed, or sent and (for a direct
     * message, whose receipt is waited for) settled. A room opened and still DONE is one the hub
     * keeps joining; anything else, in a state not named here too, still waits.
     */
    private static final String IM_SETTLED = "state in ('FAILED', 'CLOSED') or (state = 'DONE' and kind <> 'ROOM_OPEN'"
            + " and (kind <> 'DIRECT' or confirmed is not null))";
    /**
     * A fax the hub is done with. UNKNOWN counts: it is the verdict the hub logs when the
     * gateway never reported (every fax ends so without a status mailbox), and a report later
     * than the retention is as good as none.
     */
    private static final String FAX_SETTLED = "state in ('DELIVERED', 'FAILED', 'CANCELLED', 'UNKNOWN')";
    /** Rows that hang off a session, deleted before it, in the order their foreign keys need. */
    private static final List<String> SESSION_ROWS = List.of("uc_im_outbox", "uc_fax_report", "uc_fax", "uc_fax_document", "uc_participant");
    /** Rows keyed by the business ID, then the business ID itself, in the order their foreign keys need. */
    private static final List<String> CASE_ROWS = List.of("uc_event", "uc_request", "uc_session", "uc_case");

    private FinishedCases() {
    }

    /**
     * The business ID's sessions when all of them are over and nothing about them still waits:
     * no reserved number bound, no IM item or fax unsettled. Null when something does. (Its
     * unpublished events and the age of its last event are the caller's to judge.)
     */
    static List<String> sessionsIfFinished(Connection c, Case k) throws SQLException {
        List<String> sessions = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select session_id, state from uc_session where tenant = ? and business_id = ?")) {
            ps.setString(1, k.tenant());
            ps.setString(2, k.businessId());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (!ChannelProgress.isOver(rs.getString(2))) {
                        return null;
                    }
                    sessions.add(rs.getString(1));
                }
            }
        }
        // uc_reserved_number holds one row per number in use (the pool's size at most).
        if (any(c, "select 1 from uc_reserved_number where tenant = ? and business_id = ?", k.tenant(), k.businessId())) {
            return null;
        }
        for (String s : sessions) {
            if (any(c, "select 1 from uc_im_outbox where session_id = ? and not (" + IM_SETTLED + ")", s)
                    || any(c, "select 1 from uc_fax where session_id = ? and not (" + FAX_SETTLED + ")", s)) {
                return null;
            }
        }
        return sessions;
    }

    /**
     * Locks the business ID's row if it still has the events it had when it was read: a new
     * event (a request, the PBX's news) would have raised last_seq. False, without waiting,
     * when another transaction holds the row (another hub instance writing to it): the
     * business ID is busy, not finished.
     */
    static boolean lockUnchanged(Connection c, Case k) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "select last_seq from uc_case where tenant = ? and business_id = ? and last_seq = ? for update skip locked")) {
            ps.setString(1, k.tenant());
            ps.setString(2, k.businessId());
            ps.setLong(3, k.lastSeq());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Deletes every row of the business ID and of its sessions. */
    static void delete(Connection c, Case k, List<String> sessions) throws SQLException {
        for (String table : sessions.isEmpty() ? List.<String>of() : SESSION_ROWS) {
            try (PreparedStatement ps = c.prepareStatement("delete from " + table + " where session_id = ?")) {
                for (String s : sessions) {
                    ps.setString(1, s);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
        for (String table : CASE_ROWS) {
            try (PreparedStatement ps = c.prepareStatement("delete from " + table + " where tenant = ? and business_id = ?")) {
                ps.setString(1, k.tenant());
                ps.setString(2, k.businessId());
                ps.executeUpdate();
            }
        }
    }

    private static boolean any(Connection c, String sql, String... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setString(i + 1, params[i]);
            }
            ps.setMaxRows(1);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }
}
