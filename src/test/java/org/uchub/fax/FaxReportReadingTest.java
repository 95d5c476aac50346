package org.uchub.fax;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import jakarta.mail.FolderClosedException;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * A report the hub cannot read because the mailbox connection broke stays for the next
 * poll; only one that cannot be read for what it is goes to a person (the unmatched folder),
 * where no later poll looks.
 */
class FaxReportReadingTest {

    /** A report whose body fails to load, as IMAP's does when the folder closes under it. */
    private static MimeMessage failingWith(Exception e) throws MessagingException {
        MimeMessage m = new MimeMessage(Session.getInstance(new Properties())) {
            @Override
            public Object getContent() throws IOException, MessagingException {
                return fail();
            }

            @Override
            public java.io.InputStream getInputStream() throws IOException, MessagingException {
                return fail();
            }

            private <T> T fail() throws IOException, MessagingException {
                if (e instanceof IOException io) {
                    throw io;
                }
                throw (MessagingException) e;
            }
        };
        m.setSubject("Fax report");
        m.setFrom("reports@fax.test");
        m.setText("Your fax was delivered.");
        m.setHeader("Message-ID", "<report-1@fax.test>");
        return m;
    }

    @Test
    void aConnectionThatBrokeWhileReadingLeavesTheReportForTheNextPoll() throws Exception {
        assertThrows(IllegalStateException.class, () -> FaxReports.read(failingWith(new FolderClosedException(null))));
        // Angus IMAP's body stream wraps it in an IOException.
        assertThrows(IllegalStateException.class, () -> FaxReports.read(failingWith(new IOException(new FolderClosedException(null)))));
        assertThrows(IllegalStateException.class, () -> FaxReports.read(failingWith(
                new MessagingException("fetch failed", new java.net.SocketTimeoutException("Read timed out")))));
    }

    @Test
    void aReportThatBreaksTheConnectionEveryTimeGoesToAPersonAfterAFewTries() throws Exception {
        java.util.Map<String, Integer> broken = new java.util.HashMap<>();
        MimeMessage poison = failingWith(new FolderClosedException(null));
        for (int i = 1; i < FaxReports.BROKEN_READS; i++) {
            assertThrows(IllegalStateException.class, () -> FaxReports.read(poison, broken));
        }
        assertNull(FaxReports.read(poison, broken));
    }

    @Test
    void aReportPartInACharsetJavaDoesNotKnowIsStillReadWithTheRest() throws Exception {
        String dsn = "From: MAILER-DAEMON@mx.test\r\nSubject: Undelivered Mail\r\nMessage-ID: <dsn-1@mx.test>\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n"
                + "--b\r\nContent-Type: text/plain; charset=\"unknown-8bit\"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                + "Delivery to the fax gateway failed: line busy\r\n"
                + "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.test\r\n\r\n"
                + "Final-Recipient: rfc822; 4930111119@fax.test\r\nAction: failed\r\nStatus: 5.0.0\r\n"
                + "--b--\r\n";
        MimeMessage m = new MimeMessage(Session.getInstance(new Properties()),
                new java.io.ByteArrayInputStream(dsn.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)));
        FaxReports.Report r = FaxReports.read(m);
        assertNotNull(r, "read, not filed for a person as unreadable");
        org.junit.jupiter.api.Assertions.assertEquals(java.util.List.of("failed"), r.dsnActions());
        org.junit.jupiter.api.Assertions.assertTrue(r.text().contains("line busy"), r.text());
    }

    @Test
    void aMailThatCannotBeReadForWhatItIsGoesToAPerson() throws Exception {
        assertNull(FaxReports.read(failingWith(new MessagingException("Missing start boundary"))));
        assertNotNull(FaxReports.read(new MimeMessage(Session.getInstance(new Properties())) {
            {
                setSubject("Fax report");
                setText("Your fax was delivered.");
            }
        }));
    }

    /** A 20 MB HTML report whose body counts what is fetched of it, as an IMAP server would send it. */
    private static final class LargeHtmlReport extends MimeMessage {
        static final long SIZE = 20L * 1024 * 1024;
        final java.util.concurrent.atomic.AtomicLong fetched = new java.util.concurrent.atomic.AtomicLong();

        LargeHtmlReport(String from) throws MessagingException {
            super(Session.getInstance(new Properties()));
            setFrom(from);
            setSubject("Fax report");
            setHeader("Message-ID", "<large-1@fax.test>");
            setHeader("Content-Type", "text/html; charset=UTF-8");
            setHeader("Content-Transfer-Encoding", "8bit");
        }

        @Override
        protected java.io.InputStream getContentStream() {
            return new java.io.InputStream() {
                private final byte[] head = "<html><body><p>Your fax was delivered.</p><p>".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                private long pos;

                @Override
                public int read() {
                    if (pos >= SIZE) {
                        return -1;
                    }
                    fetched.incrementAndGet();
                    long at = pos++;
                    return at < head.length ? head[(int) at] : 'x';
                }
            };
        }
    }

    @Test
    void aLargeReportIsReadOnlyUpToTheTextLimit() throws Exception {
        LargeHtmlReport m = new LargeHtmlReport("reports@fax.test");
        FaxReports.Report r = FaxReports.read(m);
        assertNotNull(r);
        org.junit.jupiter.api.Assertions.assertTrue(r.text().contains("Your fax was delivered."), r.text().substring(0, 100));
        org.junit.jupiter.api.Assertions.assertTrue(m.fetched.get() <= FaxReports.MAX_TEXT,
                "read " + m.fetched.get() + " bytes of " + LargeHtmlReport.SIZE);
    }

    @Test
    void aMailFromASenderTheHubDoesNotAcceptIsNotReadAtAll() throws Exception {
        FaxSettings s = new FaxSettings("", "hub@example.com", "pattern", "{number}@fax.test", "", "{token}", 1, 1, 1, 1,
                java.util.regex.Pattern.compile("delivered"), java.util.regex.Pattern.compile("failed"),
                java.util.regex.Pattern.compile("x"), "example.com", java.util.regex.Pattern.compile("(?i)@fax[.]test"));
        LargeHtmlReport m = new LargeHtmlReport("someone@elsewhere.test");
        org.apache.camel.Exchange ex = new org.apache.camel.support.DefaultExchange(new org.apache.camel.impl.DefaultCamelContext());
        ex.setIn(new org.apache.camel.component.mail.MailMessage(ex, m, false));
        new FaxReports(s, null, null, null).record(ex);
        org.junit.jupiter.api.Assertions.assertEquals(false, ex.getIn().getHeader(FaxReports.MATCHED));
        org.junit.jupiter.api.Assertions.assertEquals(0, m.fetched.get(), "not a byte of its body");
    }
}
