package org.uchub.pbx.sim;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.uchub.pbx.PbxEvents;

/**
 * Asterisk compiled AMI event filters as POSIX basic expressions until its filtering rework
 * (18.26, 20.11, 21.6, 22.1, as the hub counts it), and as extended ones since. The hub's filter is an extended one:
 * read the older way it matches no event at all, which is why the hub asks for it only where
 * the PBX reads it as written, and why the simulator reads it as the version it reports would.
 */
class FilterFlavourTest {
    private static final String HUB_HANGUP = "Event: Hangup\r\nPrivilege: call,all\r\nChannel: PJSIP/trunk-00000001\r\n"
            + "Uniqueid: uc-0123abcd-s1-p2\r\nLinkedid: uc-0123abcd-s1-p2\r\nCause: 16\r\n";
    private static final String ROOM_END = "Event: ConfbridgeEnd\r\nPrivilege: call,all\r\nConference: 8000\r\n";

    @Test
    void theHubsFilterLetsItsEventsThroughWhenReadAsAnExtendedExpression() {
        assertTrue(AmiSimulator.posixExtended(PbxEvents.FILTER).matcher(HUB_HANGUP).find());
        assertTrue(AmiSimulator.posixExtended(PbxEvents.FILTER).matcher(ROOM_END).find());
        assertFalse(AmiSimulator.posixExtended(PbxEvents.FILTER).matcher(HUB_HANGUP.replace("uc-0123abcd", "1700000000.42")).find());
    }

    @Test
    void readAsABasicExpressionTheHubsFilterMatchesNothing() {
        assertFalse(AmiSimulator.posixBasic(PbxEvents.FILTER).matcher(HUB_HANGUP).find());
        assertFalse(AmiSimulator.posixBasic(PbxEvents.FILTER).matcher(ROOM_END).find());
        // What a basic expression does group and bound.
        assertTrue(AmiSimulator.posixBasic("^Event: Confbridge\\(End\\|Start\\)").matcher(ROOM_END).find());
        assertTrue(AmiSimulator.posixBasic("uc-[0-9a-f]\\{8\\}-").matcher(HUB_HANGUP).find());
        assertTrue(AmiSimulator.posixBasic("(x|y)+").matcher("a (x|y)+ b").find(), "literal characters in a basic expression");
    }

    @Test
    void theReworkedReleasesReadFiltersAsExtendedExpressions() {
        assertFalse(AmiSimulator.extendedFilters("18.20.2"));
        assertFalse(AmiSimulator.extendedFilters("20.9.3"));
        assertFalse(AmiSimulator.extendedFilters("21.4.1"));
        assertFalse(AmiSimulator.extendedFilters("certified/18.9-cert5"));
        assertTrue(AmiSimulator.extendedFilters("18.26.0"));
        assertTrue(AmiSimulator.extendedFilters("20.11.0"));
        assertTrue(AmiSimulator.extendedFilters("21.6.0"));
        assertTrue(AmiSimulator.extendedFilters("22.1.0"));
        assertTrue(AmiSimulator.extendedFilters("certified-22.8-cert1"));
    }
}
