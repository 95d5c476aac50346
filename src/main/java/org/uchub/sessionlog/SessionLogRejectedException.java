package org.uchub.sessionlog;

/** The database refused a statement for its data; retrying would fail the same way. */
public class SessionLogRejectedException extends RuntimeException {
    public SessionLogRejectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
