package io.gpufleet.autoscaler.actuate;

import io.gpufleet.autoscaler.policy.ScalingPolicy.TargetKind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies scale actions, or only logs them in dry-run mode. Each target keeps at most one pending action,
 * the latest (a newer decision supersedes an unapplied older one: the intent is the newest count). A failed
 * update (API server down, conflict) stays pending and is retried with exponential backoff from the injected
 * clock, so no action is lost; actions are absolute counts, so a retry never doubles a change.
 * {@link #flush()} does the work; the caller runs it from its loop.
 */
public final class Actuator {
    private static final Logger LOG = LoggerFactory.getLogger(Actuator.class);

    /** Counters for metrics. */
    public record Stats(long applied, long failures, long superseded, long dryRun, int pending) {}

    private record Pending(ScaleAction action, int attempts, Instant notBefore) {}

    private final ScaleApi api;
    private final java.util.function.BooleanSupplier mayAct;
    private final Clock clock;
    private final boolean dryRun;
    private final Backoff backoff;
    private final Map<String, Pending> pending = new LinkedHashMap<>();
    private long applied;
    private long failures;
    private long superseded;
    private long dryRunCount;

    public Actuator(ScaleApi api, Clock clock, boolean dryRun, Duration initialBackoff, Duration maxBackoff) {
        this(api, clock, dryRun, initialBackoff, maxBackoff, () -> true);
    }

    /**
     * @param mayAct false while another replica leads ({@link LeaderGate}): actions stay pending, nothing is
     *               written, so two replicas never act
     */
    public Actuator(ScaleApi api, Clock clock, boolean dryRun, Duration initialBackoff, Duration maxBackoff,
                    java.util.function.BooleanSupplier mayAct) {
        this.mayAct = mayAct;
        this.backoff = new Backoff(initialBackoff, maxBackoff);
        this.api = api;
        this.clock = clock;
        this.dryRun = dryRun;
    }

    /** One write attempt of {@link #flush()}. */
    public record Attempt(ScaleAction action, boolean ok) {}

    /** What became of a submitted action. */
    public enum Outcome {
        /** written to the API server */
        APPLIED,
        /** dry-run: logged only */
        DRY_RUN,
        /** the write failed; pending, retried with backoff by {@link #flush()} */
        FAILED,
        /** an identical action is already pending in backoff; it keeps its schedule */
        PENDING,
        /** another replica leads: pending, written once this one leads */
        NOT_LEADER
    }

    /**
     * Queues an action (replacing an unapplied one for the same target) and tries to apply it now. An action
     * equal to the one already pending keeps that one's backoff, so a controller re-deciding the same count
     * every pass does not defeat it.
     */
    public synchronized Outcome submit(ScaleAction action) {
        if (dryRun) {
            dryRunCount++;
            LOG.info("dry-run: would scale {} to {} ({})", action.target(), action.replicas(), action.reason());
            return Outcome.DRY_RUN;
        }
        Pending old = pending.get(action.target());
        if (old != null && old.action().replicas() == action.replicas() && old.attempts() > 0
                && clock.instant().isBefore(old.notBefore())) {
            return Outcome.PENDING;
        }
        pending.put(action.target(), new Pending(action, 0, clock.instant()));
        if (old != null && old.action().replicas() != action.replicas()) {
            superseded++;
            LOG.info("{}: pending scale to {} superseded by {}", action.target(), old.action().replicas(), action.replicas());
        }
        if (!mayAct.getAsBoolean()) return Outcome.NOT_LEADER;
        Attempt a = flush().get(action.target());
        return a == null ? Outcome.PENDING : a.ok() ? Outcome.APPLIED : Outcome.FAILED;
    }

    /**
     * Applies every pending action whose backoff has passed.
     *
     * @return the targets attempted ({@link ScaleAction#target()}) and whether each write succeeded
     */
    public synchronized Map<String, Attempt> flush() {
        Map<String, Attempt> attempted = new LinkedHashMap<>();
        if (!mayAct.getAsBoolean()) return attempted;
        Instant now = clock.instant();
        for (Map.Entry<String, Pending> e : new ArrayList<>(pending.entrySet())) {
            Pending p = e.getValue();
            if (now.isBefore(p.notBefore())) continue;
            ScaleAction a = p.action();
            try {
                api.setReplicas(a.namespace(), a.kind(), a.name(), a.replicas());
                applied++;
                pending.remove(e.getKey());
                attempted.put(e.getKey(), new Attempt(a, true));
                LOG.info("scaled {} to {} ({})", a.target(), a.replicas(), a.reason());
            } catch (RuntimeException ex) {
                failures++;
                int attempts = p.attempts() + 1;
                Duration wait = backoff(attempts);
                pending.put(e.getKey(), new Pending(a, attempts, now.plus(wait)));
                attempted.put(e.getKey(), new Attempt(a, false));
                LOG.warn("scaling {} to {} failed (attempt {}), retry in {}: {}", a.target(), a.replicas(), attempts, wait, ex.toString());
            }
        }
        return attempted;
    }

    /** True when an action for the target ({@link ScaleAction#target()}) waits to be applied. */
    public synchronized boolean hasPending(String target) {
        return pending.containsKey(target);
    }

    /** True when this replica may write (it leads, or no leader election is in use). */
    public boolean mayAct() {
        return mayAct.getAsBoolean();
    }

    public boolean dryRun() {
        return dryRun;
    }

    /** Backoff after {@code attempts} failures: initial × 2^(attempts−1), capped. */
    public Duration backoff(int attempts) {
        return backoff.after(attempts);
    }

    /** The target's current count, from the API. */
    public int current(String namespace, TargetKind kind, String name) {
        return api.replicas(namespace, kind, name);
    }

    public synchronized Stats stats() {
        return new Stats(applied, failures, superseded, dryRunCount, pending.size());
    }
}
