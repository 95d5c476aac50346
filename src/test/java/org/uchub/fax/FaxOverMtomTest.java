package org.uchub.fax;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.mail.Multipart;
import jakarta.xml.ws.BindingProvider;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.uchub.soapclient.Channel;
import org.uchub.soapclient.Document;
import org.uchub.soapclient.Participant;
import org.uchub.soapclient.ParticipantList;
import org.uchub.soapclient.ReplyStatus;
import org.uchub.soapclient.SessionOptions;
import org.uchub.soapclient.SessionReply;
import org.uchub.soapclient.SessionService;
import org.uchub.soapclient.Sessions;
import org.uchub.soapclient.StartSessionRequest;

/**
 * A fax document sent by a SOAP client with MTOM on (as a .NET client with the Mtom encoding
 * or JAX-WS with MTOM enabled sends it: a MIME part, an xop:Include in the XML) reaches the
 * gateway byte for byte.
 */
class FaxOverMtomTest extends FaxTestSupport {
    /**
     * Large enough that every MTOM stack sends it as a part (WCF's threshold is about 1 KiB) and
     * that CXF keeps it in a temporary file rather than in memory (over 100 KB); still a PDF to the hub.
     */
    private static final byte[] BIG_PDF = bigPdf();

    private static byte[] bigPdf() {
        StringBuilder b = new StringBuilder("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n");
        for (int i = 0; i < 5000; i++) {
            b.append("% padding line ").append(i).append(" \u00e4\u00f6\u00fc\n");
        }
        byte[] text = b.append("%%EOF\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        // Bytes that are not text at all, as a real PDF's streams hold.
        byte[] out = new byte[text.length + 256];
        System.arraycopy(text, 0, out, 0, text.length);
        for (int i = 0; i < 256; i++) {
            out[text.length + i] = (byte) i;
        }
        return out;
    }

    @Test
    void aDocumentSentAsAnMtomPartByTheGeneratedClientIsFaxedByteForByte() throws Exception {
        Sessions erp = new SessionService(new URL(soapAddress() + "?wsdl")).getSessionPort();
        Map<String, Object> ctx = ((BindingProvider) erp).getRequestContext();
        ctx.put(BindingProvider.ENDPOINT_ADDRESS_PROPERTY, soapAddress());
        ctx.put(BindingProvider.USERNAME_PROPERTY, "erp");
        ctx.put(BindingProvider.PASSWORD_PROPERTY, "erp-dev-password");
        ((jakarta.xml.ws.soap.SOAPBinding) ((BindingProvider) erp).getBinding()).setMTOMEnabled(true);

        StartSessionRequest start = new StartSessionRequest();
        start.setBusinessId("case-mtom");
        start.setChannel(Channel.FAX);
        ParticipantList to = new ParticipantList();
        Participant p = new Participant();
        p.setFax("+4930111119");
        to.getParticipant().add(p);
        start.setParticipants(to);
        SessionOptions options = new SessionOptions();
        options.setSubject("Contract");
        Document doc = new Document();
        doc.setFileName("contract.pdf");
        doc.setMimeType("application/pdf");
        doc.setContent(BIG_PDF);
        options.setDocument(doc);
        start.setOptions(options);

        SessionReply r = erp.startSession(start);
        assertEquals(ReplyStatus.ACCEPTED, r.getStatus(), r.getMessage());
        awaitEvent("case-mtom", "FAX_SENT", 1);
        Multipart mp = (Multipart) gatewayMails("+4930111119").get(0).getContent();
        assertArrayEquals(BIG_PDF, mp.getBodyPart(mp.getCount() - 1).getInputStream().readAllBytes());
    }

    /** An MTOM request written by hand, as another stack writes it: the part named by a %-encoded cid: URL. */
    private HttpResponse<String> mtomCall(String href, String partId) throws Exception {
        String envelope = "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>"
                + "<StartSession xmlns=\"urn:uc-hub:session:v1\"><businessId>case-raw</businessId><channel>fax</channel>"
                + "<participants><participant><fax>+4930222229</fax></participant></participants><options><subject>Raw</subject>"
                + "<document><fileName>raw.pdf</fileName><mimeType>application/pdf</mimeType><content>"
                + "<xop:Include xmlns:xop=\"http://www.w3.org/2004/08/xop/include\" href=\"" + href + "\"/>"
                + "</content></document></options></StartSession></soap:Body></soap:Envelope>";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        String crlf = "\r\n";
        body.writeBytes(("--MIME_boundary" + crlf + "Content-Type: application/xop+xml; charset=UTF-8; type=\"text/xml\"" + crlf
                + "Content-Transfer-Encoding: 8bit" + crlf + "Content-ID: <root@client.test>" + crlf + crlf + envelope + crlf
                + "--MIME_boundary" + crlf + "Content-Type: application/pdf" + crlf + "Content-Transfer-Encoding: binary" + crlf
                + "Content-ID: <" + partId + ">" + crlf + crlf).getBytes(StandardCharsets.UTF_8));
        body.writeBytes(BIG_PDF);
        body.writeBytes((crlf + "--MIME_boundary--" + crlf).getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(URI.create(soapAddress()))
                .header("Content-Type", "multipart/related; type=\"application/xop+xml\"; boundary=\"MIME_boundary\";"
                        + " start=\"<root@client.test>\"; start-info=\"text/xml\"")
                .header("SOAPAction", "\"\"")
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("erp:erp-dev-password".getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aHandWrittenMtomRequestIsReadAndOneNamingAPartItDoesNotCarryIsAClientFault() throws Exception {
        // A '+' in the Content-ID: CXF's own id for the part reads it as a space.
        HttpResponse<String> ok = mtomCall("cid:doc%2B1%40client.test", "doc+1@client.test");
        assertEquals(200, ok.statusCode(), ok.body());
        assertTrue(ok.body().contains("ACCEPTED"), ok.body());
        awaitEvent("case-raw", "FAX_SENT", 1);
        Multipart mp = (Multipart) gatewayMails("+4930222229").get(0).getContent();
        assertArrayEquals(BIG_PDF, mp.getBodyPart(mp.getCount() - 1).getInputStream().readAllBytes());

        HttpResponse<String> missing = mtomCall("cid:other@client.test", "doc@client.test");
        assertEquals(500, missing.statusCode(), missing.body());
        assertTrue(missing.body().contains("Client") && missing.body().contains("MALFORMED_REQUEST")
                && missing.body().contains("does not carry"), missing.body());
    }
}
