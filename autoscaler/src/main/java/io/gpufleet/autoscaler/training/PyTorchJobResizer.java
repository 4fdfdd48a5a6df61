package io.gpufleet.autoscaler.training;

import io.gpufleet.autoscaler.actuate.Backoff;
import io.gpufleet.autoscaler.controller.AutoscalerMetrics;
import io.gpufleet.autoscaler.controller.DecisionEvents;
import io.gpufleet.autoscaler.controller.FreeGpus;
import io.gpufleet.autoscaler.controller.TargetState;
import io.gpufleet.autoscaler.controller.TrainingTargets;
import io.gpufleet.autoscaler.policy.ScalingPolicy;
import io.gpufleet.autoscaler.policy.ScalingPolicy.TargetKind;
import io.gpufleet.autoscaler.schedule.ReplicaBounds;
import io.gpufleet.autoscaler.schedule.ScheduleWindows;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * Elastic training on Kubeflow {@code kubeflow.org/v1} PyTorchJobs: the Worker replicas move within the job's
 * {@code spec.elasticPolicy} minReplicas..maxReplicas (narrowed by the policy's bounds and cron windows), decided
 * by {@link ElasticResize}. A resize is all-or-nothing with the job's gang: the whole increment must fit on free
 * GPUs first, and the gang's {@code minMember} becomes masters + workers together with the job, so the gang
 * scheduler places the new set at once.
 *
 * <p>A resize is an intent (an absolute worker count) kept until both patches succeed: a failed patch is retried
 * with exponential backoff on later passes, no new decision is made for the job meanwhile, and applying the
 * same absolute values again is harmless, so no resize is lost or doubled when the API server fails and comes
 * back. Growth patches the PodGroup first (the larger gang waits for all its members), shrinking patches the job
 * first (the gang never demands members the job no longer has).
 */
public final class PyTorchJobResizer implements TrainingTargets {
    private static final Logger LOG = LoggerFactory.getLogger(PyTorchJobResizer.class);
    /**
     * @param window          at most one growth per job per window (forced changes are not held back)
     * @param backoff         wait after failed patches
     */
    public record Settings(Duration window, Backoff backoff) {
        public Settings {
            if (window.isNegative()) throw new IllegalArgumentException("window: must be >= 0, got " + window);
        }

        /** 10-minute window, 1 s .. 2 min backoff. */
        public static Settings defaults() {
            return new Settings(Duration.ofMinutes(10), new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(2)));
        }
    }

    /** A resize not yet fully written. */
    private record Intent(int from, int workers, int masters, int gpusPerWorker, String reason, int attempts, Instant notBefore) {}

    private static final class Job {
        Optional<Instant> lastResize = Optional.empty();
        Intent intent;
        ScheduleWindows windows;
    }

    private final ElasticJobApi api;
    private final Clock clock;
    private final AutoscalerMetrics metrics;
    private final DecisionEvents events;
    private final boolean dryRun;
    private final BooleanSupplier mayAct;
    private final Settings settings;
    private final Map<String, Job> jobs = new HashMap<>();

    public PyTorchJobResizer(ElasticJobApi api, Clock clock, AutoscalerMetrics metrics, DecisionEvents events,
                             boolean dryRun, BooleanSupplier mayAct, Settings settings) {
        this.api = api;
        this.clock = clock;
        this.metrics = metrics;
        this.events = events;
        this.dryRun = dryRun;
        this.mayAct = mayAct;
        this.settings = settings;
    }

    @Override
    public synchronized Result sync(ScalingPolicy policy, Optional<FreeGpus> free, int gpusWanted) {
        if (policy.target().kind() != TargetKind.PyTorchJob) {
            throw new IllegalArgumentException("policy " + policy.name() + ": only PyTorchJob targets are resized, got " + policy.target().kind());
        }
        String ns = policy.namespace();
        String name = policy.target().name();
        Job job = jobs.computeIfAbsent(ns + "/" + name, k -> new Job());
        if (job.windows == null) job.windows = new ScheduleWindows(policy);
        Instant now = clock.instant();
        if (job.intent != null) {
            // Finish the resize in flight before deciding anything new; its added workers keep their GPUs.
            Intent in = job.intent;
            Optional<FreeGpus> left = free.map(f -> f.place(in.gpusPerWorker(), Math.max(0, in.workers() - in.from()),
                    policy.spot(), Set.of()).remaining());
            if (!now.isBefore(in.notBefore()) && mayAct.getAsBoolean()) apply(policy, job);
            return new Result(left, 0);
        }
        ElasticJobApi.JobSpec spec = api.read(ns, name);
        metrics.trainingWorkers(policy.name(), name, spec.workers());
        if (spec.finished()) return new Result(free, 0);
        List<TargetState.Replica> workers = api.workers(ns, name);
        Set<String> excluded = new HashSet<>();
        for (TargetState.Replica r : workers) {
            if (!r.status().deleted() && r.preempting()) excluded.add(r.node());
        }
        int preempted = (int) workers.stream().filter(r -> !r.status().deleted() && r.preempting()).count();
        int waiting = (int) workers.stream().filter(r -> !r.status().deleted() && !r.preempting() && r.node().isEmpty()).count();
        ReplicaBounds b = job.windows.at(now);
        int lo = Math.min(spec.elasticMax(), Math.max(spec.elasticMin(), b.minReplicas()));
        int hi = Math.max(lo, Math.min(spec.elasticMax(), b.maxReplicas()));
        int ask = Math.max(0, hi - spec.workers()) + preempted + waiting;
        int placeable = free.map(f -> f.place(spec.gpusPerWorker(), ask, policy.spot(), excluded).total() - waiting)
                .orElse(0);
        ElasticResize.Decision d = ElasticResize.decide(new ElasticResize.Input(spec.workers(), lo, hi, preempted,
                Math.max(0, placeable), gpusWanted, spec.gpusPerWorker(), job.lastResize, now, settings.window()));
        int added = Math.max(0, d.workers() - spec.workers());
        Optional<FreeGpus> remaining = free.map(f -> f.place(spec.gpusPerWorker(), waiting + d.replacements() + added,
                policy.spot(), excluded).remaining());
        int released = d.reason().equals("Reclaim") ? (spec.workers() - d.workers()) * spec.gpusPerWorker() : 0;
        String line = String.format(Locale.ROOT,
                "policy %s/%s PyTorchJob/%s: workers %d -> %d by %s (bounds %d..%d, elastic %d..%d; %d GPUs per worker, "
                        + "%d placeable new, %d preempted, %d waiting, %d GPUs wanted by serving)%s",
                ns, policy.name(), name, spec.workers(), d.workers(), d.reason(), lo, hi, spec.elasticMin(), spec.elasticMax(),
                spec.gpusPerWorker(), Math.max(0, placeable), preempted, waiting, gpusWanted, free.isEmpty() ? "; free GPUs unknown" : "");
        // A pass that changes nothing is logged at debug: a controller every few seconds would drown the log.
        if (!d.resize(spec.workers())) {
            LOG.debug(line);
            return new Result(remaining, 0);
        }
        LOG.info(line);
        if (dryRun) {
            LOG.info("dry-run: would resize {}/{} to {} workers", ns, name, d.workers());
            return new Result(remaining, released);
        }
        if (!mayAct.getAsBoolean()) return new Result(remaining, 0);
        job.intent = new Intent(spec.workers(), d.workers(), spec.masters(), spec.gpusPerWorker(), line, 0, now);
        apply(policy, job);
        return new Result(remaining, released);
    }

    /** Writes the intent; on failure schedules the retry. */
    private void apply(ScalingPolicy policy, Job job) {
        Intent in = job.intent;
        String ns = policy.namespace();
        String name = policy.target().name();
        try {
            boolean grow = in.workers() > in.from();
            if (grow) api.setGangMinMember(ns, name, in.masters() + in.workers());
            api.setWorkers(ns, name, in.workers());
            if (!grow) api.setGangMinMember(ns, name, in.masters() + in.workers());
        } catch (RuntimeException e) {
            int attempts = in.attempts() + 1;
            Duration wait = settings.backoff().after(attempts);
            job.intent = new Intent(in.from(), in.workers(), in.masters(), in.gpusPerWorker(), in.reason(), attempts, clock.instant().plus(wait));
            metrics.actuationError(policy.name());
            LOG.warn("resizing PyTorchJob {}/{} to {} workers failed (attempt {}), retry in {}: {}", ns, name, in.workers(), attempts, wait, e.toString());
            if (attempts == 1) event(policy, true, DecisionEvents.FAILED_RESIZE, "Workers " + in.from() + " -> " + in.workers()
                    + " failed and is retried: " + e.getMessage());
            return;
        }
        job.intent = null;
        job.lastResize = Optional.of(clock.instant());
        metrics.resized(policy.name(), name, in.workers());
        LOG.info("resized PyTorchJob {}/{} to {} workers", ns, name, in.workers());
        event(policy, false, DecisionEvents.SUCCESSFUL_RESIZE, "Workers " + in.from() + " -> " + in.workers() + "; " + in.reason());
    }

    private void event(ScalingPolicy policy, boolean warning, String reason, String message) {
        events.recordOrCount(policy, warning, reason, message, metrics);
    }
}
