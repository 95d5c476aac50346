package org.uchub.request;

import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import javax.xml.XMLConstants;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * Whether a document declares a DOCTYPE, told by a parser, not by the words of an error
 * message: a message quotes values and element names, and one named DOCTYPE is no declaration.
 * The DTD is reported, never read (no external subset, no entity), and reading stops at the
 * root element, where the prolog ends.
 */
final class XmlProlog {
    private XmlProlog() {
    }

    /** {@code utf8}: the bytes are UTF-8 whatever their XML declaration says, as the request is read. */
    static boolean declaresDoctype(byte[] body, boolean utf8) {
        XMLInputFactory factory = XMLInputFactory.newDefaultFactory();
        factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        factory.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        XMLStreamReader reader = null;
        try {
            reader = utf8 ? factory.createXMLStreamReader(new InputStreamReader(new ByteArrayInputStream(body), StandardCharsets.UTF_8))
                    : factory.createXMLStreamReader(new ByteArrayInputStream(body));
            while (reader.hasNext()) {
                int event = reader.next();
                if (event == XMLStreamConstants.DTD) {
                    return true;
                }
                if (event == XMLStreamConstants.START_ELEMENT) {
                    return false;
                }
            }
            return false;
        } catch (XMLStreamException | RuntimeException e) {
            return false; // broken before any DOCTYPE: the parse error says what it is
        } finally {
            if (reader != null) {
                try {
                    reader.close();
                } catch (XMLStreamException ignored) {
                    // nothing held
                }
            }
        }
    }
}
