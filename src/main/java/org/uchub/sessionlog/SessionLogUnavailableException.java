package org.uchub.sessionlog;

/** The database behind the session log failed; the request was not applied and can be retried. */
public class SessionLogUnavailableException extends RuntimeException {
    public SessionLogUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
