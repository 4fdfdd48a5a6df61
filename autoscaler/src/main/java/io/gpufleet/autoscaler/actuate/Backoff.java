package io.gpufleet.autoscaler.actuate;

import java.time.Duration;

/** Exponential backoff: {@code initial × 2^(attempts−1)}, capped at {@code max}. */
public record Backoff(Duration initial, Duration max) {
    public Backoff {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff: need 0 < initial <= max, got " + initial + ", " + max);
        }
    }

    /** The wait after {@code attempts} failures (1 = the first). */
    public Duration after(int attempts) {
        long ms = initial.toMillis();
        for (int i = 1; i < attempts && ms < max.toMillis(); i++) ms *= 2;
        return Duration.ofMillis(Math.min(ms, max.toMillis()));
    }
}
