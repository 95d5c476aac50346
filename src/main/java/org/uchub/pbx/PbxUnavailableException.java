package org.uchub.pbx;

/** The PBX could not be asked: not connected, or it did not answer in time. */
public class PbxUnavailableException extends RuntimeException {
    public PbxUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
