package org.uchub.fax;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.util.regex.Pattern;

/**
 * How the hub reaches its email-to-fax gateway. An empty SMTP host means fax is not
 * configured: fax requests then fail at once with FAX_NOT_CONFIGURED. The SMTP and IMAP
 * endpoints themselves are written in {@code routes/channel-fax.xml} from the same keys.
 *
 * @param addressStyle    {@code pattern}: one address per number from {@code addressPattern}
 *                        ({@code {number}@fax.example.com}); {@code subject}: every fax to
 *                        {@code fixedAddress}, the number in the subject
 * @param subjectPattern  the subject; {number}, {digits}, {businessId}, {sessionId}, {subject}
 *                        and {token} are filled in ({token} lets the gateway's report find its fax)
 * @param statusWaitMs    a fax sent this long ago with no report is logged FAX_STATUS_UNKNOWN
 * @param acceptFrom      reports are read only from senders this matches (their address, domain or a parent domain); null: from anyone
 */
public record FaxSettings(String smtpHost, String from, String addressStyle, String addressPattern, String fixedAddress,
        String subjectPattern, long retryIntervalMs, long retryMaxIntervalMs, long giveUpMs, long statusWaitMs,
        Pattern deliveredPattern, Pattern failedPattern, Pattern pagesPattern, String messageIdDomain, Pattern acceptFrom) {

    public FaxSettings {
        if (!addressStyle.equals("pattern") && !addressStyle.equals("subject")) {
            throw new IllegalArgumentException("fax.address.style must be pattern or subject, not " + addressStyle);
        }
        if (configured()) {
            if (addressStyle.equals("pattern") && !addressPattern.contains("{number}") && !addressPattern.contains("{digits}")) {
                throw new IllegalArgumentException("fax.address.pattern must contain {number} or {digits}: " + addressPattern);
            }
            if (addressStyle.equals("subject") && !subjectPattern.contains("{number}") && !subjectPattern.contains("{digits}")) {
                throw new IllegalArgumentException("with fax.address.style=subject, fax.subject must contain {number} or {digits}");
            }
            // A pattern that cannot make an address fails the start, not every fax.
            address(from, "fax.from");
            address(gatewayAddress("+4930123456"), addressStyle.equals("pattern") ? "fax.address.pattern" : "fax.address.fixed");
        }
    }

    public boolean configured() {
        return smtpHost != null && !smtpHost.isBlank();
    }

    /** The gateway's address for a fax number (digits with an optional leading '+', checked by the request rules). */
    public String gatewayAddress(String number) {
        return addressStyle.equals("pattern") ? fill(addressPattern, number) : fixedAddress;
    }

    static String fill(String template, String number) {
        return template.replace("{number}", number).replace("{digits}", number.startsWith("+") ? number.substring(1) : number);
    }

    /**
     * The domain of the sender's address: the right side of the hub's Message-IDs when none is
     * set. Taken from the address itself, not the text ({@code UC Hub <fax@corp.example>}
     * would give {@code corp.example>}, and no gateway's In-Reply-To would match).
     */
    public static String domainOf(String from) {
        try {
            String a = new InternetAddress(from, false).getAddress();
            return a == null || a.indexOf('@') < 0 ? "localhost" : a.substring(a.lastIndexOf('@') + 1);
        } catch (AddressException e) {
            return "localhost";
        }
    }

    /**
     * Whether a report from this address (the sender's, never a display name) may be read:
     * {@code fax.status.accept-from} matches the whole address, or its domain or a domain it is
     * a subdomain of (with or without the '@'): {@code @fax[.]example[.]com} lets in the
     * gateway's own mail servers' bounces from {@code MAILER-DAEMON@mx.fax.example.com}, whose
     * domain only the gateway controls. Found anywhere in the address, it also let in
     * {@code x@fax.example.com.attacker.test}, a domain anyone can register.
     */
    public boolean acceptsSender(String address) {
        if (acceptFrom == null) {
            return true;
        }
        if (acceptFrom.matcher(address).matches()) {
            return true;
        }
        int at = address.lastIndexOf('@');
        for (int dot = at; dot >= 0 && dot < address.length() - 1; dot = address.indexOf('.', dot + 1)) {
            String domain = address.substring(dot + 1);
            if (acceptFrom.matcher(domain).matches() || acceptFrom.matcher("@" + domain).matches()) {
                return true;
            }
        }
        return false;
    }

    static InternetAddress address(String address, String key) {
        try {
            InternetAddress a = new InternetAddress(address, true);
            if (a.isGroup() || address.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f)) {
                throw new AddressException("not a single address");
            }
            return a;
        } catch (AddressException e) {
            throw new IllegalArgumentException(key + " does not make a valid e-mail address (" + address + "): " + e.getMessage());
        }
    }
}
