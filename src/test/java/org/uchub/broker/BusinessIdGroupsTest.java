package org.uchub.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The business ID a bytes request is grouped by, whatever Unicode encoding its sender wrote
 * it in: a request the plugin cannot read is left ungrouped and may be overtaken by the next
 * one of its business ID.
 */
class BusinessIdGroupsTest {
    private static final String XML = "<?xml version=\"1.0\"?><ModifySession xmlns=\"urn:uc-hub:session:v1\"><businessId>4711</businessId>"
            + "<add><participant><number>+4930111111</number></participant></add></ModifySession>";
    private static final String JSON = "{\"action\":\"ModifySession\",\"businessId\":\"4711\"}";

    private static String idOf(byte[] body) {
        return BusinessIdGroups.businessId(BusinessIdGroups.text(ByteBuffer.wrap(body)));
    }

    private static byte[] withBom(byte[] bom, String s, Charset cs) {
        byte[] text = s.getBytes(cs);
        byte[] out = new byte[bom.length + text.length];
        System.arraycopy(bom, 0, out, 0, bom.length);
        System.arraycopy(text, 0, out, bom.length, text.length);
        return out;
    }

    @Test
    void aRequestInUtf16IsGroupedLikeOneInUtf8() {
        for (String request : new String[] {XML, JSON}) {
            assertEquals("4711", idOf(request.getBytes(StandardCharsets.UTF_8)), request);
            assertEquals("4711", idOf(request.getBytes(StandardCharsets.UTF_16LE)), "UTF-16LE without BOM: " + request);
            assertEquals("4711", idOf(request.getBytes(StandardCharsets.UTF_16BE)), "UTF-16BE without BOM: " + request);
            assertEquals("4711", idOf(withBom(new byte[] {(byte) 0xFF, (byte) 0xFE}, request, StandardCharsets.UTF_16LE)), request);
            assertEquals("4711", idOf(withBom(new byte[] {(byte) 0xFE, (byte) 0xFF}, request, StandardCharsets.UTF_16BE)), request);
            // Java's "UTF-16" writes a big-endian BOM.
            assertEquals("4711", idOf(request.getBytes(StandardCharsets.UTF_16)), request);
            assertEquals("4711", idOf(request.getBytes(Charset.forName("UTF-32BE"))), "UTF-32BE: " + request);
            assertEquals("4711", idOf(request.getBytes(Charset.forName("UTF-32LE"))), "UTF-32LE: " + request);
            // Mostly not ASCII: few zero bytes, still UTF-16.
        }
        String cyrillic = "<StartSession xmlns=\"urn:uc-hub:session:v1\"><subject>" + "\u0417\u0430\u044f\u0432\u043a\u0430 ".repeat(300)
                + "</subject><businessId>4711</businessId></StartSession>";
        for (Charset cs : new Charset[] {StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE}) {
            assertEquals("4711", idOf(cyrillic.getBytes(cs)), cs + ", mostly Cyrillic");
        }
    }

    @Test
    void aUtf16BodyStartingAtAnOddOffsetIsStillRead() {
        // As in a large AMQP message, whose scan begins with the section's encoding, not the text.
        byte[] text = XML.getBytes(StandardCharsets.UTF_16LE);
        byte[] framed = new byte[text.length + 7];
        framed[0] = 0x00;
        framed[1] = 0x53;
        framed[2] = 0x75;
        framed[3] = (byte) 0xb0;
        System.arraycopy(text, 0, framed, 7, text.length);
        assertEquals("4711", idOf(framed));
    }
}
