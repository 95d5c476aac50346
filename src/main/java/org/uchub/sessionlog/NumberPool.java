package org.uchub.sessionlog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.uchub.request.ErrorCode;
import org.uchub.request.RequestRejectedException;

/**
 * The pool of reserved numbers (conference rooms). A number is bound to one session from
 * start to end; the binding is a row whose primary key is the number, so two hub instances
 * sharing a database can never hand out the same number.
 */
public class NumberPool {
    private final List<String> numbers;
    /** @param spec ranges and single numbers, e.g. {@code 8000-8099,8200} */
    public NumberPool(String spec) {
        this.numbers = parse(spec);
    }

    static List<String> parse(String spec) {
        List<String> out = new ArrayList<>();
        for (String part : spec.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            int dash = p.indexOf('-');
            if (dash > 0) {
                String from = p.substring(0, dash).trim();
                String to = p.substring(dash + 1).trim();
                long a = Long.parseLong(from);
                long b = Long.parseLong(to);
                if (b < a || b - a > 100_000) {
                    throw new IllegalArgumentException("bad number range " + p);
                }
                for (long n = a; n <= b; n++) {
                    out.add(String.format("%0" + from.length() + "d", n));
                }
            } else {
                Long.parseLong(p);
                out.add(p);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("the reserved-number pool is empty");
        }
        return out;
    }

    public int size() {
        return numbers.size();
    }

    String reserve(Connection c, String tenant, String businessId, String sessionId, OffsetDateTime now) throws SQLException {
        Set<String> taken = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement("select reserved_number from uc_reserved_number");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                taken.add(rs.getString(1));
            }
        }
        List<String> free = new ArrayList<>(numbers.size());
        for (String n : numbers) {
            if (!taken.contains(n)) {
                free.add(n);
            }
        }
        // Stable: numbers never handed back keep the configured order, ahead of those that were,
        // least recently released first (uc_number_release says why).
        java.util.Map<String, OffsetDateTime> order = new java.util.HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("select reserved_number, released_at from uc_number_release");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                order.put(rs.getString(1), rs.getObject(2, OffsetDateTime.class));
            }
        }
        OffsetDateTime never = OffsetDateTime.MIN;
        free.sort(java.util.Comparator.comparing(n -> order.getOrDefault(n, never)));
        for (String n : free) {
            try (PreparedStatement ins = c.prepareStatement(
                    "insert into uc_reserved_number (reserved_number, tenant, business_id, session_id, bound_at) values (?,?,?,?,?)")) {
                ins.setString(1, n);
                ins.setString(2, tenant);
                ins.setString(3, businessId);
                ins.setString(4, sessionId);
                ins.setObject(5, now);
                if (Database.insertUnlessTaken(c, ins)) {
                    return n;
                }
                // Another instance took it between our read and our insert: try the next one.
            }
        }
        throw new RequestRejectedException(ErrorCode.POOL_EXHAUSTED,
                "All " + numbers.size() + " reserved numbers are bound to running sessions; try again when one ends.");
    }

    /** Releases the number of a session at {@code now}; returns it, or null if it had none. */
    String release(Connection c, String sessionId, OffsetDateTime now) throws SQLException {
        String number = null;
        try (PreparedStatement ps = c.prepareStatement("select reserved_number from uc_reserved_number where session_id = ?")) {
            ps.setString(1, sessionId);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    number = rs.getString(1);
                }
            }
        }
        if (number != null) {
            noteReleased(c, number, now);
            try (PreparedStatement del = c.prepareStatement("delete from uc_reserved_number where session_id = ?")) {
                del.setString(1, sessionId);
                del.executeUpdate();
            }
        }
        return number;
    }

    private static void noteReleased(Connection c, String number, OffsetDateTime now) throws SQLException {
        // The order matters, not the time: a clock that stepped back, or another instance's
        // clock behind this one's, would put the number released last at the front, so a
        // release is never dated before the latest one noted.
        try (PreparedStatement ps = c.prepareStatement("select max(released_at) from uc_number_release");
                ResultSet rs = ps.executeQuery()) {
            OffsetDateTime latest = rs.next() ? rs.getObject(1, OffsetDateTime.class) : null;
            if (latest != null && !now.isAfter(latest)) {
                now = latest.plusNanos(1_000);
            }
        }
        try (PreparedStatement up = c.prepareStatement("update uc_number_release set released_at = ? where reserved_number = ?")) {
            up.setObject(1, now);
            up.setString(2, number);
            if (up.executeUpdate() > 0) {
                return;
            }
        }
        try (PreparedStatement ins = c.prepareStatement("insert into uc_number_release (reserved_number, released_at) values (?, ?)")) {
            ins.setString(1, number);
            ins.setObject(2, now);
            // Taken: another instance released the number a moment ago, which says the same.
            Database.insertUnlessTaken(c, ins);
        }
    }
}
