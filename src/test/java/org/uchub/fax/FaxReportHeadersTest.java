package org.uchub.fax;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.internet.MimeMessage;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * camel-mail 4.14.1 copies every header of a mail it reads into the exchange and obeys the
 * plain-named ones (copyTo, moveTo, delete) when it is done with the mail: a report mail's own
 * headers must not decide where it goes.
 */
class FaxReportHeadersTest extends FaxTestSupport {

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        p.setProperty("fax.status.accept-from", "(?i)@fax[.]test");
        return p;
    }

    private void deliver(String from, String subject, String body, String... headers) throws Exception {
        MimeMessage m = new MimeMessage(Session.getInstance(new Properties()));
        m.setFrom(from);
        m.setRecipients(MimeMessage.RecipientType.TO, STATUS_ADDRESS);
        m.setSubject(subject);
        m.setText(body, "UTF-8");
        for (int i = 0; i < headers.length; i += 2) {
            m.addHeader(headers[i], headers[i + 1]);
        }
        m.saveChanges();
        mail.getUserManager().getUserByEmail(STATUS_ADDRESS).deliver(m);
    }

    private boolean folderExists(String name) throws Exception {
        Store store = Session.getInstance(new Properties()).getStore("imap");
        store.connect("127.0.0.1", imapPort, STATUS_LOGIN, STATUS_PASSWORD);
        try {
            return store.getFolder(name).exists();
        } finally {
            store.close();
        }
    }

    @Test
    void headersOfAReportMailDoNotDecideWhereTheMailGoes() throws Exception {
        ok(T, startFax("4741", null, null, "+4930111119"));
        awaitEvent("4741", "FAX_SENT", 1);
        String subject = "Re: " + gatewayMails("+4930111119").get(0).getSubject();

        deliver("someone@elsewhere.test", subject, "Your fax was delivered.", "copyTo", "Elsewhere", "delete", "true");
        await(() -> statusFolderCount("UC-Fax-Unmatched") == 1, 10_000, "a stranger's mail is filed for a person");
        assertFalse(folderExists("Elsewhere"), "no folder the mail named");

        deliver("reports@fax.test", subject, "Your fax was delivered. 1 page.", "copyTo", "INBOX", "delete", "true");
        awaitEvent("4741", "FAX_DELIVERED", 1);
        await(() -> statusFolderCount("UC-Fax-Done") >= 1, 10_000, "the report is filed as done");
        // A mail read after it: by then a copy put back into the folder would have been read and filed too.
        deliver("someone@elsewhere.test", "Unrelated", "Hello");
        await(() -> statusFolderCount("UC-Fax-Unmatched") == 2, 10_000, "the next mail is read");
        assertEquals(1, statusFolderCount("UC-Fax-Done"), "no copy of the report came back to be read again");
        assertEquals(0, statusFolderCount("INBOX"));
        assertFalse(folderExists("Elsewhere"));
        assertEquals(1, events(logOf("4741"), "FAX_DELIVERED").size());
    }
}
