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
    /**
     * When each number was last handed back, in release order. A number is handed out again
     * only after every other free one: a room ended while the PBX was out of reach still holds
     * its people until the hub reconnects and clears it, and the next conference must not be
     * dialled into it meanwhile. (Kept per instance: after a restart, or on another instance,
     * the order starts again from the configured one.)
     */
    private final java.util.Map<String, Long> released = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong releases = new java.util.concurrent.atomic.AtomicLong();

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
        // Stable: numbers never handed back keep the configured order, ahead of those that were.
        // On a copy: another thread's release changing the order in the middle of the sort would break it.
        java.util.Map<String, Long> order = new java.util.HashMap<>(released);
        free.sort(java.util.Comparator.comparingLong(n -> order.getOrDefault(n, 0L)));
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

    /** Releases the number of a session; returns it, or null if it had none. */
    String release(Connection c, String sessionId) throws SQLException {
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
            released.put(number, releases.incrementAndGet());
            try (PreparedStatement del = c.prepareStatement("delete from uc_reserved_number where session_id = ?")) {
                del.setString(1, sessionId);
                del.executeUpdate();
            }
        }
        return number;
    }
}
