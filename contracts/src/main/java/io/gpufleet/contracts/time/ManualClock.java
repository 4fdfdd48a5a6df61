package io.gpufleet.contracts.time;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock that moves only when it is moved: tests that need time, and benchmarks that replay time faster than
 * it passes. Every component takes a {@link Clock}, so one kind of hand-moved clock serves them all.
 */
public final class ManualClock extends Clock {
    private volatile long millis;

    public ManualClock(long startMillis) {
        this.millis = startMillis;
    }

    public ManualClock(Instant start) {
        this(start.toEpochMilli());
    }

    public ManualClock() {
        this(1_700_000_000_000L);
    }

    public void advance(Duration d) {
        millis += d.toMillis();
    }

    public void advanceMillis(long ms) {
        millis += ms;
    }

    public void set(long ms) {
        millis = ms;
    }

    @Override
    public long millis() {
        return millis;
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
