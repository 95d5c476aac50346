package org.uchub.sessionlog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * Which statements an embedded H2 session log ran that read a whole table that grows with
 * every request. The session log's tables grow for ever (a year of sessions is millions of
 * events) and its writes run one after another on the committer's thread, so one such
 * statement stalls every request behind it, more with every month. H2 records the statements
 * it runs (query statistics) and tells how it reads each (EXPLAIN).
 */
public final class QueryPlans {
    /** The tables that grow with every request; the others hold only what is running or queued. */
    private static final Set<String> GROWING = Set.of("UC_CASE", "UC_SESSION", "UC_PARTICIPANT", "UC_EVENT", "UC_REQUEST",
            "UC_IM_OUTBOX", "UC_FAX", "UC_FAX_DOCUMENT");
    /**
     * Each table a plan reads and how: {@code .tableScan}, or an index followed by ':' and the
     * condition it is read by, or by nothing (" *&#47;"): read whole in the index's order. Quoted
     * in the statement's own text, unquoted in the plan H2 writes into a comment for a derived
     * table or a union's parts.
     */
    private static final Pattern ACCESS = Pattern.compile(
            "\"?PUBLIC\"?\\.\"?(\\w+)\"?(?:[ \\t]+\"?\\w+\"?)?\\s*/\\* PUBLIC\\.(\\w+?)(\\.tableScan)?( \\*/|:)");

    private QueryPlans() {
    }

    /** From now on, H2 records every statement run (needs the database's admin, as the hub's user is on its own H2). */
    public static void record(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            st.execute("set query_statistics_max_entries 10000");
            st.execute("set query_statistics true");
        }
    }

    /**
     * The statements recorded that read a whole growing table (scanned, or walked through an
     * index with no condition to seek by, as H2 does to return rows in the index's order), each
     * with its plan; and how many statements were explained.
     */
    public static Result wholeTableReads(DataSource ds) throws SQLException {
        List<String> scans = new ArrayList<>();
        int explained = 0;
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            List<String> run = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("select sql_statement from information_schema.query_statistics")) {
                while (rs.next()) {
                    run.add(rs.getString(1));
                }
            }
            st.execute("set query_statistics false"); // which forgets them
            for (String sql : run) {
                String verb = sql.stripLeading().toLowerCase(Locale.ROOT);
                if (!(verb.startsWith("select") || verb.startsWith("update") || verb.startsWith("delete")
                        || verb.startsWith("insert") || verb.startsWith("merge")) || verb.contains("information_schema")) {
                    continue;
                }
                String plan;
                try (PreparedStatement ps = c.prepareStatement("explain " + sql); ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    plan = rs.getString(1);
                }
                explained++;
                Matcher m = ACCESS.matcher(plan);
                while (m.find()) {
                    if (GROWING.contains(m.group(1)) && (m.group(3) != null || m.group(4).startsWith(" "))) {
                        scans.add(sql + "\n    " + plan.replace("\n", "\n    "));
                        break;
                    }
                }
            }
        }
        return new Result(explained, scans);
    }

    /**
     * The data source, whose queries are each run a second time as EXPLAIN ANALYZE with the same
     * parameters, and how many rows each read: an index with a condition can still walk rows that
     * only the WHERE clause then leaves out, and those grow with the table just as a scan does.
     */
    public static RowsRead rowsRead(DataSource ds) {
        return new RowsRead(ds);
    }

    public static final class RowsRead {
        private static final Pattern SCAN_COUNT = Pattern.compile("/\\* scanCount: (\\d+) \\*/");
        private final DataSource target;
        private final List<String> reads = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final Map<String, Integer> rows = new java.util.concurrent.ConcurrentHashMap<>();

        private RowsRead(DataSource target) {
            this.target = target;
        }

        /** The data source to hand to the code under test. */
        public DataSource dataSource() {
            return proxy(DataSource.class, target, (m, args, real) -> {
                Object r = m.invoke(real, args);
                return r instanceof Connection c ? connection(c) : r;
            });
        }

        /** The most rows any query whose text contains {@code part} read (summed over the tables of its plan). */
        public int most(String part) {
            return rows.entrySet().stream().filter(e -> e.getKey().contains(part)).mapToInt(Map.Entry::getValue).max()
                    .orElseThrow(() -> new AssertionError("no query containing " + part + " ran; ran: " + reads));
        }

        @Override
        public String toString() {
            return String.join("\n", reads);
        }

        private Connection connection(Connection c) {
            return proxy(Connection.class, c, (m, args, real) -> {
                Object r = m.invoke(real, args);
                if (m.getName().equals("prepareStatement") && args.length == 1 && r instanceof PreparedStatement ps) {
                    return statement(c, (String) args[0], ps);
                }
                return r;
            });
        }

        private PreparedStatement statement(Connection c, String sql, PreparedStatement ps) {
            Map<Integer, Object> params = new java.util.TreeMap<>();
            return proxy(PreparedStatement.class, ps, (m, args, real) -> {
                if (m.getName().equals("setObject") && args.length == 2) {
                    params.put((Integer) args[0], args[1]);
                } else if (m.getName().equals("executeQuery") && args == null) {
                    analyze(c, sql, params);
                }
                return m.invoke(real, args);
            });
        }

        private void analyze(Connection c, String sql, Map<Integer, Object> params) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("explain analyze " + sql)) {
                for (Map.Entry<Integer, Object> p : params.entrySet()) {
                    ps.setObject(p.getKey(), p.getValue());
                }
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    String plan = rs.getString(1);
                    int n = 0;
                    for (Matcher m = SCAN_COUNT.matcher(plan); m.find();) {
                        n += Integer.parseInt(m.group(1));
                    }
                    rows.merge(sql, n, Math::max);
                    reads.add(n + " rows: " + plan.replace("\n", " "));
                }
            }
        }
    }

    private interface Call {
        Object on(java.lang.reflect.Method m, Object[] args, Object real) throws Exception;
    }

    private static <T> T proxy(Class<T> type, T real, Call call) {
        return type.cast(java.lang.reflect.Proxy.newProxyInstance(QueryPlans.class.getClassLoader(), new Class<?>[] {type},
                (p, m, args) -> {
                    try {
                        return call.on(m, args, real);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                }));
    }

    public record Result(int explained, List<String> scans) {
        /** Enough statements seen to say something (a recording that saw nothing proves nothing), and none read a table whole. */
        public boolean clean() {
            return explained >= 10 && scans.isEmpty();
        }

        @Override
        public String toString() {
            return explained + " statements explained; reading a whole growing table:\n" + String.join("\n", scans);
        }
    }
}
