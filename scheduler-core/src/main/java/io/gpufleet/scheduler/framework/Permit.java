package io.gpufleet.scheduler.framework;

import java.time.Duration;

/** A Permit answer. */
public record Permit(Kind kind, Duration timeout, String reason) {
    public enum Kind { ALLOW, WAIT, REJECT }

    public static final Permit ALLOW = new Permit(Kind.ALLOW, Duration.ZERO, null);

    public static Permit waitFor(Duration timeout) {
        return new Permit(Kind.WAIT, timeout, null);
    }

    public static Permit reject(String reason) {
        return new Permit(Kind.REJECT, Duration.ZERO, reason);
    }
}
