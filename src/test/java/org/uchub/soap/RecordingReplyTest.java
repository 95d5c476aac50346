package org.uchub.soap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.activation.DataHandler;
import java.util.Base64;
import org.apache.camel.Exchange;
import org.apache.camel.attachment.AttachmentMessage;
import org.apache.camel.component.cxf.common.CxfPayload;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import org.uchub.contract.Recording;
import org.uchub.contract.ReplyStatus;
import org.uchub.contract.SessionReply;
import org.uchub.request.Action;
import org.uchub.request.ContractCodec;
import org.w3c.dom.Element;

/** How GetRecording's audio leaves the SOAP ingress: an MTOM part, or base64 text when MTOM is off. */
class RecordingReplyTest {
    private static final byte[] AUDIO = "RIFF....WAVEfmt the audio".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private static Exchange replyWithRecording(boolean mtom) throws Exception {
        return replyWithRecording(mtom ? SoapRequests.Mtom.ALWAYS : SoapRequests.Mtom.NEVER, false);
    }

    private static Exchange replyWithRecording(SoapRequests.Mtom mode, boolean callerReadsMtom) throws Exception {
        ContractCodec codec = new ContractCodec(1_000_000);
        Recording rec = new Recording();
        rec.setFileName("erp_4711_s1.wav");
        rec.setMimeType("audio/wav");
        rec.setContent(AUDIO);
        SessionReply reply = new SessionReply();
        reply.setStatus(ReplyStatus.OK);
        reply.setBusinessId("4711");
        reply.setSessionId("0b7e2a3c-1d2e-4f50-8a9b-0c1d2e3f4a5b");
        reply.setRecording(rec);
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.getMessage().setBody(ContractCodec.element(reply, Action.RECORDING));
        exchange.setProperty(SoapRequests.CALLER_READS_MTOM, callerReadsMtom);
        new SoapRequests(codec, mode, 1_000_000).reply(exchange);
        return exchange;
    }

    private static Element content(Exchange exchange) {
        CxfPayload<?> payload = exchange.getMessage().getBody(CxfPayload.class);
        Element response = payload.getBody().get(0);
        return (Element) response.getElementsByTagNameNS(ContractCodec.NAMESPACE, "content").item(0);
    }

    @Test
    void withMtomTheAudioIsAPartTheContentRefersTo() throws Exception {
        Exchange exchange = replyWithRecording(true);
        Element include = (Element) content(exchange).getElementsByTagNameNS("http://www.w3.org/2004/08/xop/include", "Include").item(0);
        String href = include.getAttribute("href");
        assertTrue(href.startsWith("cid:"), href);
        AttachmentMessage message = exchange.getMessage(AttachmentMessage.class);
        DataHandler part = message.getAttachment(href.substring(4));
        assertEquals("audio/wav", part.getContentType());
        assertArrayEquals(AUDIO, part.getInputStream().readAllBytes());
        assertEquals("true", exchange.getProperty("mtom-enabled"));
    }

    @Test
    void withoutMtomTheAudioIsBase64InsideTheReply() throws Exception {
        Exchange exchange = replyWithRecording(false);
        assertEquals(Base64.getEncoder().encodeToString(AUDIO), content(exchange).getTextContent());
        assertFalse(exchange.getMessage(AttachmentMessage.class).hasAttachments());
    }

    @Test
    void byDefaultOnlyACallerThatShowsItReadsMtomGetsAnMtomPart() throws Exception {
        assertEquals("true", replyWithRecording(SoapRequests.Mtom.AUTO, true).getProperty("mtom-enabled"));
        Exchange plain = replyWithRecording(SoapRequests.Mtom.AUTO, false);
        assertEquals(Base64.getEncoder().encodeToString(AUDIO), content(plain).getTextContent());
        assertFalse(plain.getMessage(AttachmentMessage.class).hasAttachments());
        assertEquals(SoapRequests.Mtom.AUTO, SoapRequests.Mtom.of("auto"));
        assertEquals(SoapRequests.Mtom.ALWAYS, SoapRequests.Mtom.of("true"));
        assertEquals(SoapRequests.Mtom.NEVER, SoapRequests.Mtom.of("never"));
    }

    @Test
    void aCallerReadsMtomWhenItSentAnXopPackageOrAcceptsOne() {
        org.apache.cxf.message.Message xop = new org.apache.cxf.message.MessageImpl();
        xop.put(org.apache.cxf.message.Message.CONTENT_TYPE,
                "multipart/related; type=\"application/xop+xml\"; boundary=\"uuid:1\"; start-info=\"text/xml\"");
        assertTrue(SoapRequests.readsMtom(xop));
        org.apache.cxf.message.Message accepts = new org.apache.cxf.message.MessageImpl();
        accepts.put(org.apache.cxf.message.Message.CONTENT_TYPE, "text/xml; charset=UTF-8");
        accepts.put(org.apache.cxf.message.Message.PROTOCOL_HEADERS,
                java.util.Map.of("Accept", java.util.List.of("text/xml, multipart/related")));
        assertTrue(SoapRequests.readsMtom(accepts));
        org.apache.cxf.message.Message plain = new org.apache.cxf.message.MessageImpl();
        plain.put(org.apache.cxf.message.Message.CONTENT_TYPE, "text/xml; charset=UTF-8");
        plain.put(org.apache.cxf.message.Message.PROTOCOL_HEADERS, java.util.Map.of("Accept", java.util.List.of("text/xml")));
        assertFalse(SoapRequests.readsMtom(plain));
        assertFalse(SoapRequests.readsMtom(null));
    }
}
