package org.uchub.soap;

import jakarta.activation.DataHandler;
import jakarta.mail.util.ByteArrayDataSource;
import jakarta.xml.bind.attachment.AttachmentMarshaller;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Collects the binary content JAXB finds while rendering a reply as MTOM parts (XOP, W3C
 * "XML-binary Optimized Packaging"): each becomes a MIME part with a Content-ID of its own,
 * referenced from the XML by an xop:Include, instead of base64 text inside the envelope.
 */
final class XopAttachments extends AttachmentMarshaller {
    private final String mimeType;
    private final String idSuffix;
    private final Map<String, DataHandler> parts = new LinkedHashMap<>();

    /**
     * @param mimeType the content type of the parts (the schema names none)
     * @param idSuffix what makes the Content-IDs unique to this reply: only [A-Za-z0-9.-]
     */
    XopAttachments(String mimeType, String idSuffix) {
        this.mimeType = mimeType;
        this.idSuffix = idSuffix;
    }

    @Override
    public boolean isXOPPackage() {
        return true;
    }

    @Override
    public String addMtomAttachment(DataHandler data, String elementNamespace, String elementLocalName) {
        return add(data);
    }

    @Override
    public String addMtomAttachment(byte[] data, int offset, int length, String type, String elementNamespace,
            String elementLocalName) {
        // A recording may be tens of MB: no copy when the part is the whole array, as it is for them.
        byte[] part = offset == 0 && length == data.length ? data : Arrays.copyOfRange(data, offset, offset + length);
        return add(new DataHandler(new ByteArrayDataSource(part, mimeType)));
    }

    /** swaRef is not in the contract; returning null keeps JAXB from inventing one. */
    @Override
    public String addSwaRefAttachment(DataHandler data) {
        return null;
    }

    private String add(DataHandler data) {
        // RFC 2392: a cid: URL is the Content-ID without its angle brackets; these characters
        // need no URL encoding, so the reference and the part's header read the same.
        String id = "part" + (parts.size() + 1) + "." + idSuffix + "@uc-hub";
        parts.put(id, data);
        return "cid:" + id;
    }

    Map<String, DataHandler> parts() {
        return parts;
    }
}
