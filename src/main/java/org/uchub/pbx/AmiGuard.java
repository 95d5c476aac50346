package org.uchub.pbx;

import java.lang.reflect.Method;
import java.util.Map;
import org.asteriskjava.manager.action.ManagerAction;
import org.asteriskjava.manager.action.OriginateAction;

/**
 * The last check before an action goes on the wire. Asterisk-Java writes every field as
 * {@code Name: value\r\n} without escaping, so a CR or LF in any value would end the
 * field and start another (a second action, even). Whatever validation ran before, no
 * such value leaves the hub. And an Originate runs dialplan or Playback, nothing else: the
 * hub's AMI user holds the "system" right, which Asterisk asks for to record a room, and
 * which would let an Originate run System() or Exec().
 */
final class AmiGuard {
    private AmiGuard() {
    }

    /**
     * Throws if any text field or variable of the action holds CR, LF or NUL, a channel
     * variable holds list syntax, or an Originate would run another application.
     */
    static void check(ManagerAction action) {
        if (action instanceof OriginateAction o && o.getApplication() != null && !"Playback".equalsIgnoreCase(o.getApplication().trim())) {
            throw new PbxValueRefusedException("An Originate may run dialplan or Playback, not " + o.getApplication()
                    + ": refused, nothing was sent to the PBX.");
        }
        for (Method m : action.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || !m.getName().startsWith("get") || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value;
            try {
                value = m.invoke(action);
            } catch (ReflectiveOperationException | RuntimeException e) {
                continue;
            }
            if (value instanceof CharSequence s) {
                refuse(m.getName().substring(3), s);
            } else if (value instanceof Map<?, ?> map) {
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    refuse(m.getName().substring(3) + " name", String.valueOf(e.getKey()));
                    refuse(m.getName().substring(3) + " " + e.getKey(), String.valueOf(e.getValue()));
                    if ("getVariables".equals(m.getName())) {
                        refuseListSyntax(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
                    }
                }
            }
        }
    }

    /**
     * Asterisk reads each {@code Variable:} header as a list (manager.c's astman_get_variables:
     * split at commas, quotes and backslashes taken as list syntax), so a comma in a value would
     * cut it short and set whatever follows as a variable of its own.
     */
    private static void refuseListSyntax(String name, String value) {
        if (name.isEmpty() || name.chars().anyMatch(ch -> ch == '=' || ch == ',' || ch == '"' || ch == '\\' || ch == ' ')
                || value.chars().anyMatch(ch -> ch == ',' || ch == '"' || ch == '\\')) {
            throw new PbxValueRefusedException("The channel variable " + (name.chars().allMatch(ch -> ch > ' ' && ch < 127) ? name : "?")
                    + " holds a comma, a quote or a backslash, which Asterisk reads as list syntax: refused, nothing was sent"
                    + " to the PBX.");
        }
    }

    private static void refuse(String field, CharSequence value) {
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            if (ch == '\r' || ch == '\n' || ch == 0) {
                throw new PbxValueRefusedException("The " + field + " of an AMI action holds a line break or NUL: refused,"
                        + " nothing was sent to the PBX.");
            }
        }
    }
}
