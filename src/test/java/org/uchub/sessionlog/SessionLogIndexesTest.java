package org.uchub.sessionlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.uchub.HubTestSupport;
import org.uchub.contract.ReplyStatus;

/**
 * Every statement the hub runs through a conference's and a call's life (the PBX's news,
 * sweeps, queries, recordings) finds its rows through an index on the tables that grow (see
 * {@link QueryPlans} for why).
 */
class SessionLogIndexesTest extends HubTestSupport {

    @Override
    protected Properties hubProperties() {
        Properties p = super.hubProperties();
        p.setProperty("pbx.simulator.script", "+4930999001=busy,+4930555555=hangup-after-1,*=answer");
        p.setProperty("pbx.ring-timeout-seconds", "1");
        return p;
    }

    @Test
    void everyStatementOfAConferenceAndACallFindsItsRowsByAnIndex() throws Exception {
        DataSource ds = context.getRegistry().lookupByNameAndType("dataSource", DataSource.class);
        QueryPlans.record(ds);

        // A recorded conference: started, one more added, one muted and one removed, ended, read back.
        assertEquals(ReplyStatus.ACCEPTED, ok("default", startConference("4711", "ix-1", "+4930111111", "+4930222222", "+4930999001"))
                .getStatus());
        awaitEvent("4711", "PARTICIPANT_JOINED", 2);
        awaitEvent("4711", "RECORDING_STARTED", 1);
        ok("default", Files.readString(Path.of("examples/add-participant.xml")));
        awaitEvent("4711", "PARTICIPANT_JOINED", 3);
        ok("default", "<ModifySession " + NS + "><businessId>4711</businessId>"
                + "<remove><participant><number>+4930222222</number></participant></remove>"
                + "<mute><participant><number>+4930111111</number></participant></mute></ModifySession>");
        awaitEvent("4711", "PARTICIPANT_REMOVED", 1);
        ok("default", end("4711"));
        awaitEvent("4711", "RECORDING_AVAILABLE", 1);
        recordingOnceFinished("4711");

        // A call the second party ends, and one that never connects.
        ok("default", "<StartSession " + NS + "><businessId>case-call</businessId><channel>call</channel><participants>"
                + "<participant><number>+4930111111</number></participant><participant><number>+4930555555</number></participant>"
                + "</participants></StartSession>");
        awaitEvent("case-call", "SESSION_ENDED", 1);
        ok("default", "<StartSession " + NS + "><businessId>case-busy</businessId><channel>call</channel><participants>"
                + "<participant><number>+4930999001</number></participant><participant><number>+4930111111</number></participant>"
                + "</participants></StartSession>");
        awaitEvent("case-busy", "SESSION_FAILED", 1);
        logOf("case-call");

        QueryPlans.Result plans = QueryPlans.wholeTableReads(ds);
        assertTrue(plans.explained() > 30, plans.toString());
        assertTrue(plans.scans().isEmpty(), plans.toString());
    }
}
