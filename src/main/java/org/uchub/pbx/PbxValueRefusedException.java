package org.uchub.pbx;

/** A value that must never reach AMI (it would split the action on the wire). */
public class PbxValueRefusedException extends IllegalArgumentException {
    public PbxValueRefusedException(String message) {
        super(message);
    }
}
