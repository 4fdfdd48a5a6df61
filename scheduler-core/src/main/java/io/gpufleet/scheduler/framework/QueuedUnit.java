package io.gpufleet.scheduler.framework;

import io.gpufleet.scheduler.model.Request;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A unit of pending work: one pod, or all queued members of one gang (scheduled back to back). */
public final class QueuedUnit {
    private final List<Request> pods = new ArrayList<>();
    private final String podGroup;
    private final String quotaGroup;
    private final long seq;
    private final Instant firstQueued;
    private int priority;
    Instant notBefore;
    int attempts;

    QueuedUnit(Request first, long seq, Instant now) {
        pods.add(first);
        this.podGroup = first.podGroup();
        this.quotaGroup = first.quotaGroup() == null ? "" : first.quotaGroup();
        this.priority = first.priority();
        this.seq = seq;
        this.firstQueued = now;
        this.notBefore = now;
    }

    void add(Request r) {
        pods.add(r);
        priority = Math.max(priority, r.priority());
    }

    public List<Request> pods() { return Collections.unmodifiableList(pods); }
    public String podGroup() { return podGroup; }
    /** Quota group, "" when none. */
    public String quotaGroup() { return quotaGroup; }
    public int priority() { return priority; }
    /** Arrival order. */
    public long seq() { return seq; }
    public Instant firstQueued() { return firstQueued; }
    public int attempts() { return attempts; }

    /** Whether any member asks for GPUs. */
    public boolean usesGpus() {
        for (Request r : pods) if (r.gpuCount() > 0) return true;
        return false;
    }

    /** GPUs asked by all members (whole-GPU equivalents, a sharing pod counts its cards). */
    public int gpusAsked() {
        int n = 0;
        for (Request r : pods) n += r.gpuCount();
        return n;
    }
}
