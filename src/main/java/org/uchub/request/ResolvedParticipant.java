package org.uchub.request;

import org.uchub.contract.AddressType;
import org.uchub.contract.Role;

/**
 * A participant reduced to the one address the channel uses, after the directory resolved
 * a person id. Immutable; the session log stores exactly these fields.
 */
public record ResolvedParticipant(AddressType addressType, String address, String personId, String displayName, Role role) {
    public ResolvedParticipant {
        if (role == null) {
            role = Role.PARTICIPANT;
        }
    }
}
