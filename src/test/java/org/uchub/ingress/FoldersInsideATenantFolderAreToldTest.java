package org.uchub.ingress;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;

/**
 * Requests are read from the inbox and its tenants' folders only. A folder inside a tenant's
 * folder (inbox/erp/2026/), or a link to one, was passed over without a word at every poll:
 * its requests were never answered and nobody was told. Now it is said once, as an ERROR.
 */
class FoldersInsideATenantFolderAreToldTest extends HubTestSupport {

    @Test
    void aFolderOrALinkToOneInsideATenantFolderIsToldOnceAndNotRead() throws Exception {
        drop("erp/2026/req.xml", query("deep"));
        Path elsewhere = Files.createDirectories(dataDir.resolve("elsewhere"));
        Files.writeString(elsewhere.resolve("q.xml"), query("linked"));
        Files.createSymbolicLink(inbox().resolve("erp/linked"), elsewhere);
        // Listed in the same poll as the folders beside it, so they have been looked at once it is answered.
        drop("erp/marker.xml", query("x"));
        awaitReply("erp/marker.reply.xml");

        InboxListing listing = context.getRegistry().lookupByNameAndType("inboxListing", InboxListing.class);
        assertTrue(listing.unopenable().contains(inbox().resolve("erp/2026").toString()), listing.unopenable().toString());
        assertTrue(listing.unopenable().contains(inbox().resolve("erp/linked").toString()), listing.unopenable().toString());
        assertTrue(Files.exists(inbox().resolve("erp/2026/req.xml")), "not read: it is in no tenant's folder");
        assertTrue(Files.exists(elsewhere.resolve("q.xml")), "not read through the link");
        assertFalse(Files.exists(outbox().resolve("erp/2026")));
        assertFalse(Files.exists(outbox().resolve("erp/linked")));
    }
}
