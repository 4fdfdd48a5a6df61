package io.gpufleet.analytics.decode;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** JVM-wide count of refused records by reason, for the metrics endpoint and tests. */
public final class DeadLetters {
    private DeadLetters() {}

    private static final Map<String, AtomicLong> BY_REASON = new ConcurrentHashMap<>();

    static void count(String reason) {
        BY_REASON.computeIfAbsent(reason, r -> new AtomicLong()).incrementAndGet();
    }

    /** Refused records per reason since the JVM started. */
    public static Map<String, Long> byReason() {
        Map<String, Long> out = new java.util.TreeMap<>();
        BY_REASON.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }
}
