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
    private final long startProcess = processCpuNanos();

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
     * until one spends less than a tenth of a core compiling, or {@code defaultRounds} (system
     * property {@code bench.warm-rounds} overrides it). The hub
     * is a large body of code (Camel, Artemis, H2, JAXB, Asterisk-Java): on two cores its
     * compiler still took more than half a core through a 140-second run after a fixed
     * 2,000-request warm-up, which measured the compiler, not the hub.
     */
    static void warmUp(String what, Round round, int size, int defaultRounds, String prefix) throws Exception {
        int maxRounds = Integer.getInteger("bench.warm-rounds", defaultRounds);
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

    /**
     * CPU the compiler threads have used, in ms. The JVM's own figure (CompilationMXBean) is
     * the time compilations took, which on two busy cores counts the time a compiler thread
     * waited for a core as well: it read about twice what the threads used. Where Linux shows
     * the threads (/proc), their CPU time is read instead.
     */
    private static long jitMillis() {
        long fromProc = compilerThreadsCpuMillis();
        if (fromProc >= 0) {
            return fromProc;
        }
        var jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
    }

    private static final double TICK_MS = 1000.0 / 100; // USER_HZ, 100 on Linux

    /** Per compiler thread, the ticks seen at the last reading; and what they added up to so far. */
    private static final Map<String, Long> COMPILER_TICKS = new HashMap<>();
    private static long compilerTicks;

    /**
     * CPU of this process's compiler threads in ms since the first reading, or -1 where /proc
     * does not tell. Summed from each thread's growth between readings: HotSpot stops idle
     * compiler threads, and a stopped thread's time would otherwise drop out of the sum.
     */
    private static synchronized long compilerThreadsCpuMillis() {
        java.nio.file.Path tasks = java.nio.file.Path.of("/proc/self/task");
        if (!java.nio.file.Files.isDirectory(tasks)) {
            return -1;
        }
        try (var dirs = java.nio.file.Files.list(tasks)) {
            for (java.nio.file.Path t : (Iterable<java.nio.file.Path>) dirs::iterator) {
                try {
                    String stat = java.nio.file.Files.readString(t.resolve("stat"));
                    int close = stat.lastIndexOf(')');
                    String name = stat.substring(stat.indexOf('(') + 1, close);
                    if (!name.contains("CompilerThre")) {
                        continue;
                    }
                    // After "(name) ": state is field 3, utime field 14, stime field 15.
                    String[] f = stat.substring(close + 2).split(" ");
                    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    Long before = COMPILER_TICKS.put(t.getFileName().toString(), ticks);
                    compilerTicks += Math.max(0, ticks - (before == null ? 0 : before));
                } catch (java.io.IOException | RuntimeException e) {
                    // a thread that ended while being read
                }
            }
        } catch (java.io.IOException e) {
            return -1;
        }
        return Math.round(compilerTicks * TICK_MS);
    }

    private static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : 0;
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
        // The whole process beside the threads that used most: whether the cores were full.
        StringBuilder sb = new StringBuilder(String.format("  CPU during %s (%.1f s, in cores): process %.2f of %d; JIT compiler %.2f", run,
                wall, (processCpuNanos() - startProcess) / 1e9 / wall, Runtime.getRuntime().availableProcessors(), jit / wall));
        byGroup.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(top)
                .forEach(e -> sb.append(String.format("; %s %.2f", e.getKey(), e.getValue() / wall)));
        System.out.println(sb);
    }
}
