package org.uchub.fax;

import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.camel.Exchange;
import org.apache.camel.component.mail.MailMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.uchub.sessionlog.ChannelProgress;
import org.uchub.sessionlog.SessionLogUnavailableException;
import org.uchub.sessionlog.SessionUpdate;

/**
 * Reads the gateway's status mails (bean {@code faxReports}): finds the fax a mail is about
 * (the token in its subject, its In-Reply-To or References, or the original headers quoted
 * in a bounce), decides delivered or failed, and logs it under the fax's business ID. The
 * verdict goes to the header {@code ucFaxMatched}; the route files the mail accordingly.
 * A mail that cannot be read is unmatched, never an error: a broken mail must not stop the
 * poller. Only the session log being away is an error, so the mail is read again later.
 */
public class FaxReports {
    public static final String MATCHED = "ucFaxMatched";
    private static final Logger LOG = LoggerFactory.getLogger(FaxReports.class);
    private static final Pattern TOKEN = Pattern.compile("\\[uc-fax:([0-9A-Za-z-]{1,64}):(\\d{1,18})\\]");
    private static final Pattern MESSAGE_ID = Pattern.compile("<uc-fax\\.(\\d{1,18})\\.[^<>@\\s]{1,64}@[^<>\\s]{1,255}>");
    /** Lines that give a failure's reason, the most telling label first. */
    private static final List<Pattern> REASONS = java.util.stream.Stream.of("reason", "cause", "error", "diagnostic-code", "status",
            "result").map(l -> Pattern.compile("(?im)^\\s*" + l + "\\s*[:=]\\s*(.+)$")).toList();
    /** The most of a report's text (and of the headers it quotes) the hub reads; the rest is never fetched. */
    static final int MAX_TEXT = 256 * 1024;

    private final FaxSettings settings;
    private final FaxOutbox outbox;
    private final ChannelProgress progress;
    private final FaxChannel channel;

    public FaxReports(FaxSettings settings, FaxOutbox outbox, ChannelProgress progress, FaxChannel channel) {
        this.settings = settings;
        this.outbox = outbox;
        this.progress = progress;
        this.channel = channel;
    }

    /** The subject token that ties a report to its fax: the session and the participant the fax went to. */
    static String token(String sessionId, long participantId) {
        return "[uc-fax:" + sessionId + ":" + participantId + "]";
    }

    /**
     * A mail as the hub reads it. {@code dsnActions} are the Action fields of a delivery
     * status notification (RFC 3464) from a mail server: failed, delayed, delivered, relayed.
     */
    /**
     * @param text what the report itself says (its verdict is read here)
     * @param quoted the original mail's headers it quotes (message/rfc822, text/rfc822-headers):
     *     they name the fax but say nothing about it, and carry the request's own words
     * @param fromAddress the sender's bare address, without its display name, which anyone chooses
     */
    record Report(String subject, List<String> referencedIds, String text, String quoted, Date date, String from, String fromAddress,
            List<String> dsnActions) {
    }

    public void record(Exchange exchange) {
        MailMessage in = exchange.getIn(MailMessage.class);
        exchange.getIn().setHeader(MATCHED, record(in == null ? null : in.getOriginalMessage()));
    }

    /** Logs what the mail says about its fax; whether it was logged under one (else it is for a person). */
    boolean record(Message mail) {
        if (mail != null && !fromGateway(mail)) {
            return false;
        }
        String key = mail == null ? null : reportKey(mail);
        java.util.Set<String> logged = key == null ? java.util.Set.of() : outbox.reportEvents(key);
        if (logged.stream().anyMatch(e -> !e.equals(UNREADABLE))) {
            // Logged at an earlier poll (or by the hub before a restart), but the mail server did
            // not let it be moved away (a folder it will not create, a full quota).
            LOG.warn("The fax report {} was logged before but is still in the status folder: moving it to fax.status.done-folder"
                    + " failed; see the mail consumer's warning", messageId(mail));
            return true;
        }
        Report report = mail == null ? null : read(mail, brokenReads);
        boolean matched;
        try {
            matched = report != null && file(report, key, logged);
        } catch (SessionLogUnavailableException e) {
            throw e; // the mail stays in the folder and is read again at the next poll
        } catch (RuntimeException e) {
            // Anything else would fail this mail at every poll: a person looks at it instead.
            LOG.warn("A fax report (subject \"{}\") could not be filed: {}", report.subject(), e.toString());
            matched = false;
        }
        return matched;
    }

    /**
     * Whether the mail's sender is one fax.status.accept-from lets in, asked of its headers
     * alone: a stranger's mail is filed for a person without its body ever being fetched.
     */
    private boolean fromGateway(Message mail) {
        String from;
        String address;
        String subject;
        try {
            subject = FaxText.headerSafe(mail.getSubject());
            jakarta.mail.Address sender = mail.getFrom() == null || mail.getFrom().length == 0 ? null : mail.getFrom()[0];
            from = sender == null ? "(no sender)" : FaxText.headerSafe(sender.toString());
            address = sender instanceof jakarta.mail.internet.InternetAddress ia && ia.getAddress() != null
                    ? FaxText.headerSafe(ia.getAddress()) : "";
        } catch (MessagingException | RuntimeException e) {
            // Unreadable headers: read() below decides whether the connection or the mail is at fault.
            return true;
        }
        if (settings.acceptsSender(address)) {
            return true;
        }
        LOG.warn("A mail from {} (subject \"{}\") is not from the gateway (fax.status.accept-from, matched against the whole address"
                + " and its @domain {}): filed for a person to look at, unread", from, subject, address);
        return false;
    }

    private static final String UNREADABLE = "FAX_REPORT_UNREADABLE";

    /**
     * Logs what the report says about its fax; false when it belongs to no fax or says nothing
     * clear. {@code key} names the mail in {@code uc_fax_report} (null: not kept), and
     * {@code logged} are the events already logged for it.
     */
    boolean file(Report report, String key, java.util.Set<String> logged) {
        if (!settings.acceptsSender(report.fromAddress())) {
            LOG.warn("A mail from {} (subject \"{}\") is not from the gateway (fax.status.accept-from, matched against the whole address and its @domain"
                    + " {}): filed for a person to look at", report.from(), report.subject(), report.fromAddress());
            return false;
        }
        Optional<FaxOutbox.Fax> found = find(report);
        if (found.isEmpty()) {
            LOG.warn("Unmatched fax report from {} (subject \"{}\"): no fax of the hub is named in it; filed for a person to look at",
                    report.from(), report.subject());
            return false;
        }
        FaxOutbox.Fax fax = found.get();
        if (fax.state().equals(FaxOutbox.DELIVERED) || fax.state().equals(FaxOutbox.FAILED)) {
            LOG.info("A further report about fax {} (already {}): \"{}\"", fax.id(), fax.state(), report.subject());
            return true;
        }
        String at = report.date() == null ? "" : ", reported at " + report.date().toInstant().atOffset(ZoneOffset.UTC);
        // The hub's own subject is quoted back; words in it (a request's subject) are not the gateway's verdict.
        String subject = OwnSubjectQuote.removeFrom(report.subject(), fax.subject());
        String text = OwnSubjectQuote.removeFrom(report.text(), fax.subject());
        Boolean delivered;
        if (!report.dsnActions().isEmpty()) {
            // A mail server's notice about the mail itself: only a failure says something about the fax.
            if (!report.dsnActions().contains("failed")) {
                logOnce(key, logged, fax, SessionUpdate.participant(fax.sessionId(), fax.participantId(), null, "FAX_MAIL_NOTICE",
                        FaxChannel.SOURCE, "A mail server reports the fax mail to " + fax.recipient() + " as "
                                + String.join(", ", report.dsnActions()) + at));
                return true;
            }
            delivered = false;
        } else {
            delivered = verdict(subject);
            if (delivered == null) {
                delivered = verdict(text);
            }
        }
        if (delivered == null) {
            logOnce(key, logged, fax, SessionUpdate.participant(fax.sessionId(), fax.participantId(), null, UNREADABLE, FaxChannel.SOURCE,
                    "A report about the fax to " + fax.number() + " says neither delivered nor failed (subject \""
                            + clip(report.subject(), 200) + "\"" + at + "); it is filed for a person to look at"));
            return false;
        }
        if (delivered) {
            String pages = pages(subject, text).map(p -> p + (p.equals("1") ? " page" : " pages")).orElse("pages not stated");
            logOnce(key, logged, fax, SessionUpdate.participant(fax.sessionId(), fax.participantId(), ChannelProgress.DELIVERED, "FAX_DELIVERED",
                    FaxChannel.SOURCE, "Delivered to " + fax.number() + ": " + pages + at), FaxOutbox.DELIVERED);
        } else {
            logOnce(key, logged, fax, SessionUpdate.participant(fax.sessionId(), fax.participantId(), ChannelProgress.FAILED, "FAX_FAILED",
                    FaxChannel.SOURCE, "The gateway could not deliver the fax to " + fax.number() + ": " + reason(report) + at),
                    FaxOutbox.FAILED);
        }
        // The session's end is a write of its own: should it fail, the fax-retry timer's sweep ends it.
        channel.finishIfSettled(fax.sessionId());
        return true;
    }

    /**
     * Logs the report's news unless this mail had it logged before, and notes that it did in
     * the same transaction: read again at every poll (a move the server refuses) or after a
     * restart, a report tells its news once.
     */
    private void logOnce(String key, java.util.Set<String> logged, FaxOutbox.Fax fax, SessionUpdate news) {
        logOnce(key, logged, fax, news, null);
    }

    /** {@link #logOnce}, settling the fax (unless {@code settleTo} is null) in the same transaction as its news. */
    private void logOnce(String key, java.util.Set<String> logged, FaxOutbox.Fax fax, SessionUpdate news, String settleTo) {
        if (key != null && logged.contains(news.eventType())) {
            LOG.info("The fax report {} about fax {} was logged before ({}): not again", key, fax.id(), news.eventType());
            return;
        }
        progress.apply(news, c -> {
            if (key != null) {
                FaxOutbox.reportLogged(c, key, news.eventType(), fax);
            }
            if (settleTo != null) {
                FaxOutbox.settle(c, fax.id(), settleTo);
            }
            return null;
        });
    }

    private Optional<FaxOutbox.Fax> find(Report report) {
        // The mail it answers first: that is the strongest tie; then the token in the subject.
        Optional<FaxOutbox.Fax> f = Optional.empty();
        for (int i = 0; f.isEmpty() && i < report.referencedIds().size(); i++) {
            f = byMessageId(report.referencedIds().get(i));
        }
        if (f.isEmpty()) {
            f = byToken(report.subject());
        }
        if (f.isEmpty()) {
            f = byToken(report.quoted() + "\n" + report.text()); // a bounce quotes the original headers
        }
        if (f.isEmpty()) {
            Matcher m = MESSAGE_ID.matcher(report.quoted() + "\n" + report.text());
            while (f.isEmpty() && m.find()) {
                f = byMessageId(m.group());
            }
        }
        // A fax never mailed cannot have a report: whoever claims so is not the gateway.
        return f.filter(x -> x.sentAt() != null);
    }

    private Optional<FaxOutbox.Fax> byToken(String s) {
        Matcher m = TOKEN.matcher(s == null ? "" : s);
        while (m.find()) {
            String session = m.group(1);
            long participant = Long.parseLong(m.group(2));
            Optional<FaxOutbox.Fax> f = outbox.ofSession(session).stream().filter(x -> x.participantId() == participant).findFirst();
            if (f.isPresent()) {
                return f;
            }
        }
        return Optional.empty();
    }

    private Optional<FaxOutbox.Fax> byMessageId(String id) {
        return MESSAGE_ID.matcher(id).matches() ? outbox.byMessageId(id) : Optional.empty();
    }

    /** False for a failure, true for a delivery, null when the text says neither. A failure wins: "not delivered". */
    Boolean verdict(String s) {
        if (s == null || s.isBlank()) {
            return null;
        }
        if (settings.failedPattern().matcher(s).find()) {
            return false;
        }
        return settings.deliveredPattern().matcher(s).find() ? true : null;
    }

    private Optional<String> pages(String subject, String text) {
        for (String s : new String[] {subject, text}) {
            Matcher m = settings.pagesPattern().matcher(s == null ? "" : s);
            if (m.find()) {
                for (int g = 1; g <= m.groupCount(); g++) {
                    if (m.group(g) != null) {
                        return Optional.of(String.valueOf(Integer.parseInt(m.group(g))));
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static String reason(Report report) {
        for (Pattern p : REASONS) {
            Matcher m = p.matcher(report.text());
            if (m.find()) {
                return clip(FaxText.headerSafe(m.group(1)), 300);
            }
        }
        return clip(FaxText.headerSafe(report.subject()), 300);
    }

    // ------------------------------------------------------------------ reading a mail

    /** How often each report (by Message-ID) broke the mailbox connection while it was read; bounded. */
    private final Map<String, Integer> brokenReads = org.uchub.support.Bounded.map(1000);

    /** A report whose reading broke the connection this often is taken for one that breaks it every time. */
    static final int BROKEN_READS = 3;

    /** The parts of a mail the hub needs; null when it cannot be read at all. */
    static Report read(Message mail) {
        return read(mail, new java.util.HashMap<>());
    }

    /**
     * As {@link #read(Message)}; a read that breaks off with the mailbox connection throws, so
     * that the report stays for the next poll, at most {@link #BROKEN_READS} times per report:
     * a mail whose reading drops the connection every time (some servers do that with broken
     * ones) would otherwise hold up the folder for ever.
     */
    static Report read(Message mail, Map<String, Integer> brokenReads) {
        // Only a read that began on an open folder counts against the mail: after another mail
        // broke the connection, the rest of that poll fails at once, through no fault of theirs.
        boolean openAtStart = mail.getFolder() == null || mail.getFolder().isOpen();
        try {
            String subject = FaxText.headerSafe(mail.getSubject());
            List<String> ids = new ArrayList<>();
            for (String header : new String[] {"In-Reply-To", "References"}) {
                String[] values = mail.getHeader(header);
                if (values != null) {
                    for (String v : values) {
                        Matcher m = Pattern.compile("<[^<>\\s]{1,400}>").matcher(v);
                        while (m.find()) {
                            ids.add(m.group());
                        }
                    }
                }
            }
            StringBuilder text = new StringBuilder();
            StringBuilder quoted = new StringBuilder();
            List<String> actions = new ArrayList<>();
            collect(mail, text, quoted, actions, 0);
            jakarta.mail.Address sender = mail.getFrom() == null || mail.getFrom().length == 0 ? null : mail.getFrom()[0];
            String from = sender == null ? "(no sender)" : FaxText.headerSafe(sender.toString());
            String fromAddress = sender instanceof jakarta.mail.internet.InternetAddress ia && ia.getAddress() != null
                    ? FaxText.headerSafe(ia.getAddress()) : "";
            Report read = new Report(subject, ids, text.toString(), quoted.toString(), mail.getSentDate(), from, fromAddress, actions);
            if (!brokenReads.isEmpty()) {
                brokenReads.remove(messageId(mail));
            }
            return read;
        } catch (MessagingException | IOException | RuntimeException e) {
            if (connectionTrouble(e) && !openAtStart) {
                throw new IllegalStateException("The connection to the fax status mailbox was gone when a report was to be read; it is"
                        + " read at the next poll: " + e, e);
            }
            String key = connectionTrouble(e) ? messageId(mail) : null;
            if (key != null && brokenReads.merge(key, 1, Integer::sum) < BROKEN_READS) {
                // Not the mail's fault, most likely: it stays in the folder and is read again at the next poll.
                throw new IllegalStateException("The connection to the fax status mailbox broke while a report was read; it is read"
                        + " again at the next poll: " + e, e);
            }
            if (key != null) {
                brokenReads.remove(key);
            }
            LOG.warn("A mail in the fax status folder cannot be read ({}): filed for a person to look at", e.toString());
            return null;
        }
    }

    /**
     * A report as the hub knows it again, from its headers alone: a digest of its Message-ID,
     * date and subject (some gateways give one id to all reports of a job), or of all its
     * header lines when it has no Message-ID. Null when its headers cannot be read.
     */
    static String reportKey(Message mail) {
        try {
            StringBuilder b = new StringBuilder();
            String id = messageId(mail);
            if (id != null) {
                b.append(id).append('\n').append(mail.getSentDate()).append('\n').append(mail.getSubject());
            } else {
                for (java.util.Enumeration<jakarta.mail.Header> h = mail.getAllHeaders(); h.hasMoreElements();) {
                    jakarta.mail.Header x = h.nextElement();
                    b.append(x.getName()).append(": ").append(x.getValue()).append('\n');
                }
            }
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(b.toString().getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d);
        } catch (MessagingException | java.security.NoSuchAlgorithmException | RuntimeException e) {
            return null;
        }
    }

    private static String messageId(Message mail) {
        try {
            String[] id = mail.getHeader("Message-ID");
            return id == null || id.length == 0 ? null : id[0];
        } catch (MessagingException | RuntimeException e) {
            return null;
        }
    }

    /** Whether reading failed for the connection (closed folder or store, socket), not for the mail itself. */
    static boolean connectionTrouble(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof jakarta.mail.FolderClosedException || t instanceof jakarta.mail.StoreClosedException
                    || t instanceof java.net.SocketException || t instanceof java.net.SocketTimeoutException
                    || t instanceof org.eclipse.angus.mail.iap.ConnectionException) {
                return true;
            }
            if (t instanceof MessagingException m && m.getNextException() != null && m.getNextException() != t.getCause()
                    && connectionTrouble(m.getNextException())) {
                return true;
            }
        }
        return false;
    }

    private static void collect(Part p, StringBuilder out, StringBuilder quoted, List<String> actions, int depth)
            throws MessagingException, IOException {
        if (depth > 8) {
            return;
        }
        if (p.isMimeType("multipart/*")) {
            Multipart mp = (Multipart) p.getContent();
            for (int i = 0; i < mp.getCount(); i++) {
                collect(mp.getBodyPart(i), out, quoted, actions, depth + 1);
            }
        } else if (p.isMimeType("message/rfc822") && p.getContent() instanceof Part inner) {
            // A bounce or report that carries the original mail: its headers name the fax. Its
            // text is the hub's own (the cover text) and says nothing about the outcome.
            for (String h : new String[] {"Subject", "Message-ID"}) {
                String[] v = inner.getHeader(h);
                if (v != null && quoted.length() < MAX_TEXT) {
                    quoted.append(h).append(": ").append(readable(String.join(" ", v))).append('\n');
                }
            }
        } else if (p.isMimeType("text/rfc822-headers")) {
            if (quoted.length() >= MAX_TEXT) {
                return;
            }
            try (InputStream is = p.getInputStream()) {
                quoted.append(readable(new String(is.readNBytes(MAX_TEXT - quoted.length()), StandardCharsets.UTF_8))).append('\n');
            }
        } else if (p.isMimeType("text/*") || p.isMimeType("message/delivery-status") || p.isMimeType("message/global-delivery-status")) {
            if (out.length() >= MAX_TEXT) {
                return;
            }
            String s = ReportPartText.read(p, MAX_TEXT - out.length());
            if (p.isMimeType("message/delivery-status") || p.isMimeType("message/global-delivery-status")) {
                Matcher a = Pattern.compile("(?im)^\\s*Action\\s*:\\s*([a-z]+)").matcher(s);
                while (a.find()) {
                    actions.add(a.group(1).toLowerCase(java.util.Locale.ROOT));
                }
            }
            if (p.isMimeType("text/html")) {
                s = ReportPartText.htmlAsText(s);
            }
            out.append(s, 0, Math.min(s.length(), MAX_TEXT - out.length())).append('\n');
        }
    }

    /** Quoted header text as it was meant: folded lines joined, RFC 2047 words decoded (a token may be in one). */
    private static String readable(String raw) {
        String unfolded = jakarta.mail.internet.MimeUtility.unfold(raw);
        try {
            return jakarta.mail.internet.MimeUtility.decodeText(unfolded);
        } catch (java.io.UnsupportedEncodingException | RuntimeException e) {
            return unfolded;
        }
    }

    private static String clip(String s, int max) {
        return s == null ? "" : s.length() <= max ? s : s.substring(0, max) + "...";
    }
}
