package org.uchub.pbx.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One AMI packet: header lines {@code Name: value} in the order they were written, ended by
 * an empty line. Names compare without regard to case, as Asterisk's own parser does, and a
 * name may repeat (Variable, ChanVariable).
 */
public final class AmiMessage {
    private final List<String[]> headers = new ArrayList<>();

    public static AmiMessage response(String status, AmiMessage request) {
        AmiMessage m = new AmiMessage().add("Response", status);
        String id = request == null ? null : request.get("ActionID");
        // astman_send_response_full leaves an empty ActionID out.
        if (id != null && !id.isBlank()) {
            m.add("ActionID", id);
        }
        return m;
    }

    public static AmiMessage event(String name, String privilege) {
        return new AmiMessage().add("Event", name).add("Privilege", privilege + ",all");
    }

    /**
     * An event of an action's answer list (CoreShowChannel, ConfbridgeList, their Complete):
     * Asterisk appends it to that session only, with no Privilege line.
     */
    public static AmiMessage listEvent(String name) {
        return new AmiMessage().add("Event", name);
    }

    public AmiMessage add(String name, Object value) {
        headers.add(new String[] {name, value == null ? "" : value.toString()});
        return this;
    }

    public AmiMessage addAll(AmiMessage other) {
        headers.addAll(other.headers);
        return this;
    }

    /** The first value of a header, or null. */
    public String get(String name) {
        for (String[] h : headers) {
            if (h[0].equalsIgnoreCase(name)) {
                return h[1];
            }
        }
        return null;
    }

    public List<String> all(String name) {
        List<String> out = new ArrayList<>();
        for (String[] h : headers) {
            if (h[0].equalsIgnoreCase(name)) {
                out.add(h[1]);
            }
        }
        return out;
    }

    public boolean isEmpty() {
        return headers.isEmpty();
    }

    /** Parses one header line as Asterisk does: name up to the first colon, value trimmed of leading blanks. */
    void parseLine(String line) {
        int colon = line.indexOf(':');
        if (colon <= 0) {
            return;
        }
        headers.add(new String[] {line.substring(0, colon).trim(), line.substring(colon + 1).stripLeading()});
    }

    public String action() {
        String a = get("Action");
        return a == null ? null : a.toLowerCase(Locale.ROOT);
    }

    /** The packet as it goes on the wire: CRLF after every line and one more at the end. */
    public String render() {
        StringBuilder sb = new StringBuilder(64 * headers.size());
        for (String[] h : headers) {
            sb.append(h[0]).append(": ").append(h[1]).append("\r\n");
        }
        return sb.append("\r\n").toString();
    }

    @Override
    public String toString() {
        return render();
    }
}
