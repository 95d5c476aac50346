package org.uchub.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;

/**
 * Where the CPU went during a measured run, by thread (numbered threads of one pool counted
 * together) and for the JIT compiler, so that a figure comes with what limited it.
 */
final class CpuShare {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final Map<Long, Long> start = new HashMap<>();
    private final Map<Long, String> names = new HashMap<>();
    private final long startNanos = System.nanoTime();
    private final long startJit = jitMillis();

    private CpuShare() {
        for (ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (t != null) {
                start.put(t.getThreadId(), THREADS.getThreadCpuTime(t.getThreadId()));
            }
        }
    }

    static CpuShare begin() {
        return new CpuShare();
    }

    /** A run of the code under test, as a benchmark makes it: its name, how many requests, a prefix for their ids. */
    @FunctionalInterface
    interface Round {
        void run(String name, int n, String prefix) throws Exception;
    }

    /**
     * Warms the code up until the JIT compiler has settled: rounds of {@code size} requests
     * until one spends less than a tenth of a core compiling, or {@code maxRounds}. The hub
     * is a large body of code (Camel, Artemis, H2, JAXB, Asterisk-Java): on two cores its
     * compiler still took more than half a core through a 140-second run after a fixed
     * 2,000-request warm-up, which measured the compiler, not the hub.
     */
    static void warmUp(String what, Round round, int size, int maxRounds, String prefix) throws Exception {
        for (int i = 1; i <= maxRounds; i++) {
            long jit = jitMillis();
            long t = System.nanoTime();
            round.run("warm-up " + i + " (" + what + ")", size, prefix + i + "-");
            double share = (jitMillis() - jit) / 1e3 / ((System.nanoTime() - t) / 1e9);
            System.out.printf("    JIT compiler %.2f cores%s%n", share, share < 0.1 ? ": settled" : i == maxRounds ? ": not settled, measuring anyway" : "");
            if (share < 0.1) {
                return;
            }
        }
    }

    private static long jitMillis() {
        var jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
    }

    /** Prints the busiest thread groups as cores used on average over the run. */
    void print(String run, int top) {
        double wall = (System.nanoTime() - startNanos) / 1e9;
        Map<String, Double> byGroup = new HashMap<>();
        for (ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (t == null) {
                continue;
            }
            long now = THREADS.getThreadCpuTime(t.getThreadId());
            if (now < 0) {
                continue;
            }
            long used = now - start.getOrDefault(t.getThreadId(), 0L);
            byGroup.merge(t.getThreadName().replaceAll("\\d+", "#"), used / 1e9, Double::sum);
        }
        double jit = (jitMillis() - startJit) / 1e3;
        StringBuilder sb = new StringBuilder(String.format("  CPU during %s (%.1f s, in cores): JIT compiler %.2f", run, wall, jit / wall));
        byGroup.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(top)
                .forEach(e -> sb.append(String.format("; %s %.2f", e.getKey(), e.getValue() / wall)));
        System.out.println(sb);
    }
}
