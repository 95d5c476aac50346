package org.uchub.request;

import org.uchub.contract.EndSessionRequest;
import org.uchub.contract.ModifySessionRequest;
import org.uchub.contract.GetRecordingRequest;
import org.uchub.contract.QuerySessionLogRequest;
import org.uchub.contract.RequestBase;
import org.uchub.contract.StartSessionRequest;

/** The five operations of the contract, with their element names and request types. */
public enum Action {
    START("StartSession", StartSessionRequest.class),
    MODIFY("ModifySession", ModifySessionRequest.class),
    END("EndSession", EndSessionRequest.class),
    QUERY("QuerySessionLog", QuerySessionLogRequest.class),
    RECORDING("GetRecording", GetRecordingRequest.class);

    private final String element;
    private final Class<? extends RequestBase> type;

    Action(String element, Class<? extends RequestBase> type) {
        this.element = element;
        this.type = type;
    }

    public String element() {
        return element;
    }

    public String responseElement() {
        return element + "Response";
    }

    public Class<? extends RequestBase> type() {
        return type;
    }

    /** The route key used by the dispatcher, e.g. {@code direct:session-start}. */
    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Whether the operation changes a session (and so is applied at most once per requestId). */
    public boolean changes() {
        return this == START || this == MODIFY || this == END;
    }

    public static Action forElement(String name) {
        for (Action a : values()) {
            if (a.element.equals(name)) {
                return a;
            }
        }
        return null;
    }

    public static Action forType(Class<?> type) {
        for (Action a : values()) {
            if (a.type == type) {
                return a;
            }
        }
        return null;
    }
}
