package org.uchub.xmpp;

import java.util.Set;
import java.util.function.Function;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smackx.muc.packet.MUCUser;

/**
 * Rooms destroyed under the hub, as the rooms themselves said. Smack 4.3.5 notices a room's
 * destruction only in a self-presence that carries status codes (SMACK-949, fixed in 2024);
 * ejabberd sends the unavailable presence with its {@code <destroy/>} and no status code, so
 * Smack keeps such a room "joined" for ever, the hub never makes it again, and every later
 * post fails. The hub reads those presences itself and forgets the room on its next step in it.
 */
final class DestroyedRooms {
    /** Most rooms the hub closes itself and never asks about again: the oldest notes are dropped. */
    private static final int KEPT = 1_000;
    private final Set<String> rooms = java.util.Collections.newSetFromMap(java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<String, Boolean>() {
                @Override
                protected boolean removeEldestEntry(java.util.Map.Entry<String, Boolean> eldest) {
                    return size() > KEPT;
                }
            }));

    /**
     * Notes the room when the presence is the room's word that the hub is out because the room
     * was destroyed: unavailable, from the hub's own nickname there ({@code nickOf}, by the
     * room's bare address), with a destroy element, status codes or none.
     */
    void note(Presence p, Function<String, String> nickOf) {
        if (p.getType() != Presence.Type.unavailable || p.getFrom() == null || p.getFrom().getResourceOrNull() == null) {
            return;
        }
        MUCUser user = MUCUser.from(p);
        if (user == null || user.getDestroy() == null) {
            return;
        }
        String room = p.getFrom().asBareJid().toString();
        boolean self = user.getStatus().contains(MUCUser.Status.PRESENCE_TO_SELF_110)
                || p.getFrom().getResourceOrEmpty().toString().equals(nickOf.apply(room));
        if (self) {
            rooms.add(room);
        }
    }

    /** Whether the room was destroyed since it was last asked about; asking forgets it. */
    boolean take(String room) {
        return rooms.remove(room);
    }
}
