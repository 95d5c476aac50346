package org.uchub;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The session log on a real PostgreSQL server (started from a jar), each test in a fresh
 * database migrated by the hub itself: proves the migrations and SQL are not H2-only.
 */
class PostgresSessionLogTest extends SessionLogContract {
    private static EmbeddedPostgres postgres;
    private static final AtomicInteger DATABASES = new AtomicInteger();

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = EmbeddedPostgres.builder().setPort(org.uchub.HubTestSupport.freePort()).start();
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        String db = "uchub" + DATABASES.incrementAndGet();
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("create database " + db);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        p.setProperty("hub.db.url", postgres.getJdbcUrl("postgres", db));
        p.setProperty("hub.db.user", "postgres");
        p.setProperty("hub.db.password", "postgres");
        return p;
    }
}
