package io.gpufleet.platform.up;

import io.gpufleet.scheduler.api.ApiException;
import io.gpufleet.scheduler.api.DecisionLoop;
import io.gpufleet.scheduler.api.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Submits {@link SyntheticJobs} to the scheduler as their users, the opening tour at once and then at a steady
 * random (Poisson) rate, and deletes
 * each job once it has run its run time after its first pod was placed; a job still waiting after
 * {@code maxWait} is withdrawn, so the queue stays bounded on a full fleet.
 */
final class JobStream implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JobStream.class);
    private static final Principal OPERATOR = new Principal("fleet-up", Set.of(), true);

    private static final class Running {
        final SyntheticJobs.Plan plan;
        final String id;
        final List<String> pods;
        final long submittedNanos;
        volatile long firstBoundNanos;

        Running(SyntheticJobs.Plan plan, List<String> pods, long submittedNanos) {
            this.plan = plan;
            this.id = plan.spec().namespace() + "/" + plan.spec().name();
            this.pods = pods;
            this.submittedNanos = submittedNanos;
        }
    }

    private final DecisionLoop loop;
    private final PlacedWork workloads;
    private final SyntheticJobs jobs;
    private final double perSecond;
    private final Duration maxWait;
    private final SplittableRandom arrivals;
    private final LongSupplier nanos;
    private final Map<String, Running> byId = new ConcurrentHashMap<>();
    private final Map<String, Running> byPod = new ConcurrentHashMap<>();
    private final AtomicLong submitted = new AtomicLong(), finished = new AtomicLong(), withdrawn = new AtomicLong(),
            refused = new AtomicLong();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "gpufleet-up-jobs");
        t.setDaemon(true);
        return t;
    });
    private long nextArrival;

    /**
     * @param perSecond mean job arrivals per second
     * @param maxWait   how long a job may wait for its first placement before it is withdrawn
     */
    JobStream(DecisionLoop loop, PlacedWork workloads, SyntheticJobs jobs, double perSecond, Duration maxWait, long seed,
              LongSupplier nanos) {
        if (!(perSecond > 0)) throw new IllegalArgumentException("job rate must be > 0, was " + perSecond);
        this.loop = loop;
        this.workloads = workloads;
        this.jobs = jobs;
        this.perSecond = perSecond;
        this.maxWait = maxWait;
        this.arrivals = new SplittableRandom(seed ^ 0x9e3779b97f4a7c15L);
        this.nanos = nanos;
        workloads.onBound(pod -> {
            Running r = byPod.get(pod);
            if (r != null && r.firstBoundNanos == 0) r.firstBoundNanos = nanos.getAsLong();
        });
    }

    JobStream start() {
        nextArrival = nanos.getAsLong();
        timer.scheduleWithFixedDelay(this::stepSafely, 0, 200, TimeUnit.MILLISECONDS);
        return this;
    }

    private void stepSafely() {
        try {
            step();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | ExecutionException | TimeoutException e) {
            // the stream is a demo driver: one failed call must not stop it
            LOG.warn("synthetic jobs: {}", e.toString());
        }
    }

    /** Submits what is due, finishes what has run its time, withdraws what waited too long. */
    void step() throws InterruptedException, ExecutionException, TimeoutException {
        long now = nanos.getAsLong();
        while (nextArrival <= now) {
            SyntheticJobs.Plan plan = jobs.next();
            submit(plan, now);
            // the opening tour (one job of each kind) is submitted at once, the rest at the Poisson rate
            if (plan.seq() >= SyntheticJobs.tourLength()) {
                nextArrival += (long) (-Math.log(1 - arrivals.nextDouble()) / perSecond * 1e9);
            }
        }
        for (Running r : new ArrayList<>(byId.values())) {
            if (r.firstBoundNanos != 0 && now - r.firstBoundNanos >= r.plan.runTime().toNanos()) {
                delete(r);
                finished.incrementAndGet();
            } else if (r.firstBoundNanos == 0 && now - r.submittedNanos >= maxWait.toNanos()) {
                delete(r);
                withdrawn.incrementAndGet();
            }
        }
    }

    private void submit(SyntheticJobs.Plan plan, long now) throws InterruptedException, ExecutionException, TimeoutException {
        int n = plan.spec().replicaCount();
        List<String> pods = new ArrayList<>(n);
        String ns = plan.spec().namespace();
        for (int i = 0; i < n; i++) pods.add(ns + "/" + (n == 1 ? plan.spec().name() : plan.spec().name() + "-" + i));
        Running r = new Running(plan, pods, now);
        // registered before the submit: the submit itself runs a scheduling pass that may place the pods
        for (int i = 0; i < n; i++) {
            workloads.register(pods.get(i), new PlacedWork.PodWork(ns, plan.workloadName(i), plan.load().utilization(),
                    plan.load().memoryFraction()));
            byPod.put(pods.get(i), r);
        }
        byId.put(r.id, r);
        Principal user = new Principal(plan.user(), Set.of(ns), false);
        try {
            loop.call(s -> s.submitJob(user, plan.spec())).get(10, TimeUnit.SECONDS);
            submitted.incrementAndGet();
        } catch (ExecutionException e) {
            forget(r);
            if (!(e.getCause() instanceof ApiException)) throw e;
            refused.incrementAndGet();
            LOG.warn("synthetic job {} refused: {}", r.id, e.getCause().getMessage());
        }
    }

    private void delete(Running r) throws InterruptedException, ExecutionException, TimeoutException {
        try {
            loop.call(s -> s.deleteJob(OPERATOR, r.id)).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof ApiException)) throw e;
        }
        forget(r);
    }

    private void forget(Running r) {
        byId.remove(r.id);
        for (String p : r.pods) {
            byPod.remove(p);
            workloads.release(p);
        }
    }

    /** Jobs submitted, finished, withdrawn (never placed in time) and refused by the scheduler so far. */
    record Counts(long submitted, long finished, long withdrawn, long refused, int active) {}

    Counts counts() {
        return new Counts(submitted.get(), finished.get(), withdrawn.get(), refused.get(), byId.size());
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
