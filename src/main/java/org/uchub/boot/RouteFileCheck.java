package org.uchub.boot;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * Reads what a route file declares before anything of it reaches the running hub: it must be
 * whole, well-formed XML (an editor's half-saved file is not), hold only routes (a nameless
 * route configuration or error handler in a partner's file would silently apply to every
 * core route), and give each route an id, so that the hub knows which file owns which route.
 */
public final class RouteFileCheck {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    private RouteFileCheck() {
    }

    /** The route ids the file declares, in order; an IllegalArgumentException says what is wrong and where. */
    public static List<String> routeIds(String content) {
        XMLInputFactory f = XMLInputFactory.newFactory();
        f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        List<String> ids = new ArrayList<>();
        try {
            XMLStreamReader x = f.createXMLStreamReader(new StringReader(content));
            int depth = 0;
            boolean single = false;
            while (x.hasNext()) {
                if (x.next() != XMLStreamReader.START_ELEMENT) {
                    if (x.getEventType() == XMLStreamReader.END_ELEMENT) {
                        depth--;
                    }
                    continue;
                }
                depth++;
                String name = x.getLocalName();
                int line = x.getLocation().getLineNumber();
                if (depth == 1) {
                    single = name.equals("route");
                    if (!single && !name.equals("routes")) {
                        throw new IllegalArgumentException("line " + line + ": a route file holds <routes> or one <route>, not <" + name + ">");
                    }
                }
                if ((depth == 1 && single) || (depth == 2 && !single)) {
                    if (!name.equals("route")) {
                        throw new IllegalArgumentException("line " + line + ": only <route> elements may stand in <routes>, not <" + name
                                + "> (it would apply to the hub's own routes as well)");
                    }
                    String id = x.getAttributeValue(null, "id");
                    if (id == null || !ID.matcher(id).matches()) {
                        throw new IllegalArgumentException("line " + line + ": every route needs an id of letters, digits, '.', '_' or '-'"
                                + " (the hub names routes <area>-<verb>), got " + (id == null ? "none" : "'" + id + "'"));
                    }
                    if (ids.contains(id)) {
                        throw new IllegalArgumentException("line " + line + ": route id " + id + " is declared twice in this file");
                    }
                    ids.add(id);
                }
            }
        } catch (XMLStreamException e) {
            throw new IllegalArgumentException("not well-formed XML: " + e.getMessage(), e);
        }
        if (ids.isEmpty()) {
            throw new IllegalArgumentException("the file defines no route");
        }
        return ids;
    }
}
