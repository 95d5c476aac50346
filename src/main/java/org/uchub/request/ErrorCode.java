package org.uchub.request;

/**
 * The stable error codes of the contract. Business systems switch on these names, so a
 * code is never renamed or reused for another meaning; new ones may be added.
 */
public enum ErrorCode {
    UNKNOWN_TENANT(true),
    UNAUTHENTICATED(true),
    UNSUPPORTED_MESSAGE_TYPE(true),
    MALFORMED_REQUEST(true),
    DTD_NOT_ALLOWED(true),
    REQUEST_TOO_LARGE(true),
    FILE_NAME_TOO_LONG(true),
    UNKNOWN_OPERATION(true),
    SCHEMA_INVALID(true),
    INVALID_BUSINESS_ID(true),
    INVALID_REQUEST_ID(true),
    INVALID_SESSION_ID(true),
    INVALID_NUMBER(true),
    INVALID_JID(true),
    INVALID_EMAIL(true),
    INVALID_PERSON_ID(true),
    INVALID_TEXT(true),
    TEXT_TOO_LONG(true),
    TOO_MANY_PARTICIPANTS(true),
    DUPLICATE_PARTICIPANT(true),
    ADDRESS_NOT_SUPPORTED_BY_CHANNEL(true),
    CALL_NEEDS_TWO_PARTIES(true),
    NOTHING_TO_MODIFY(true),
    DOCUMENT_MISSING(true),
    DOCUMENT_TOO_LARGE(true),
    DOCUMENT_TYPE_NOT_ALLOWED(true),
    FAX_NUMBER_MISSING(true),
    JID_MISSING(true),
    UNKNOWN_PERSON(true),
    PERSON_NOT_REACHABLE(true),
    NOT_FOUND(true),
    SESSION_ENDED(true),
    PARTICIPANT_NOT_FOUND(true),
    NO_RECORDING(true),
    RECORDING_TOO_LARGE(true),
    PARTICIPANT_ALREADY_PRESENT(true),
    REQUEST_ID_REUSED(true),
    POOL_EXHAUSTED(false),
    REQUEST_IN_PROGRESS(false),
    SERVICE_UNAVAILABLE(false),
    XMPP_NOT_CONFIGURED(false),
    XMPP_UNAVAILABLE(false),
    FAX_NOT_CONFIGURED(false),
    FAX_SEND_FAILED(false),
    INTERNAL_ERROR(false);

    private final boolean callerFault;

    ErrorCode(boolean callerFault) {
        this.callerFault = callerFault;
    }

    /** True when the caller must change the request; false when the hub could not serve it. */
    public boolean isCallerFault() {
        return callerFault;
    }
}
