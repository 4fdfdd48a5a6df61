package io.gpufleet.platform.up;

import io.gpufleet.scheduler.api.JobSpec;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A seeded stream of synthetic jobs for {@code fleet up}: GPU-sharing pods, whole-GPU pods, multi-GPU pods,
 * replicated jobs and gangs, from several users of the {@code team-a} and {@code team-b} quota groups, each with a
 * run time so it finishes and frees its GPUs. Pure: the same seed gives the same jobs.
 *
 * <p>Job names are {@code <user>-j<4 base-36 digits>} and the pods' workload names {@code <user>-<5 characters>},
 * the shape of a Kubernetes Job's pods, so the analytics job (which takes a pod's owner from its name) reports
 * usage per user.
 */
public final class SyntheticJobs {

    /** The kinds of job, in the proportions the stream draws them. */
    public enum Kind {
        SHARING(0.35), WHOLE_GPU(0.30), MULTI_GPU(0.15), REPLICATED(0.10), GANG(0.10);

        final double weight;

        Kind(double weight) {
            this.weight = weight;
        }

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    /** Users per namespace (quota group). */
    public static final Map<String, List<String>> USERS = users();

    private static Map<String, List<String>> users() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("team-a", List.of("alice", "bob"));
        m.put("team-b", List.of("carol", "dave", "erin"));
        return m;
    }

    /**
     * How a placed pod loads its GPUs.
     *
     * @param utilization    busy fraction of each GPU (of its share for sharing pods)
     * @param memoryFraction memory held as a fraction of its memory share (whole GPUs: of the GPU's memory); above
     *                       1 for a pod that overruns its share
     */
    public record Load(double utilization, double memoryFraction) {}

    /**
     * One job to submit.
     *
     * @param seq     its number in the stream (from 1)
     * @param user    who submits it
     * @param kind    its shape
     * @param spec    the scheduler job
     * @param runTime how long it runs once placed
     * @param load    how its pods load their GPUs
     */
    public record Plan(long seq, String user, Kind kind, JobSpec spec, Duration runTime, Load load) {
        /** The workload (pod) name the exporters report for replica {@code i}. */
        public String workloadName(int i) {
            return user + "-" + code(seq * 64 + i + 1, 'p');
        }
    }

    private final SplittableRandom rng;
    private final Duration minRun, maxRun;
    private long seq;

    /**
     * @param seed   the stream's seed
     * @param minRun shortest run time
     * @param maxRun longest run time
     */
    public SyntheticJobs(long seed, Duration minRun, Duration maxRun) {
        if (minRun.isNegative() || minRun.isZero() || maxRun.compareTo(minRun) < 0) {
            throw new IllegalArgumentException("run times: need 0 < min <= max, was " + minRun + ".." + maxRun);
        }
        this.rng = new SplittableRandom(seed);
        this.minRun = minRun;
        this.maxRun = maxRun;
    }

    /** GPUs a job of this stream holds on average, for sizing the arrival rate. */
    public static double meanGpusPerJob() {
        // sharing ~0.35 GPU, whole 1, multi-GPU 3 (2 or 4), replicated 2.5 x 1, gang 2.5 x 3
        return Kind.SHARING.weight * 0.35 + Kind.WHOLE_GPU.weight + Kind.MULTI_GPU.weight * 3
                + Kind.REPLICATED.weight * 2.5 + Kind.GANG.weight * 7.5;
    }

    /** How a job of the opening tour departs from the usual load. */
    private enum Twist { NONE, OVER_SHARE, IDLE }

    private record TourStop(Kind kind, String namespace, Twist twist) {}

    /**
     * The first jobs show every kind once, and the two misbehaviours the dashboards and alerts watch for (a pod
     * over its memory share, an idle allocation), so every panel has data within the first minute.
     */
    private static final List<TourStop> TOUR = List.of(
            new TourStop(Kind.SHARING, "team-a", Twist.OVER_SHARE),
            new TourStop(Kind.WHOLE_GPU, "team-a", Twist.IDLE),
            new TourStop(Kind.SHARING, "team-b", Twist.NONE),
            new TourStop(Kind.WHOLE_GPU, "team-b", Twist.NONE),
            new TourStop(Kind.MULTI_GPU, "team-a", Twist.NONE),
            new TourStop(Kind.REPLICATED, "team-b", Twist.NONE),
            new TourStop(Kind.GANG, "team-a", Twist.NONE));

    /** Jobs in the opening tour. */
    public static int tourLength() {
        return TOUR.size();
    }

    /** The next job. */
    public Plan next() {
        seq++;
        Kind kind;
        String ns;
        Twist twist;
        if (seq <= TOUR.size()) {
            TourStop t = TOUR.get((int) seq - 1);
            kind = t.kind();
            ns = t.namespace();
            twist = t.twist();
        } else {
            ns = pick(List.copyOf(USERS.keySet()));
            kind = kind();
            // one sharing pod in ten holds more memory than it asked for; one whole-GPU pod in ten sits idle
            twist = rng.nextDouble() < 0.1 ? (kind == Kind.SHARING ? Twist.OVER_SHARE : kind == Kind.WHOLE_GPU ? Twist.IDLE : Twist.NONE)
                    : Twist.NONE;
        }
        String user = pick(USERS.get(ns));
        Map<String, String> res = new LinkedHashMap<>();
        Integer replicas = null;
        JobSpec.Gang gang = null;
        Load load;
        switch (kind) {
            case SHARING -> {
                res.put("nvidia.com/gpu", "1");
                res.put("gpufleet.io/gpu-memory", (4 + 2 * rng.nextInt(5)) + "Gi");
                res.put("gpufleet.io/gpu-core", Integer.toString(20 + 5 * rng.nextInt(7)));
                double mem = twist == Twist.OVER_SHARE ? 1.15 + 0.2 * rng.nextDouble() : 0.5 + 0.45 * rng.nextDouble();
                load = new Load(0.3 + 0.6 * rng.nextDouble(), mem);
            }
            case WHOLE_GPU -> {
                res.put("nvidia.com/gpu", "1");
                load = twist == Twist.IDLE ? new Load(0, 0.05) : new Load(0.6 + 0.38 * rng.nextDouble(), 0.3 + 0.6 * rng.nextDouble());
            }
            case MULTI_GPU -> {
                res.put("nvidia.com/gpu", rng.nextBoolean() ? "2" : "4");
                load = training();
            }
            case REPLICATED -> {
                replicas = 2 + rng.nextInt(2);
                res.put("nvidia.com/gpu", "1");
                load = training();
            }
            default -> {
                replicas = 2 + rng.nextInt(2);
                res.put("nvidia.com/gpu", rng.nextBoolean() ? "2" : "4");
                gang = new JobSpec.Gang(replicas, 120L);
                load = training();
            }
        }
        res.put("cpu", Integer.toString(2 + 2 * rng.nextInt(4)));
        res.put("memory", (16 + 16 * rng.nextInt(4)) + "Gi");
        long span = maxRun.toMillis() - minRun.toMillis();
        Duration run = Duration.ofMillis(minRun.toMillis() + (span == 0 ? 0 : rng.nextLong(span + 1)));
        String name = user + "-" + code(seq, 'j');
        JobSpec spec = new JobSpec(name, ns, replicas, res, gang, null, null, null, null, null);
        return new Plan(seq, user, kind, spec, run, load);
    }

    private Load training() {
        return new Load(0.7 + 0.28 * rng.nextDouble(), 0.5 + 0.45 * rng.nextDouble());
    }

    private Kind kind() {
        double x = rng.nextDouble();
        for (Kind k : Kind.values()) {
            if (x < k.weight) return k;
            x -= k.weight;
        }
        return Kind.GANG;
    }

    private <T> T pick(List<T> from) {
        return from.get(rng.nextInt(from.size()));
    }

    /**
     * A 5-character lower-case name suffix: {@code prefix} and 4 base-36 digits (what the analytics job strips
     * from a pod name to find its owner).
     */
    static String code(long n, char prefix) {
        String s = Long.toString(Math.floorMod(n, 36L * 36 * 36 * 36), 36);
        return prefix + "0".repeat(4 - s.length()) + s;
    }
}
