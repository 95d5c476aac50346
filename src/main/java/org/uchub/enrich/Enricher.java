package org.uchub.enrich;

import java.util.List;
import org.uchub.contract.AddressType;
import org.uchub.contract.Channel;
import org.uchub.contract.ModifySessionRequest;
import org.uchub.contract.Participant;
import org.uchub.contract.ParticipantList;
import org.uchub.contract.StartSessionRequest;
import org.uchub.directory.Directory;
import org.uchub.request.Action;
import org.uchub.request.ErrorCode;
import org.uchub.request.HubRequest;
import org.uchub.request.RequestRejectedException;
import org.uchub.request.RequestRules;
import org.uchub.request.ResolvedParticipant;
import org.uchub.sessionlog.SessionLog;
import org.uchub.sessionlog.SessionLog.SessionRef;

/**
 * Completes a validated request: finds the session a modify/end is about (for the
 * request's tenant only), and reduces every participant to the one address its channel
 * uses, resolving person ids through the directory. The reserved number is bound when the
 * session is opened, in the same transaction.
 */
public class Enricher {
    private final Directory directory;
    private final SessionLog log;

    public Enricher(Directory directory, SessionLog log) {
        this.directory = directory;
        this.log = log;
    }

    public HubRequest enrich(HubRequest r) {
        if (r.getAction() == Action.START) {
            StartSessionRequest start = (StartSessionRequest) r.getPayload();
            r.setChannel(start.getChannel());
            resolveAll(start.getParticipants(), start.getChannel(), r.getParticipants());
            return r;
        }
        if (r.getAction() == Action.QUERY) {
            return r;
        }
        if (r.isResumed()) {
            // The ledger already knows the session this request changed.
            resolveModify(r, r.getChannel());
            return r;
        }
        SessionRef target = log.find(r.getTenant(), r.getBusinessId(), r.getRequestedSessionId())
                .orElseThrow(() -> r.getRequestedSessionId() == null ? SessionLog.notFound(r.getBusinessId())
                        : new RequestRejectedException(ErrorCode.NOT_FOUND, "Business ID " + r.getBusinessId()
                                + " has no session " + r.getRequestedSessionId() + "."));
        if (r.getAction() == Action.RECORDING) {
            // A recording is asked for after the session, so an ended one is the usual case.
            r.setSessionId(target.sessionId());
            r.setChannel(target.channel());
            return r;
        }
        if (target.isEnded()) {
            throw new RequestRejectedException(ErrorCode.SESSION_ENDED,
                    "Session " + target.sessionId() + " of business ID " + r.getBusinessId() + " has already ended.");
        }
        r.setSessionId(target.sessionId());
        r.setChannel(target.channel());
        r.setReservedNumber(target.reservedNumber());
        resolveModify(r, target.channel());
        return r;
    }

    private void resolveModify(HubRequest r, Channel channel) {
        if (r.getPayload() instanceof ModifySessionRequest m) {
            resolveAll(m.getAdd(), channel, r.getAdded());
            resolveAll(m.getRemove(), channel, r.getRemoved());
            resolveAll(m.getMute(), channel, r.getMuted());
            resolveAll(m.getUnmute(), channel, r.getUnmuted());
        }
    }

    private void resolveAll(ParticipantList list, Channel channel, List<ResolvedParticipant> into) {
        if (list == null) {
            return;
        }
        for (Participant p : list.getParticipant()) {
            ResolvedParticipant resolved = resolve(p, channel);
            // A person id and the address it resolves to are the same participant, and so are two
            // resources of one JID (the hub writes to the bare JID).
            for (ResolvedParticipant earlier : into) {
                if (earlier.addressType() == resolved.addressType() && (earlier.address().equalsIgnoreCase(resolved.address())
                        || (resolved.addressType() == org.uchub.contract.AddressType.JID
                                && RequestRules.bareJid(earlier.address()).equals(RequestRules.bareJid(resolved.address()))))) {
                    throw new RequestRejectedException(ErrorCode.DUPLICATE_PARTICIPANT,
                            "The participant " + resolved.address() + " is named twice.");
                }
            }
            into.add(resolved);
        }
    }

    ResolvedParticipant resolve(Participant p, Channel channel) {
        if (p.getPersonId() != null) {
            Directory.Person person = directory.find(p.getPersonId()).orElseThrow(() -> new RequestRejectedException(
                    ErrorCode.UNKNOWN_PERSON, "Person " + p.getPersonId() + " is not in the directory."));
            String name = p.getDisplayName() != null ? p.getDisplayName() : person.name();
            String address = switch (channel) {
                case CALL, CONFERENCE -> person.number();
                case IM -> person.jid();
                case FAX -> person.fax();
            };
            if (address == null) {
                ErrorCode code = switch (channel) {
                    case IM -> ErrorCode.JID_MISSING;
                    case FAX -> ErrorCode.FAX_NUMBER_MISSING;
                    default -> ErrorCode.PERSON_NOT_REACHABLE;
                };
                throw new RequestRejectedException(code, "Person " + p.getPersonId() + " has no "
                        + typeFor(channel).value() + " address in the directory for a " + channel.value() + ".");
            }
            Participant direct = new Participant();
            switch (typeFor(channel)) {
                case NUMBER -> direct.setNumber(address);
                case JID -> direct.setJid(address);
                case FAX -> direct.setFax(address);
                case EMAIL -> direct.setEmail(address);
            }
            // Directory entries pass the same syntax rules as addresses in a request.
            RequestRules.checkAddress(direct);
            return new ResolvedParticipant(typeFor(channel), channel == Channel.IM ? org.uchub.request.JidForm.of(address) : address,
                    p.getPersonId(), name, p.getRole());
        }
        AddressType type = typeOf(p);
        boolean fits = switch (channel) {
            case CALL, CONFERENCE -> type == AddressType.NUMBER;
            case IM -> type == AddressType.JID;
            // A plain number in a fax request can only mean the fax number.
            case FAX -> type == AddressType.FAX || type == AddressType.NUMBER;
        };
        if (!fits) {
            throw new RequestRejectedException(ErrorCode.ADDRESS_NOT_SUPPORTED_BY_CHANNEL,
                    "A " + channel.value() + " cannot reach a participant by " + type.value() + ".");
        }
        AddressType stored = channel == Channel.FAX ? AddressType.FAX : type;
        return new ResolvedParticipant(stored, address(p), null, p.getDisplayName(), p.getRole());
    }

    static AddressType typeFor(Channel channel) {
        return switch (channel) {
            case CALL, CONFERENCE -> AddressType.NUMBER;
            case IM -> AddressType.JID;
            case FAX -> AddressType.FAX;
        };
    }

    static AddressType typeOf(Participant p) {
        if (p.getNumber() != null) {
            return AddressType.NUMBER;
        }
        if (p.getJid() != null) {
            return AddressType.JID;
        }
        if (p.getFax() != null) {
            return AddressType.FAX;
        }
        return AddressType.EMAIL;
    }

    static String address(Participant p) {
        if (p.getNumber() != null) {
            return p.getNumber();
        }
        if (p.getJid() != null) {
            // Stored as servers hand it back, so that the log's lookups by address find it.
            return org.uchub.request.JidForm.of(p.getJid());
        }
        if (p.getFax() != null) {
            return p.getFax();
        }
        return p.getEmail();
    }
}
