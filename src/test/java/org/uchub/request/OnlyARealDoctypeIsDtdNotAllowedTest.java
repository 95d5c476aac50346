package org.uchub.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * DTD_NOT_ALLOWED is said for a DOCTYPE declaration, not for any error message that happens to
 * quote the word (a value or an element named DOCTYPE), which then got the wrong code.
 */
class OnlyARealDoctypeIsDtdNotAllowedTest {
    private static final String NS = "xmlns=\"urn:uc-hub:session:v1\"";
    private final ContractCodec codec = new ContractCodec(1 << 20);

    private ErrorCode refusal(String xml, java.nio.charset.Charset cs) {
        return assertThrows(RequestRejectedException.class, () -> codec.readXml(xml.getBytes(cs))).getCode();
    }

    @Test
    void aValueOrElementNamedDoctypeGetsTheCodeOfItsRealProblem() {
        assertEquals(ErrorCode.SCHEMA_INVALID, refusal("<StartSession " + NS + "><businessId>b</businessId><channel>DOCTYPE</channel>"
                + "<participants><participant><number>+4930111111</number></participant></participants></StartSession>", StandardCharsets.UTF_8));
        assertEquals(ErrorCode.UNKNOWN_OPERATION, refusal("<DOCTYPE " + NS + "/>", StandardCharsets.UTF_8));
        assertEquals(ErrorCode.MALFORMED_REQUEST, refusal("<QuerySessionLog " + NS + "><businessId>DOCTYPE</businessId></DOCTYPE>",
                StandardCharsets.UTF_8));
    }

    @Test
    void aDoctypeDeclarationIsDtdNotAllowedWhereverItStandsInTheProlog() {
        String request = "<QuerySessionLog " + NS + "><businessId>x</businessId></QuerySessionLog>";
        assertEquals(ErrorCode.DTD_NOT_ALLOWED, refusal("<!DOCTYPE QuerySessionLog [<!ENTITY e \"x\">]>" + request, StandardCharsets.UTF_8));
        assertEquals(ErrorCode.DTD_NOT_ALLOWED, refusal("<?xml version=\"1.0\"?>\n<!-- a comment -->\n<!DOCTYPE QuerySessionLog SYSTEM"
                + " \"file:///etc/passwd\">" + request, StandardCharsets.UTF_8));
        assertEquals(ErrorCode.DTD_NOT_ALLOWED, refusal("<?xml version=\"1.0\" encoding=\"UTF-16\"?><!DOCTYPE QuerySessionLog>" + request,
                StandardCharsets.UTF_16));
    }
}
