package org.uchub.sessionlog;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * The session log's connection pool, carrying the group committer its write transactions go
 * through (none when group commit is off). Closing it commits what is queued first.
 */
public final class SessionLogDataSource extends HikariDataSource {
    private volatile GroupCommit groupCommit;

    SessionLogDataSource(HikariConfig config) {
        super(config);
    }

    /** The group committer, or null when each write commits on its own. */
    public GroupCommit groupCommit() {
        return groupCommit;
    }

    void groupCommit(GroupCommit g) {
        this.groupCommit = g;
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
