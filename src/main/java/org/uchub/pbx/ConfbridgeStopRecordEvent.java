package org.uchub.pbx;

import org.asteriskjava.manager.event.AbstractConfbridgeEvent;

/** Asterisk's ConfbridgeStopRecord event (a conference stopped recording), which Asterisk-Java does not know; registered on the connection. */
public class ConfbridgeStopRecordEvent extends AbstractConfbridgeEvent {
    private static final long serialVersionUID = 1L;

    public ConfbridgeStopRecordEvent(Object source) {
        super(source);
    }
}
