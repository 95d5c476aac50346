package org.uchub.request;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

/**
 * A JSON request in UTF-16 or UTF-32 (a .NET sender's Encoding.Unicode bytes, a file saved as
 * "Unicode") is read as JSON: it was taken for XML, and its sender got XML's error.
 */
class RequestEncodingTest {
    private static final String JSON = "{\"QuerySessionLog\": {\"businessId\": \"4711\"}}";

    @Test
    void jsonInAnyUnicodeEncodingIsReadAsJson() throws Exception {
        ContractCodec codec = new ContractCodec(1 << 20);
        for (Charset cs : new Charset[] {StandardCharsets.UTF_8, StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE,
            StandardCharsets.UTF_16, Charset.forName("UTF-32BE"), Charset.forName("UTF-32LE")}) {
            byte[] body = (" \n" + JSON).getBytes(cs);
            assertEquals(ContractCodec.JSON, ContractCodec.detectFormat(body), cs.name());
            HubRequest r = codec.read(new ByteArrayInputStream(body), "erp", "test", null, new DefaultExchange(new DefaultCamelContext()));
            assertEquals("4711", r.getBusinessId(), cs.name());
        }
        // With a byte order mark, as Windows tools save "Unicode" files.
        for (String cs : new String[] {"UTF-16BE", "UTF-16LE", "UTF-32BE", "UTF-32LE"}) {
            byte[] body = ("\uFEFF" + JSON).getBytes(Charset.forName(cs));
            assertEquals(ContractCodec.JSON, ContractCodec.detectFormat(body), cs + " with BOM");
            assertEquals("4711", codec.read(new ByteArrayInputStream(body), "erp", "test", null,
                    new DefaultExchange(new DefaultCamelContext())).getBusinessId(), cs + " with BOM");
        }
    }
}
