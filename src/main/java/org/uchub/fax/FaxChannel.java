package org.uchub.fax;

import jakarta.mail.MessagingException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.Exchange;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.uchub.contract.Document;
import org.uchub.contract.ModifySessionRequest;
import org.uchub.contract.ReplyStatus;
import org.uchub.contract.SessionOptions;
import org.uchub.contract.StartSessionRequest;
import org.uchub.request.ErrorCode;
import org.uchub.request.HubRequest;
import org.uchub.request.ResolvedParticipant;
import org.uchub.sessionlog.ChannelProgress;
import org.uchub.sessionlog.ChannelProgress.Party;
import org.uchub.sessionlog.ChannelProgress.Running;
import org.uchub.sessionlog.SessionLog;
import org.uchub.sessionlog.SessionUpdate;

/**
 * The fax channel (bean {@code fax}): one fax per recipient number, queued in the fax outbox
 * before anything is mailed; the route {@code fax-send} mails what is due and reports back
 * here. An SMTP server that is away or answers "try later" is retried with back-off until the
 * give-up time; one that refuses for good (5xx) fails the fax at once with its answer.
 */
public class FaxChannel {
    static final String SOURCE = "fax";
    private static final Logger LOG = LoggerFactory.getLogger(FaxChannel.class);

    private final FaxSettings settings;
    private final FaxOutbox outbox;
    private final FaxMail mail;
    private final ChannelProgress progress;

    /** Where claims are kept fresh while their fax is being mailed, and how often. */
    private final java.util.concurrent.ScheduledExecutorService claimKeeper;
    private final long renewEveryMs;
    private static final String HEARTBEAT = "ucFaxClaimKept";

    public FaxChannel(FaxSettings settings, FaxOutbox outbox, FaxMail mail, ChannelProgress progress,
            java.util.concurrent.ScheduledExecutorService claimKeeper, long renewEveryMs) {
        this.settings = settings;
        this.outbox = outbox;
        this.mail = mail;
        this.progress = progress;
        this.claimKeeper = claimKeeper;
        this.renewEveryMs = renewEveryMs;
    }

    /**
     * Keeps the claim on a fax fresh while it is mailed, however long the mail server takes: a
     * claim that goes stale is taken for a sender that died, and the fax is mailed again.
     */
    public void keepClaimed(Exchange exchange) {
        FaxOutbox.Fax f = exchange.getProperty("ucFax", FaxOutbox.Fax.class);
        if (f == null) {
            return;
        }
        exchange.setProperty(HEARTBEAT, claimKeeper.scheduleWithFixedDelay(() -> {
            try {
                outbox.renewClaim(f);
            } catch (RuntimeException e) {
                LOG.warn("The claim on fax {} could not be renewed while it is mailed ({})", f.id(), e.toString());
            }
        }, renewEveryMs, renewEveryMs, java.util.concurrent.TimeUnit.MILLISECONDS));
    }

    /** The mail server has answered (or not): the claim needs no keeping any more. */
    public void stopKeeping(Exchange exchange) {
        if (exchange.getProperty(HEARTBEAT) instanceof java.util.concurrent.ScheduledFuture<?> beat) {
            beat.cancel(false);
            exchange.removeProperty(HEARTBEAT);
        }
    }

    // ------------------------------------------------------------------ requests

    public HubRequest start(HubRequest r) {
        if (!settings.configured()) {
            return notConfigured(r);
        }
        Running s = progress.running(r.getSessionId()).orElseThrow();
        SessionOptions o = ((StartSessionRequest) r.getPayload()).getOptions();
        Document d = o.getDocument();
        String fileName = d.getFileName() != null ? d.getFileName() : FaxText.defaultFileName(s.businessId(), d.getMimeType());
        List<FaxOutbox.NewFax> faxes = new ArrayList<>();
        for (Party p : s.parties()) {
            faxes.add(newFax(s, p, o.getSubject(), o.getText()));
        }
        outbox.add(s.sessionId(), new FaxOutbox.Document(fileName, d.getMimeType().trim().toLowerCase(java.util.Locale.ROOT),
                d.getContent()), faxes);
        r.outcome(ReplyStatus.ACCEPTED, faxes.size() == 1 ? "The fax to " + faxes.get(0).number() + " is queued for the gateway"
                : faxes.size() + " faxes are queued for the gateway, one per number" + "; sending, delivery and failure are logged.");
        return r;
    }

    /** Added numbers get the session's document; a removed number's fax is cancelled if it was not mailed yet. */
    public HubRequest change(HubRequest r) {
        if (!settings.configured()) {
            return notConfigured(r);
        }
        Running s = progress.running(r.getSessionId()).orElseThrow();
        String text = ((ModifySessionRequest) r.getPayload()).getText();
        List<String> said = new ArrayList<>();
        List<FaxOutbox.NewFax> faxes = new ArrayList<>();
        for (ResolvedParticipant added : r.getAdded()) {
            faxes.add(newFax(s, s.party(added.address()), null, text));
        }
        if (!faxes.isEmpty()) {
            FaxOutbox.Document d = outbox.document(s.sessionId()).orElseThrow();
            outbox.add(s.sessionId(), d, faxes);
            said.add(faxes.size() + " more fax(es) queued");
        }
        for (ResolvedParticipant removed : r.getRemoved()) {
            Party p = s.party(removed.address());
            boolean cancelled = false;
            for (FaxOutbox.Fax f : outbox.pending(s.sessionId(), p.id())) {
                cancelled |= progress.applyIf(c -> FaxOutbox.cancelPending(c, f.id()), SessionUpdate.session(s.sessionId(), null,
                        "FAX_CANCELLED", SOURCE, "The fax to " + f.number() + " was cancelled before it was mailed"));
            }
            said.add(cancelled ? "the fax to " + p.address() + " is cancelled"
                    : "the fax to " + p.address() + " is already with the gateway and cannot be recalled");
        }
        if (!r.getRemoved().isEmpty()) {
            finishIfSettled(s.sessionId()); // what was cancelled may have been all the session still waited for
        }
        r.outcome(ReplyStatus.ACCEPTED, said.isEmpty() ? "Recorded; a fax already sent cannot be changed, so nothing was sent."
                : String.join("; ", said) + ".");
        return r;
    }

    /** EndSession, after the log closed the session: faxes not mailed yet are cancelled; mailed ones are still reported. */
    public HubRequest close(HubRequest r) {
        if (!settings.configured()) {
            r.outcome(ReplyStatus.OK, "Session ended.");
            return r;
        }
        List<FaxOutbox.Fax> cancelled = new ArrayList<>();
        for (FaxOutbox.Fax f : outbox.pending(r.getSessionId(), null)) {
            if (progress.applyIf(c -> FaxOutbox.cancelPending(c, f.id()), SessionUpdate.session(r.getSessionId(), null, "FAX_CANCELLED",
                    SOURCE, "The fax to " + f.number() + " was cancelled before it was mailed: the session ended"))) {
                cancelled.add(f);
            }
        }
        forgetDocumentIfOver(r.getSessionId());
        r.outcome(ReplyStatus.OK, cancelled.isEmpty() ? "Session ended; reports for faxes already sent are still logged."
                : "Session ended; " + cancelled.size() + " fax(es) not mailed yet were cancelled.");
        return r;
    }

    private HubRequest notConfigured(HubRequest r) {
        String detail = "FAX_NOT_CONFIGURED: no fax gateway is configured (fax.smtp.host), so no fax was sent.";
        progress.fail(r.getSessionId(), "channel:fax", detail);
        r.failed(ErrorCode.FAX_NOT_CONFIGURED, "No fax gateway is configured for this hub (fax.smtp.host): no fax was sent"
                + " and the session is FAILED.");
        return r;
    }

    private FaxOutbox.NewFax newFax(Running s, Party p, String requestSubject, String coverText) {
        String number = p.address();
        // The request's subject cannot carry a token of its own: a report quoting it would find another fax.
        String own = requestSubject == null ? "" : FaxText.headerSafe(requestSubject).replaceAll("(?i)\\[\\s*uc-fax", "(uc-fax");
        String subject = settings.subjectPattern()
                .replace("{subject}", own)
                .replace("{businessId}", s.businessId())
                .replace("{sessionId}", s.sessionId())
                .replace("{token}", FaxReports.token(s.sessionId(), p.id()));
        subject = FaxText.headerSafe(FaxSettings.fill(subject, number));
        subject = subject.length() > 1900 ? subject.substring(0, 1900) : subject;
        return new FaxOutbox.NewFax(p.id(), number, settings.gatewayAddress(number), subject, coverText);
    }

    // ------------------------------------------------------------------ the fax-send route

    /** The faxes due now, by id; each is claimed by {@link #claim} just before it is mailed. */
    public List<Long> due() {
        return settings.configured() ? outbox.due(50) : List.of();
    }

    /**
     * Claims one fax for this sender alone; null when another sender has it, or when it must
     * not go out any more (its session is over, its number was removed): then it is cancelled.
     */
    public FaxOutbox.Fax claim(long id) {
        FaxOutbox.Fax f = outbox.claim(id).orElse(null);
        if (f == null) {
            return null;
        }
        Running s = progress.running(f.sessionId()).orElse(null);
        boolean over = s == null || s.state().equals(SessionLog.STATE_ENDED) || s.state().equals(ChannelProgress.FAILED);
        boolean removed = s != null && s.parties().stream().anyMatch(p -> p.id() == f.participantId() && !p.isActive());
        if ((over || removed) && progress.applyIf(c -> FaxOutbox.cancelClaimed(c, f), SessionUpdate.session(f.sessionId(), null,
                "FAX_CANCELLED", SOURCE, "The fax to " + f.number() + " was cancelled before it was mailed: "
                        + (over ? "the session is over" : "the number was removed")))) {
            if (!over) {
                // Removed while the sender held it: this may have been all the session still waited for.
                finishIfSettled(f.sessionId());
            } else {
                forgetDocumentIfOver(f.sessionId()); // the session ended while this fax was being mailed: the end kept the document for it
            }
            return null;
        }
        return f;
    }

    public void sent(FaxOutbox.Fax f) {
        String messageId = mail.messageId(f);
        progress.apply(new SessionUpdate(f.sessionId(), null, null, f.participantId(), ChannelProgress.SENT, ChannelProgress.ACTIVE, false,
                "FAX_SENT", SOURCE, "Mailed to the gateway as " + f.recipient() + " (Message-ID " + messageId + ")"
                        + (f.attempts() > 1 ? " at attempt " + f.attempts() : ""), null));
        outbox.sent(f, messageId);
    }

    /** The mail server did not take the fax: try again later, or fail it with the server's answer. */
    public void notSent(FaxOutbox.Fax f, Exchange exchange) {
        Exception e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        String answer = answer(e);
        OffsetDateTime now = FaxOutbox.now();
        Duration waited = Duration.between(f.createdAt(), now);
        if (refusedForGood(e) || waited.toMillis() >= settings.giveUpMs()) {
            String why = refusedForGood(e) ? "the mail server refused the fax to " + f.number() + ": " + answer
                    : "the mail server did not take the fax to " + f.number() + " for " + waited.toSeconds() + " s: " + answer;
            // Should the log fail, the fax stays claimed and is mailed again once the claim is stale.
            if (!progress.applyIf(c -> FaxOutbox.failedToSend(c, f, answer), SessionUpdate.participant(f.sessionId(), f.participantId(),
                    ChannelProgress.FAILED, "FAX_SEND_FAILED", SOURCE, "FAX_SEND_FAILED: " + why))) {
                return; // another sender took the fax over meanwhile: its outcome is the one told
            }
            LOG.warn("Fax {} of session {} failed: {}", f.id(), f.sessionId(), why);
            // The session's others may all be settled already (one delivered): then this was the last word.
            finishIfSettled(f.sessionId());
            return;
        }
        long delay = settings.retryIntervalMs() << Math.min(f.attempts() - 1, 16);
        delay = Math.min(delay, settings.retryMaxIntervalMs());
        outbox.retryAt(f, now.plus(Duration.ofMillis(delay)), answer);
        LOG.info("Fax {} to {} not taken by the mail server ({}); attempt {} again in {} ms", f.id(), f.number(), answer,
                f.attempts() + 1, delay);
        if (f.attempts() == 1) {
            String detail = "The mail server did not take the fax to " + f.number() + " (" + answer + "): retried for up to "
                    + settings.giveUpMs() / 1000 + " s";
            // A session that has mailed nothing yet waits (PENDING); one further on only hears of it.
            if (!progress.apply(SessionUpdate.session(f.sessionId(), ChannelProgress.PENDING, "FAX_DELAYED", SOURCE, detail))) {
                progress.apply(SessionUpdate.participant(f.sessionId(), f.participantId(), null, "FAX_DELAYED", SOURCE, detail));
            }
        }
    }

    /** A 5xx reply to the message or a recipient: RFC 5321 says not to repeat the same transaction. */
    static boolean refusedForGood(Throwable e) {
        for (Throwable t = e; t != null; t = next(t)) {
            if (t instanceof SMTPSendFailedException s && s.getReturnCode() >= 500) {
                return true;
            }
            if (t instanceof SMTPAddressFailedException a && a.getReturnCode() >= 500) {
                return true;
            }
        }
        return false;
    }

    /** The server's answer, or what kept the hub from reaching it, on one line. */
    static String answer(Throwable e) {
        if (e == null) {
            return "unknown failure";
        }
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null && b.length() < 600; t = next(t)) {
            String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            if (b.indexOf(m) < 0) {
                b.append(b.length() == 0 ? "" : ": ").append(m);
            }
        }
        return FaxText.headerSafe(b.toString());
    }

    private static Throwable next(Throwable t) {
        if (t instanceof MessagingException m && m.getNextException() != null && m.getNextException() != t) {
            return m.getNextException();
        }
        return t.getCause() == t ? null : t.getCause();
    }

    // ------------------------------------------------------------------ the timer

    /** Faxes mailed long ago with no report from the gateway are logged FAX_STATUS_UNKNOWN. */
    public int overdue() {
        if (!settings.configured()) {
            return 0;
        }
        int n = 0;
        for (FaxOutbox.Fax f : outbox.unreported(FaxOutbox.now().minus(Duration.ofMillis(settings.statusWaitMs())))) {
            // Settled with its news: a report that arrives meanwhile wins, and the news is told once.
            if (progress.applyIf(c -> FaxOutbox.settle(c, f.id(), FaxOutbox.UNKNOWN), SessionUpdate.participant(f.sessionId(),
                    f.participantId(), null, "FAX_STATUS_UNKNOWN", SOURCE, "No report from the gateway about the fax to " + f.number()
                            + " within " + settings.statusWaitMs() / 1000 + " s of sending; a later report is still logged"))) {
                n++;
                finishIfSettled(f.sessionId());
            }
        }
        return n;
    }

    private volatile long finishSweepEveryNanos = 60_000_000_000L;
    private volatile long lastFinishSweep = System.nanoTime() - finishSweepEveryNanos;

    /** fax.finish-sweep-ms: how often the sweep for settled sessions left open runs (default a minute). */
    public void setFinishSweepMs(long ms) {
        finishSweepEveryNanos = ms * 1_000_000L;
        lastFinishSweep = System.nanoTime() - finishSweepEveryNanos;
    }

    /**
     * Ends the open fax sessions whose faxes are all settled: the end is its own write after
     * the fax's, and a session log that failed in between (a report logged, the end not) left
     * the session open with nothing left to end it. Idempotent: an ended session is not open.
     */
    public int finishSettled() {
        long now = System.nanoTime();
        // A safety net for a session log that failed at the wrong moment, not the way sessions
        // normally end: once a minute, not at every tick of fax-retry (every 5 s, on every
        // instance), since it reads every open fax session and its faxes.
        if (!settings.configured() || now - lastFinishSweep < finishSweepEveryNanos) {
            return 0;
        }
        lastFinishSweep = now;
        int n = 0;
        for (Running s : progress.open(SOURCE)) {
            List<FaxOutbox.Fax> faxes = outbox.ofSession(s.sessionId());
            if (!faxes.isEmpty() && FaxOutbox.allSettled(faxes)) {
                finishIfSettled(s.sessionId());
                n++;
            }
        }
        return n;
    }

    /**
     * When no fax of the session waits for anything, the session is over: ENDED when a fax
     * was delivered or went out without a report, FAILED when every fax failed.
     */
    void finishIfSettled(String sessionId) {
        List<FaxOutbox.Fax> faxes = outbox.ofSession(sessionId);
        boolean waiting = !FaxOutbox.allSettled(faxes);
        // A number the log holds but the outbox not yet (an add between its two steps, a start
        // resumed after a crash) waits too: its fax is about to be queued.
        java.util.Set<Long> queued = faxes.stream().map(FaxOutbox.Fax::participantId).collect(java.util.stream.Collectors.toSet());
        waiting = waiting || progress.running(sessionId).map(s -> s.parties().stream()
                .anyMatch(p -> p.isActive() && "fax".equals(p.addressType()) && !queued.contains(p.id()))).orElse(false);
        if (!waiting) {
            long delivered = faxes.stream().filter(f -> f.state().equals(FaxOutbox.DELIVERED)).count();
            long unknown = faxes.stream().filter(f -> f.state().equals(FaxOutbox.UNKNOWN)).count();
            long failed = faxes.stream().filter(f -> f.state().equals(FaxOutbox.FAILED)).count();
            progress.apply(SessionUpdate.ends(sessionId, null, SOURCE, "Every fax is settled: " + delivered + " delivered, " + failed
                    + " failed, " + unknown + " without a report"));
            forgetDocumentIfOver(sessionId);
        }
    }

    /**
     * Once the session is over no number can be added, so the document is needed only by a fax
     * still to be mailed (one a sender holds as the session ends); without one it is deleted.
     * Not in the transaction that ended the session, which is the session log's: should the
     * delete fail, the document is left behind, and nothing reads it.
     */
    private void forgetDocumentIfOver(String sessionId) {
        if (progress.running(sessionId).map(ChannelProgress::isOver).orElse(true)) {
            outbox.forgetDocument(sessionId);
        }
    }
}
