package org.uchub.fax;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import jakarta.mail.Multipart;
import jakarta.mail.internet.MimeMessage;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The fax outbox on a real PostgreSQL server: its migration, claims and document storage are not H2-only. */
class FaxOnPostgresTest extends FaxTestSupport {
    private static EmbeddedPostgres postgres;

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = EmbeddedPostgres.builder().setPort(org.uchub.HubTestSupport.freePort()).start();
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("create database uchubfax");
        }
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
        p.setProperty("hub.db.url", postgres.getJdbcUrl("postgres", "uchubfax"));
        p.setProperty("hub.db.user", "postgres");
        p.setProperty("hub.db.password", "postgres");
        return p;
    }


    @Test
    void aFaxIsQueuedMailedAndItsDeliveryReportLoggedOnPostgres() throws Exception {
        ok(T, startFax("PG-4711", "Contract", "Cover", "+4930111119"));
        awaitEvent("PG-4711", "FAX_SENT", 1);
        MimeMessage m = gatewayMails("+4930111119").get(0);
        assertArrayEquals(PDF, ((Multipart) m.getContent()).getBodyPart(1).getInputStream().readAllBytes());
        report("Fax delivered", "3 pages", m.getMessageID());
        awaitEvent("PG-4711", "FAX_DELIVERED", 1);
        assertTrue(events(logOf("PG-4711"), "FAX_DELIVERED").get(0).getDetail().contains("3 pages"));
        await(() -> logOf("PG-4711").getSessions().getSession().get(0).getState().equals("ENDED"), 10_000, "session over");
        assertEquals(1, gatewayMails("+4930111119").size());
    }
}
