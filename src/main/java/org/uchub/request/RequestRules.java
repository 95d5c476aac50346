package org.uchub.request;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.uchub.contract.Channel;
import org.uchub.contract.Document;
import org.uchub.contract.EndSessionRequest;
import org.uchub.contract.ModifySessionRequest;
import org.uchub.contract.Participant;
import org.uchub.contract.ParticipantList;
import org.uchub.contract.SessionOptions;
import org.uchub.contract.StartSessionRequest;

/**
 * The rules the XSD leaves to the hub, each with its own error code. Everything a request
 * carries that later reaches AMI, SMTP, SQL or a path is checked here first, by whitelist.
 */
public class RequestRules {
    static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    // With '+', E.164: a country code (never 0) and at most 15 digits in all; without, what a
    // PBX dials as it is (extensions, national numbers with their prefixes).
    static final Pattern NUMBER = Pattern.compile("\\+[1-9][0-9]{1,14}|[0-9]{2,20}");
    /** An RFC 2047 encoded-word: a mail client shows it decoded, so it can read as a different subject. */
    private static final Pattern ENCODED_WORD = Pattern.compile("=\\?[^?\\s]+\\?[bBqQ]\\?[^?\\s]*\\?=");
    // RFC 7622 in the shape real deployments use: local@domain/resource, no spaces or controls.
    // UNICODE_CHARACTER_CLASS: \s and \p{Cntrl} must also cover U+0085, U+2028 and friends.
    static final Pattern JID = Pattern.compile(
            "[^\\s\\p{Cntrl}\\p{Cf}\"&'/:<>@]{1,256}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*(?:/[^\\s\\p{Cntrl}\\p{Cf}]{1,256})?",
            Pattern.UNICODE_CHARACTER_CLASS);
    /** The longest address the session log stores. */
    static final int MAX_ADDRESS = 320;
    /** The session log's display_name column. */
    public static final int MAX_DISPLAY_NAME = 128;
    /** Column widths of the session log that configured limits must fit in. */
    static final int SUBJECT_COLUMN = 1000;
    static final int DETAIL_COLUMN = 4000;
    // RFC 5321 dot-atom local part and a DNS domain; quoted local parts are not accepted.
    static final Pattern EMAIL = Pattern.compile(
            "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+");
    static final Set<String> DOCUMENT_TYPES = Set.of("application/pdf", "image/tiff");

    private final int maxParticipants;
    private final int maxDocumentBytes;
    private final int maxTextLength;
    private final int maxSubjectLength;

    public RequestRules(int maxParticipants, int maxDocumentBytes, int maxTextLength, int maxSubjectLength) {
        if (maxSubjectLength > SUBJECT_COLUMN || maxTextLength > DETAIL_COLUMN) {
            throw new IllegalArgumentException("hub.rules.max-subject-length may be at most " + SUBJECT_COLUMN
                    + " and hub.rules.max-text-length at most " + DETAIL_COLUMN + ": the session log stores them whole");
        }
        this.maxParticipants = maxParticipants;
        this.maxDocumentBytes = maxDocumentBytes;
        this.maxTextLength = maxTextLength;
        this.maxSubjectLength = maxSubjectLength;
    }

    /**
     * The identifiers alone: what the ledger looks a repeated request up by. A request applied
     * before is answered with its first reply whatever else has changed since (its fax document
     * moved away with it, a person left the directory), so the rest is checked only after that.
     */
    public HubRequest checkIds(HubRequest request) {
        checkId(request.getBusinessId(), ErrorCode.INVALID_BUSINESS_ID, "businessId");
        if (request.getRequestId() != null) {
            checkId(request.getRequestId(), ErrorCode.INVALID_REQUEST_ID, "requestId");
        }
        if (request.getRequestedSessionId() != null) {
            checkId(request.getRequestedSessionId(), ErrorCode.INVALID_SESSION_ID, "sessionId");
        }
        return request;
    }

    public HubRequest check(HubRequest request) {
        checkIds(request);
        if (request.getPayload() instanceof StartSessionRequest start) {
            checkStart(start);
        } else if (request.getPayload() instanceof ModifySessionRequest modify) {
            checkModify(modify);
        } else if (request.getPayload() instanceof EndSessionRequest end) {
            checkSubjectLike(end.getReason(), "reason");
        }
        return request;
    }

    private void checkStart(StartSessionRequest start) {
        List<Participant> ps = start.getParticipants().getParticipant();
        checkParticipants(ps, "participants");
        if (ps.size() > maxParticipants) {
            throw reject(ErrorCode.TOO_MANY_PARTICIPANTS, "A session has at most " + maxParticipants + " participants; "
                    + ps.size() + " were given.");
        }
        SessionOptions o = start.getOptions();
        if (o != null) {
            checkSubject(o.getSubject());
            checkText(o.getText(), "options.text");
        }
        Channel channel = start.getChannel();
        if (channel == Channel.CALL && ps.size() != 2) {
            throw reject(ErrorCode.CALL_NEEDS_TWO_PARTIES, "A call connects exactly two participants; " + ps.size() + " were given.");
        }
        if (channel == Channel.FAX) {
            checkDocument(o == null ? null : o.getDocument());
        }
    }

    private void checkModify(ModifySessionRequest m) {
        int count = 0;
        for (ParticipantList list : new ParticipantList[] {m.getAdd(), m.getRemove(), m.getMute(), m.getUnmute()}) {
            if (list != null) {
                checkParticipants(list.getParticipant(), "participants");
                count += list.getParticipant().size();
            }
        }
        if (m.getAdd() != null && m.getAdd().getParticipant().size() > maxParticipants) {
            throw reject(ErrorCode.TOO_MANY_PARTICIPANTS, "At most " + maxParticipants + " participants can be added at once.");
        }
        checkText(m.getText(), "text");
        if (count == 0 && (m.getText() == null || m.getText().isEmpty())) {
            throw reject(ErrorCode.NOTHING_TO_MODIFY, "ModifySession names no participant to add, remove, mute or unmute and no text.");
        }
    }

    private void checkParticipants(List<Participant> ps, String where) {
        Set<String> seen = new HashSet<>();
        for (Participant p : ps) {
            String key = checkAddress(p);
            if (!seen.add(key)) {
                throw reject(ErrorCode.DUPLICATE_PARTICIPANT, "The participant " + key + " is named twice in " + where + ".");
            }
            if (p.getDisplayName() != null && !isDisplayName(p.getDisplayName())) {
                throw reject(ErrorCode.INVALID_TEXT, "displayName must be at most " + MAX_DISPLAY_NAME
                        + " characters without control characters.");
            }
        }
    }

    /**
     * Whether a name fits the session log's display_name column and an XML reply. Public because
     * names from the directory take the place of a request's displayName and must pass it too.
     */
    public static boolean isDisplayName(String name) {
        return name.length() <= MAX_DISPLAY_NAME && !hasControl(name, false);
    }

    /** Checks the one address of a participant and returns it in a comparable form. */
    public static String checkAddress(Participant p) {
        if (p.getNumber() != null) {
            return "number:" + checkNumber(p.getNumber());
        }
        if (p.getFax() != null) {
            return "fax:" + checkNumber(p.getFax());
        }
        if (p.getJid() != null) {
            if (p.getJid().length() > MAX_ADDRESS || !JID.matcher(p.getJid()).matches()) {
                throw reject(ErrorCode.INVALID_JID, "\"" + printable(p.getJid()) + "\" is not a valid JID (local@domain[/resource]).");
            }
            // Two resources of one account are one participant: the hub writes to the bare JID.
            return "jid:" + bareJid(p.getJid());
        }
        if (p.getEmail() != null) {
            if (p.getEmail().length() > 254 || !EMAIL.matcher(p.getEmail()).matches()) {
                throw reject(ErrorCode.INVALID_EMAIL, "\"" + printable(p.getEmail()) + "\" is not a valid e-mail address.");
            }
            return "email:" + p.getEmail().toLowerCase(Locale.ROOT);
        }
        if (p.getPersonId() != null) {
            checkId(p.getPersonId(), ErrorCode.INVALID_PERSON_ID, "personId");
            return "person:" + p.getPersonId();
        }
        throw reject(ErrorCode.SCHEMA_INVALID, "A participant needs one of number, jid, email, fax or personId.");
    }

    /** The JID without its resource, in the form JIDs are compared in ({@link JidForm}). */
    public static String bareJid(String jid) {
        return JidForm.bare(jid);
    }

    static String checkNumber(String n) {
        if (!NUMBER.matcher(n).matches()) {
            throw reject(ErrorCode.INVALID_NUMBER, "\"" + printable(n)
                    + "\" is not a phone number: + then an E.164 number (a country code, at most 15 digits), or 2 to 20 digits"
                    + " without +, nothing else.");
        }
        return n;
    }

    private static void checkId(String value, ErrorCode code, String field) {
        if (value == null || !ID.matcher(value).matches()) {
            throw reject(code, field + " must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_', ':' or '-'; got \""
                    + printable(value) + "\".");
        }
    }

    private void checkSubject(String subject) {
        checkSubjectLike(subject, "subject");
    }

    /** One line of text: no control characters, at most the subject length. */
    private void checkSubjectLike(String text, String field) {
        if (text == null) {
            return;
        }
        if (text.length() > maxSubjectLength) {
            throw reject(ErrorCode.TEXT_TOO_LONG, field + " has " + text.length() + " characters; the limit is " + maxSubjectLength + ".");
        }
        if (hasControl(text, false)) {
            throw reject(ErrorCode.INVALID_TEXT, field + " must be one line without control characters.");
        }
        // A fax's subject and reason go into a mail's Subject, and the gateway's report quotes it
        // back decoded: "=?UTF-8?Q?failed?=" would read as the verdict, or as another fax's token.
        if (ENCODED_WORD.matcher(text).find()) {
            throw reject(ErrorCode.INVALID_TEXT, field + " must not hold a MIME encoded-word (=?charset?Q?...?=); send the text itself.");
        }
    }

    private void checkText(String text, String field) {
        if (text == null) {
            return;
        }
        if (text.length() > maxTextLength) {
            throw reject(ErrorCode.TEXT_TOO_LONG, field + " has " + text.length() + " characters; the limit is " + maxTextLength + ".");
        }
        if (hasControl(text, true)) {
            throw reject(ErrorCode.INVALID_TEXT, field + " must not contain control characters other than line breaks and tabs.");
        }
    }

    private void checkDocument(Document d) {
        if (d != null && d.getContent() == null && d.getInboxFile() != null) {
            throw reject(ErrorCode.DOCUMENT_MISSING, "document.inboxFile names a file beside a request dropped in the inbox;"
                    + " a request over SOAP or JMS carries the document in document.content.");
        }
        if (d == null || d.getContent() == null || d.getContent().length == 0) {
            throw reject(ErrorCode.DOCUMENT_MISSING, "A fax needs options.document with the PDF or TIFF to send.");
        }
        String type = d.getMimeType() == null ? "" : d.getMimeType().trim().toLowerCase(Locale.ROOT);
        if (!DOCUMENT_TYPES.contains(type)) {
            throw reject(ErrorCode.DOCUMENT_TYPE_NOT_ALLOWED, "Document type \"" + printable(d.getMimeType())
                    + "\" is not allowed; send application/pdf or image/tiff.");
        }
        if (d.getContent().length > maxDocumentBytes) {
            throw reject(ErrorCode.DOCUMENT_TOO_LARGE, "The document has " + d.getContent().length + " bytes; the limit is "
                    + maxDocumentBytes + ".");
        }
        if (!contentMatches(type, d.getContent())) {
            throw reject(ErrorCode.DOCUMENT_TYPE_NOT_ALLOWED, "The document content is not a " + type + " file.");
        }
        if (d.getFileName() != null && !Pattern.matches("[A-Za-z0-9._-]{1,100}", d.getFileName())) {
            throw reject(ErrorCode.INVALID_TEXT, "document.fileName must be 1 to 100 characters of A-Z, a-z, 0-9, '.', '_' or '-'.");
        }
    }

    /** The document's magic bytes must agree with its declared type. */
    static boolean contentMatches(String type, byte[] c) {
        if (type.equals("application/pdf")) {
            return c.length >= 5 && c[0] == '%' && c[1] == 'P' && c[2] == 'D' && c[3] == 'F' && c[4] == '-';
        }
        return c.length >= 4 && ((c[0] == 'I' && c[1] == 'I' && c[2] == 42 && c[3] == 0)
                || (c[0] == 'M' && c[1] == 'M' && c[2] == 0 && c[3] == 42));
    }

    private static boolean hasControl(String s, boolean allowLineBreaks) {
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (allowLineBreaks && (ch == '\n' || ch == '\r' || ch == '\t')) {
                continue;
            }
            // U+FFFE and U+FFFF are no characters, and XML cannot carry them (stored replies,
            // the events topic); a bidi override (LRO, RLO) would turn a one-line field (a name,
            // a subject) around in a client's display, case number and all. Embeddings and
            // isolates stay allowed: names in Hebrew or Arabic exported from Office carry them.
            if (Character.isISOControl(ch) || ch == '\u2028' || ch == '\u2029' || ch == '\uFFFE' || ch == '\uFFFF'
                    || (!allowLineBreaks && (ch == '\u202D' || ch == '\u202E'))) {
                return true;
            }
            // A lone surrogate is no character at all; PostgreSQL and XML both refuse it.
            if (Character.isHighSurrogate(ch) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(ch)) {
                return true;
            }
        }
        return false;
    }

    /** Makes a rejected value safe to echo in an error message and a log line. */
    public static String printable(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && sb.length() < 80; i++) {
            char ch = s.charAt(i);
            boolean unsafe = Character.isISOControl(ch) || ch == '\u2028' || ch == '\u2029' || Character.isSurrogate(ch)
                    || ch == '\uFFFE' || ch == '\uFFFF' || (ch >= '\u202A' && ch <= '\u202E') || (ch >= '\u2066' && ch <= '\u2069');
            sb.append(unsafe ? String.format("\\u%04x", (int) ch) : ch);
        }
        return sb.toString();
    }

    private static RequestRejectedException reject(ErrorCode code, String message) {
        return new RequestRejectedException(code, message);
    }

}
