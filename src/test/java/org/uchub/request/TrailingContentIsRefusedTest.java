package org.uchub.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A request is one document: anything after it is refused, in JSON as in XML. A second JSON
 * object after the first was ignored, so a file that meant to end a session only queried it.
 */
class TrailingContentIsRefusedTest {
    private final ContractCodec codec = new ContractCodec(1 << 20);

    @Test
    void aSecondJsonObjectAfterTheRequestIsMalformed() {
        byte[] body = ("{\"QuerySessionLog\":{\"businessId\":\"4711\"}}\n{\"EndSession\":{\"businessId\":\"4711\"}}")
                .getBytes(StandardCharsets.UTF_8);
        RequestRejectedException e = assertThrows(RequestRejectedException.class, () -> codec.readJson(body));
        assertEquals(ErrorCode.MALFORMED_REQUEST, e.getCode(), e.getMessage());
    }

    @Test
    void anythingAfterTheJsonRequestIsMalformedButWhitespaceIsNot() {
        RequestRejectedException e = assertThrows(RequestRejectedException.class,
                () -> codec.readJson("{\"QuerySessionLog\":{\"businessId\":\"4711\"}} x".getBytes(StandardCharsets.UTF_8)));
        assertEquals(ErrorCode.MALFORMED_REQUEST, e.getCode(), e.getMessage());
        codec.readJson("{\"QuerySessionLog\":{\"businessId\":\"4711\"}} \r\n\t".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aSecondXmlElementAfterTheRequestIsMalformedAsBefore() {
        String ns = "xmlns=\"urn:uc-hub:session:v1\"";
        byte[] body = ("<QuerySessionLog " + ns + "><businessId>4711</businessId></QuerySessionLog><EndSession " + ns
                + "><businessId>4711</businessId></EndSession>").getBytes(StandardCharsets.UTF_8);
        RequestRejectedException e = assertThrows(RequestRejectedException.class, () -> codec.readXml(body));
        assertEquals(ErrorCode.MALFORMED_REQUEST, e.getCode(), e.getMessage());
    }
}
