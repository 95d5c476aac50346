package org.uchub.fax;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The hub's subject quoted back in the ways gateways quote it leaves no word of the request for the verdict. */
class OwnSubjectQuoteTest {
    private static final String OWN = "Fax to +4930111119 for case 4740 Smith & Sons claim rejected [uc-fax:s-1:7]";
    private static final Pattern FAILED = Pattern.compile("(?i)rejected");

    private static boolean failed(String text) {
        return FAILED.matcher(OwnSubjectQuote.removeFrom(text, OWN)).find();
    }

    @Test
    void aQuoteMarkedFoldedOrCutShortIsTakenOut() {
        assertEquals(false, failed("Your fax \"" + OWN + "\" was delivered."));
        assertEquals(false, failed("Delivered.\n> Fax to +4930111119 for case 4740 Smith & Sons\n> claim rejected [uc-fax:s-1:7]\n"));
        assertEquals(false, failed("Delivered: Fax to +4930111119 for case 4740 Smith & Sons claim rejected [uc-f..."));
        assertEquals(false, failed("Delivered: Fax to +4930111119 for case 4740 Smith & Sons claim reje..."));
        assertEquals(false, failed("Delivered: FAX TO +4930111119 FOR CASE 4740 SMITH & SONS CLAIM REJECTED"));
        // The gateway's own words are left.
        assertEquals(true, failed("Fax to +4930111119 rejected by the receiving machine"));
    }

    /** The subject's first words are also the gateway's own wording; the verdict after them stays. */
    @Test
    void onlyWholeWordsOfTheSubjectAreTakenOutNeverTheStartOfTheVerdictAfterThem() {
        assertTrue(OwnSubjectQuote.removeFrom("Your fax to +4930111119 failed: no answer", OWN).contains("failed: no answer"));
        assertTrue(OwnSubjectQuote.removeFrom("Fax to +4930111119 for casework", OWN).contains("casework"));
        assertEquals("Faxes to +4930111119 for case 4740", OwnSubjectQuote.removeFrom("Faxes to +4930111119 for case 4740", OWN));
    }

    @Test
    void htmlCharacterReferencesReadAsTheCharactersTheyStandFor() {
        assertEquals(" Smith & Sons 'x' \"y\" \u00e9\u00e9 < > &bogus; ",
                ReportPartText.htmlAsText("<p>Smith &amp; Sons &#39;x&#39; &quot;y&quot; &#233;&#xE9; &lt; &gt; &bogus;</p>"));
    }
}
