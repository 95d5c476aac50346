package org.uchub.support;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** What a hub remembers in memory about things it met, kept from growing without end: the oldest are forgotten. */
public final class Bounded {
    private Bounded() {
    }

    /** A thread-safe map that forgets its oldest entry (by insertion) once it holds more than {@code max}. */
    public static <K, V> Map<K, V> map(int max) {
        return Collections.synchronizedMap(new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > max;
            }
        });
    }

    /** A thread-safe set that forgets its oldest element once it holds more than {@code max}. */
    public static <E> Set<E> set(int max) {
        return Collections.newSetFromMap(map(max));
    }
}
