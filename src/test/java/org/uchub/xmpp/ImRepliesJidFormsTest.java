package org.uchub.xmpp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.uchub.request.JidForm;

/**
 * Servers hand a JID on in RFC 7622's form: "jose" with a combining accent comes back as
 * "josé", fullwidth "ｊohn" as "john". Answers and receipts in that form are the
 * participant's.
 */
class ImRepliesJidFormsTest {
    private static final String DECOMPOSED = "jose\u0301@example.com";
    private static final String COMPOSED = "jos\u00e9@example.com";

    private ImLogRows log;
    private ImOutbox outbox;
    private ImReplies replies;

    @BeforeEach
    void sessions() {
        log = new ImLogRows("im-jid-forms");
        outbox = new ImOutbox(log.ds);
        replies = new ImReplies(outbox, log.progress, "example.com", null, 60_000, 1_000);
    }

    @Test
    void anAnswerFromTheComposedFormOfADecomposedParticipantIsLogged() throws Exception {
        log.session("s-jose", "t", "CASE-1", OffsetDateTime.now(ZoneOffset.UTC), DECOMPOSED);
        assertTrue(replies.record(message(InboundMessage.Kind.DIRECT, COMPOSED, "s-jose", "Yes", null)));
        assertEquals(1, log.events("s-jose", "IM_REPLY"));
    }

    @Test
    void aReceiptFromTheComposedFormSettlesAMessageToTheDecomposedOne() throws Exception {
        log.session("s-jose", "t", "CASE-1", OffsetDateTime.now(ZoneOffset.UTC), DECOMPOSED);
        long participant = log.progress.running("s-jose").orElseThrow().parties().get(0).id();
        outbox.add("s-jose", null, List.of(new ImOutbox.Work(ImOutbox.DIRECT, DECOMPOSED, participant, null, "Hello")));
        ImOutbox.Item sent = outbox.pending(10).get(0);
        assertTrue(outbox.done(sent));
        assertTrue(replies.record(message(InboundMessage.Kind.RECEIPT, COMPOSED, null, null, sent.stanzaId())));
        assertEquals(1, log.events("s-jose", "IM_DELIVERED"));
    }

    @Test
    void anAnswerFromAFullwidthFormNamingItsCaseIsTheNarrowParticipants() throws Exception {
        log.session("s-john", "t", "CASE-2", OffsetDateTime.now(ZoneOffset.UTC), "john@example.com");
        assertTrue(replies.record(message(InboundMessage.Kind.DIRECT, "\uff4aohn@example.com", null, "About CASE-2: done", null)));
        assertEquals(1, log.events("s-john", "IM_REPLY"));
    }

    @Test
    void theFormKeepsTheResourceAndMapsWidthCaseAndComposition() {
        assertEquals(COMPOSED, JidForm.bare(DECOMPOSED));
        assertEquals("john@example.com/Phone", JidForm.of("\uff2a\uff4fhn@EXAMPLE.com/Phone"));
        assertEquals(JidForm.bare("J\u00d6RG@Example.COM"), JidForm.bare("jo\u0308rg@example.com"));
    }

    private static InboundMessage message(InboundMessage.Kind kind, String from, String thread, String body, String stanzaId) {
        return new InboundMessage(kind, from, null, null, thread, body, stanzaId, null, OffsetDateTime.now(ZoneOffset.UTC));
    }
}
