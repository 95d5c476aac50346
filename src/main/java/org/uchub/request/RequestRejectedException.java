package org.uchub.request;

/** A request the hub will not apply, with the contract's error code and a message for people. */
public class RequestRejectedException extends RuntimeException {
    private final ErrorCode code;
    private final Integer line;
    private final Integer column;

    public RequestRejectedException(ErrorCode code, String message) {
        this(code, message, null, null);
    }

    public RequestRejectedException(ErrorCode code, String message, Integer line, Integer column) {
        super(message, null, false, false);
        this.code = code;
        this.line = line;
        this.column = column;
    }

    public ErrorCode getCode() {
        return code;
    }

    public Integer getLine() {
        return line;
    }

    public Integer getColumn() {
        return column;
    }
}
