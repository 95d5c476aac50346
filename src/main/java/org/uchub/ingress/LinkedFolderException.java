package org.uchub.ingress;

/**
 * A folder a request or its reply would go into is a link: the request waits in the inbox,
 * retried like an outage of the session log, until a person has made it a folder again.
 */
public class LinkedFolderException extends RuntimeException {
    public LinkedFolderException(String message) {
        super(message);
    }
}
