package org.uchub.pbx.sim;

import java.util.HashMap;
import java.util.Map;

/**
 * What the simulated far end does when a number is dialled, from configuration such as
 * {@code 201=busy,202=no-answer,203=congestion,204=unreachable,205=hangup-after-3,*=answer}.
 * Numbers without an entry take the {@code *} entry, or answer.
 */
public final class CallScript {
    /** The outcomes a real line produces. */
    public enum Kind { ANSWER, BUSY, NO_ANSWER, CONGESTION, UNREACHABLE }

    /** @param hangupAfterMs for an answered call, when the far end hangs up by itself; 0: never */
    public record Outcome(Kind kind, long hangupAfterMs) {
    }

    private final Map<String, Outcome> byNumber = new HashMap<>();
    private final Outcome fallback;

    public CallScript(String spec) {
        Outcome any = new Outcome(Kind.ANSWER, 0);
        if (spec != null) {
            for (String entry : spec.split(",")) {
                String e = entry.trim();
                if (e.isEmpty()) {
                    continue;
                }
                int eq = e.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("simulator script entry \"" + e + "\" is not <number>=<outcome>");
                }
                String number = e.substring(0, eq).trim();
                Outcome o = parse(e.substring(eq + 1).trim());
                if ("*".equals(number)) {
                    any = o;
                } else {
                    byNumber.put(number, o);
                }
            }
        }
        fallback = any;
    }

    static Outcome parse(String s) {
        if (s.startsWith("hangup-after-")) {
            return new Outcome(Kind.ANSWER, (long) (Double.parseDouble(s.substring("hangup-after-".length())) * 1000));
        }
        return switch (s) {
            case "answer" -> new Outcome(Kind.ANSWER, 0);
            case "busy" -> new Outcome(Kind.BUSY, 0);
            case "no-answer" -> new Outcome(Kind.NO_ANSWER, 0);
            case "congestion" -> new Outcome(Kind.CONGESTION, 0);
            case "unreachable" -> new Outcome(Kind.UNREACHABLE, 0);
            default -> throw new IllegalArgumentException("unknown simulator outcome \"" + s
                    + "\": answer, busy, no-answer, congestion, unreachable or hangup-after-<seconds>");
        };
    }

    public Outcome outcomeFor(String number) {
        return byNumber.getOrDefault(number, fallback);
    }
}
