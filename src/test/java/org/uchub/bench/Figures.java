package org.uchub.bench;

import java.util.Arrays;

/** A measured run (rate and latency percentiles) and the two-row table with its ratio the benchmarks print. */
record Figures(double rate, double p50, double p99) {

    static Figures of(int n, double seconds, long[] latencyNanos) {
        long[] sorted = latencyNanos.clone();
        Arrays.sort(sorted);
        return new Figures(n / seconds, sorted[n / 2] / 1e6, sorted[(int) (n * 0.99)] / 1e6);
    }

    /** The run with the median rate (the lower middle one of an even number). */
    static Figures median(java.util.List<Figures> runs) {
        java.util.List<Figures> sorted = new java.util.ArrayList<>(runs);
        sorted.sort(java.util.Comparator.comparingDouble(Figures::rate));
        return sorted.get((sorted.size() - 1) / 2);
    }

    static void print(String name, Figures measured, String baselineName, Figures baseline, double targetRatio, int targetRate) {
        System.out.printf("%-6s %10s %10s %10s%n", "", "req/s", "p50 ms", "p99 ms");
        System.out.printf("%-6s %10.0f %10.2f %10.2f%n", name, measured.rate, measured.p50, measured.p99);
        System.out.printf("%-6s %10.0f %10.2f %10.2f%n", baselineName, baseline.rate, baseline.p50, baseline.p99);
        System.out.printf("ratio %s/%s: %.2f (target >= %.2f; target %s >= %d req/s)%n", name, baselineName,
                measured.rate / baseline.rate, targetRatio, name, targetRate);
    }
}
