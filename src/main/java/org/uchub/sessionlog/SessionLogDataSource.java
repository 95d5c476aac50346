package org.uchub.sessionlog;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.util.Locale;
import java.util.Set;

/**
 * The session log's connection pool, carrying the group committer its write transactions go
 * through (none when group commit is off). Closing it commits what is queued first.
 */
public final class SessionLogDataSource extends HikariDataSource {
    private volatile GroupCommit groupCommit;
    private volatile boolean soleWriter;

    SessionLogDataSource(HikariConfig config) {
        super(config);
    }

    /** The group committer, or null when each write commits on its own. */
    public GroupCommit groupCommit() {
        return groupCommit;
    }

    void groupCommit(GroupCommit g) {
        this.groupCommit = g;
        this.soleWriter = g != null && onlyThisProcessOpens(getJdbcUrl());
    }

    /**
     * True when the group committer is the database's only writer, so that its write
     * transactions run one after another: an embedded H2 that no other process can open
     * while this one holds its file, written only through the committer. Never for
     * PostgreSQL or an H2 server, which other hubs or tools may write.
     */
    public boolean soleWriter() {
        return soleWriter;
    }

    /**
     * An embedded H2 (file or in-memory) keeping its file lock and not serving other
     * processes: AUTO_SERVER on (H2 reads 1, t, y, yes and true as on) or FILE_LOCK=NO let
     * another process in.
     */
    /** Whether the database is one no other process can open (an embedded H2 file or memory database). */
    public boolean onlyThisProcessOpens() {
        return onlyThisProcessOpens(getJdbcUrl());
    }

    static boolean onlyThisProcessOpens(String url) {
        String u = url.toUpperCase(Locale.ROOT);
        if (!u.startsWith("JDBC:H2:FILE:") && !u.startsWith("JDBC:H2:MEM:")) {
            return false;
        }
        String[] parts = u.split(";");
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (eq < 0) {
                continue;
            }
            String key = parts[i].substring(0, eq).trim();
            String value = parts[i].substring(eq + 1).trim();
            if (key.equals("AUTO_SERVER") && Set.of("1", "T", "Y", "YES", "TRUE").contains(value)) {
                return false;
            }
            if (key.equals("FILE_LOCK") && value.equals("NO")) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        GroupCommit g = groupCommit;
        if (g != null) {
            g.close();
        }
        super.close();
    }
}
