package org.uchub.pbx;

import org.asteriskjava.manager.event.AbstractConfbridgeEvent;

/** Asterisk's ConfbridgeRecord event (a conference started recording), which Asterisk-Java does not know; registered on the connection. */
public class ConfbridgeRecordEvent extends AbstractConfbridgeEvent {
    private static final long serialVersionUID = 1L;

    public ConfbridgeRecordEvent(Object source) {
        super(source);
    }
}
