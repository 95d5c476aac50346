package org.uchub.sessionlog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
    private static final Pattern SCAN = Pattern.compile("/\\* PUBLIC\\.(\\w+)\\.tableScan");

    private QueryPlans() {
    }

    /** From now on, H2 records every statement run (needs the database's admin, as the hub's user is on its own H2). */
    public static void record(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            st.execute("set query_statistics_max_entries 10000");
            st.execute("set query_statistics true");
        }
    }

    /** The statements recorded that read a whole growing table, each with its plan; the count of those explained first. */
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
                Matcher m = SCAN.matcher(plan);
                while (m.find()) {
                    if (GROWING.contains(m.group(1))) {
                        scans.add(sql + "\n    " + plan.replace("\n", "\n    "));
                        break;
                    }
                }
            }
        }
        return new Result(explained, scans);
    }

    public record Result(int explained, List<String> scans) {
        @Override
        public String toString() {
            return explained + " statements explained; reading a whole growing table:\n" + String.join("\n", scans);
        }
    }
}
