package org.uchub.broker;

import java.util.Set;
import javax.security.auth.Subject;
import org.apache.activemq.artemis.core.security.CheckType;
import org.apache.activemq.artemis.core.security.Role;
import org.apache.activemq.artemis.spi.core.protocol.RemotingConnection;
import org.apache.activemq.artemis.spi.core.security.ActiveMQSecurityManager5;
import org.apache.activemq.artemis.spi.core.security.jaas.RolePrincipal;
import org.apache.activemq.artemis.spi.core.security.jaas.UserPrincipal;

/**
 * Who may do what on the embedded broker. The hub's own user may do everything. A business
 * system (a tenant) may send to the request queue, read its own reply queue
 * {@code uc.replies.<user>} and its own events {@code uc.events.<user>}, and create and read temporary queues for replies (their names
 * are random, chosen by the client library); nothing else, and nothing under the hub's own
 * names. Anonymous access does not exist.
 */
public class HubSecurityManager implements ActiveMQSecurityManager5 {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HubSecurityManager.class);
    static final String HUB_ROLE = "hub";
    static final String TENANT_ROLE = "tenant";

    private final BrokerUsers users;
    private final String hubUser;
    private final String hubPassword;
    private final String requestQueue;
    private final String eventsTopic;
    /** Who claimed each temporary address, and when: a claim whose queue the broker then refused (a limit) leaves no address behind. */
    private record Claim(String user, long at) {
    }

    private final java.util.Map<String, Claim> owners = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile java.util.function.Predicate<String> addressExists = a -> true;
    private volatile long lastPrune = System.nanoTime();
    private static final int PRUNE_ABOVE = 10_000;
    private static final long PRUNE_AFTER_NANOS = 60_000_000_000L;
    /** A prune walks every claim: not more often than this, whoever keeps claiming. */
    private static final long PRUNE_EVERY_NANOS = 10_000_000_000L;

    public HubSecurityManager(BrokerUsers users, String hubUser, String hubPassword, String requestQueue, String eventsTopic) {
        this.eventsTopic = eventsTopic;
        this.users = users;
        this.hubUser = hubUser;
        this.hubPassword = hubPassword;
        this.requestQueue = requestQueue;
    }

    @Override
    public Subject authenticate(String user, String password, RemotingConnection connection, String securityDomain) {
        if (user != null && user.equals(hubUser) && java.security.MessageDigest.isEqual(bytes(password), bytes(hubPassword))) {
            return subject(user, HUB_ROLE);
        }
        try {
            return users.authenticate(user, password).map(u -> subject(u, TENANT_ROLE)).orElse(null);
        } catch (BrokerUsers.Busy busy) {
            // Refused like a wrong password (Artemis has no "try again"); the client's reconnect asks again.
            LOG.warn("Broker login of {} refused: {}", org.uchub.request.RequestRules.printable(user), busy.getMessage());
            return null;
        }
    }

    private static byte[] bytes(String s) {
        return s == null ? new byte[0] : s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static Subject subject(String user, String role) {
        Subject s = new Subject();
        s.getPrincipals().add(new UserPrincipal(user));
        s.getPrincipals().add(new RolePrincipal(role));
        return s;
    }

    @Override
    public boolean authorize(Subject subject, Set<Role> roles, CheckType checkType, String address) {
        if (subject == null) {
            return false;
        }
        if (!subject.getPrincipals(RolePrincipal.class).isEmpty()
                && subject.getPrincipals(RolePrincipal.class).iterator().next().getName().equals(HUB_ROLE)) {
            return true;
        }
        String user = subject.getPrincipals(UserPrincipal.class).stream().map(UserPrincipal::getName).findFirst().orElse("");
        String addressName = address.contains("::") ? address.substring(0, address.indexOf("::")) : address;
        String ownReplies = "uc.replies." + user;
        String ownEvents = eventsTopic + "." + user;
        return switch (checkType) {
            // Named fully qualified, only as the request queue on its own address: "uc.requests::<other queue>" is no way in.
            case SEND -> address.equals(requestQueue) || address.equals(requestQueue + "::" + requestQueue);
            case CONSUME, BROWSE -> addressName.equals(ownReplies) || addressName.equals(ownEvents) || ownsTemporary(user, addressName);
            case CREATE_DURABLE_QUEUE, DELETE_DURABLE_QUEUE -> addressName.equals(ownReplies) || addressName.equals(ownEvents);
            case CREATE_ADDRESS -> addressName.equals(ownReplies) || claimTemporary(user, addressName);
            case CREATE_NON_DURABLE_QUEUE -> addressName.equals(ownEvents) || claimTemporary(user, addressName);
            case DELETE_NON_DURABLE_QUEUE -> addressName.equals(ownEvents) || ownsTemporary(user, addressName);
            case DELETE_ADDRESS -> releaseTemporary(user, addressName);
            default -> false;
        };
    }

    /**
     * A temporary address belongs to the user who created it: another business system can
     * neither read nor delete it, even if it learns the random name (OpenWire advisories
     * announce them). Advisory topics themselves are every OpenWire client's.
     */
    private boolean claimTemporary(String user, String address) {
        if (!isTemporaryReplyAddress(address)) {
            return false;
        }
        if (isAdvisory(address)) {
            return true;
        }
        if (owners.size() > PRUNE_ABOVE && System.nanoTime() - lastPrune > PRUNE_EVERY_NANOS) {
            pruneUnmade();
        }
        return user.equals(owners.computeIfAbsent(address, a -> new Claim(user, System.nanoTime())).user());
    }

    private boolean ownsTemporary(String user, String address) {
        return isTemporaryReplyAddress(address) && (isAdvisory(address) || user.equals(ownerOf(address)));
    }

    /** Whether the user created this temporary queue (advisory topics are nobody's). */
    public boolean createdTemporary(String user, String address) {
        return address != null && isTemporaryReplyAddress(address) && !isAdvisory(address) && user.equals(ownerOf(address));
    }

    private String ownerOf(String address) {
        Claim c = owners.get(address);
        return c == null ? null : c.user();
    }

    /** The address is gone: whoever created it owns it no more. */
    void forgetTemporary(String address) {
        owners.remove(address);
    }

    /** How the broker tells whether an address exists (set once it runs). */
    void knowAddressesOf(java.util.function.Predicate<String> exists) {
        this.addressExists = exists;
    }

    /** Claims a minute old whose address was never made: the broker refused the queue after the claim. */
    private synchronized void pruneUnmade() {
        long now = System.nanoTime();
        if (now - lastPrune <= PRUNE_EVERY_NANOS) {
            return;
        }
        lastPrune = now;
        owners.forEach((address, claim) -> {
            // Only that claim: one made again for the same name meanwhile stays.
            if (now - claim.at() > PRUNE_AFTER_NANOS && !addressExists.test(address)) {
                owners.remove(address, claim);
            }
        });
    }

    /** How many temporary addresses have an owner now. */
    public int temporaryOwners() {
        return owners.size();
    }

    private boolean releaseTemporary(String user, String address) {
        if (!ownsTemporary(user, address)) {
            return false;
        }
        if (!isAdvisory(address)) {
            owners.computeIfPresent(address, (a, c) -> c.user().equals(user) ? null : c);
        }
        return true;
    }

    private static boolean isAdvisory(String address) {
        return address.regionMatches(true, 0, "ActiveMQ.Advisory.", 0, "ActiveMQ.Advisory.".length());
    }

    /**
     * Temporary queues are named by the client (a UUID for Artemis, qpid and OpenWire
     * clients); they are allowed anywhere outside the names the hub and the broker use.
     */
    static boolean isTemporaryReplyAddress(String address) {
        if (address.isEmpty() || address.startsWith("uc.") || address.startsWith("DLQ.") || address.startsWith("$")
                || address.equals("ExpiryQueue")) {
            return false;
        }
        // A wildcard ('#', '*'; OpenWire's '>' arrives as '#') is no one's temporary queue: a
        // subscription to "#" or "*.events" would receive every tenant's events.
        if (address.indexOf('#') >= 0 || address.indexOf('*') >= 0 || address.indexOf('>') >= 0) {
            return false;
        }
        return isAdvisory(address) || !address.regionMatches(true, 0, "activemq.", 0, "activemq.".length());
    }

    @Override
    public boolean validateUser(String user, String password) {
        throw new UnsupportedOperationException("Invoke authenticate(...) instead");
    }

    @Override
    public boolean validateUserAndRole(String user, String password, Set<Role> roles, CheckType checkType) {
        throw new UnsupportedOperationException("Invoke authorize(...) instead");
    }
}
