package io.gpufleet.scheduler.bench;

import io.gpufleet.contracts.time.ManualClock;
import io.gpufleet.scheduler.Schedulers;
import io.gpufleet.scheduler.framework.Decision;
import io.gpufleet.scheduler.framework.Profile;
import io.gpufleet.scheduler.framework.Scheduler;
import io.gpufleet.scheduler.model.Node;
import io.gpufleet.scheduler.model.PodGroup;
import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.quota.QuotaSpec;
import io.gpufleet.scheduler.quota.QuotaTree;
import io.gpufleet.scheduler.quota.Resources;
import io.gpufleet.scheduler.state.ClusterState;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Decision throughput and latency of the default profile (benchmarks/SCHEDULER.md, part 2).
 *
 * <p>Setup: {@link SyntheticCluster#mixed} nodes of 8 GPUs; a quota tree (2 departments × 4 teams, team mins
 * splitting the cluster, team max 2.5 × min); a seeded stream of requests: 15% CPU-only, 35% sharing one GPU
 * (compute and/or memory, some pinned to models or percent memory), 25% one whole GPU, 15% multi-GPU (2, 4 or 8,
 * some sharing on 2), 10% gang members (gangs of 2–8 pods of 1–8 GPUs, scheduled back to back); 5% with a zone
 * selector, 20% naming a data set, priorities 0–3. Pods depart at random to hold GPU use near 85% (the cluster
 * stays busy and the search visits both full and free nodes; {@code main}'s fifth argument changes the target).
 * Departures are not timed as decisions.
 *
 * <p>Measure: {@code System.nanoTime()} around every {@link Scheduler#schedule} call; decisions/s is decisions
 * over the wall time of the whole measured loop (departures included, request generation not). A warm-up pass
 * of up to 20 000 decisions on a separate cluster precedes the measured pass so the JIT has compiled the hot
 * path. {@link #main} repeats the measured pass and reports medians. Decisions per CPU-second of the scheduling
 * thread, and the thread CPU time of every 8th decision, are reported too: on a shared machine they show the
 * scheduler's own cost when wall time is inflated by other load.
 */
public final class SchedulerBench {
    private SchedulerBench() {}

    /** One measured pass. */
    public record Result(int nodes, int decisions, int placed, int unschedulable, int preemptions,
                         double decisionsPerSecond, double p50Ms, double p99Ms, double maxMs, double gpuUsedPct,
                         Map<String, Integer> unschedulableReasons, double decisionsPerCpuSecond, double cpuP50Ms,
                         double cpuP99Ms) {}

    /** Every 8th decision is also timed in thread CPU time (a system call, so not every one). */
    private static final int CPU_SAMPLE = 8;

    private static final String[] MODELS = {"H100-SXM5-80GB", "A100-SXM4-80GB", "V100-SXM2-32GB", "A10-24GB", "T4-16GB"};
    private static final String[] TEAMS = {"research-a", "research-b", "research-c", "research-d", "prod-a", "prod-b", "prod-c", "prod-d"};

    /** Warm-up, then one measured pass over {@code requests} decisions on {@code nodes} nodes. */
    public static Result run(int nodes, int requests, long seed, PrintStream progress) {
        if (nodes < 1) throw new IllegalArgumentException("nodes must be >= 1, was " + nodes);
        if (requests < 1) throw new IllegalArgumentException("requests must be >= 1, was " + requests);
        if (progress != null) progress.printf("scheduler bench: warm-up (%d decisions)%n", Math.min(requests, 20_000));
        pass(nodes, Math.min(requests, 20_000), seed + 1, null);
        return pass(nodes, requests, seed, progress);
    }

    static Result pass(int nodeCount, int requests, long seed, PrintStream progress) {
        return pass(nodeCount, requests, seed, progress, Profile.defaultProfile());
    }

    static Result pass(int nodeCount, int requests, long seed, PrintStream progress, Profile profile) {
        return pass(nodeCount, requests, seed, progress, profile, 85);
    }

    /** One pass holding GPU use near {@code targetUsePct} percent (85 in the standard run). */
    static Result pass(int nodeCount, int requests, long seed, PrintStream progress, Profile profile, int targetUsePct) {
        ClusterState state = new ClusterState();
        for (Node n : SyntheticCluster.mixed(nodeCount, seed)) state.addNode(n);
        QuotaTree quotas = quotas(state);
        ManualClock clock = new ManualClock();
        Scheduler scheduler = Schedulers.create(state, quotas, profile, clock);
        List<List<Request>> stream = workload(requests + requests / 2 + 16, seed, scheduler);
        SplittableRandom rnd = new SplittableRandom(seed ^ 0x5DEECE66DL);
        List<String> running = new ArrayList<>();
        long[] lat = new long[requests];
        long[] cpuLat = new long[requests / CPU_SAMPLE + 1];
        int cpuSamples = 0;
        int decisions = 0, placed = 0, preemptions = 0, nextProgress = 5000;
        Map<String, Integer> reasons = new TreeMap<>();
        long limit = state.gpuMilliCapacity() * targetUsePct / 100;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        boolean cpuTime = threads.isCurrentThreadCpuTimeSupported();
        long cpuStart = cpuTime ? threads.getCurrentThreadCpuTime() : 0;
        long start = System.nanoTime();
        for (List<Request> unit : stream) {
            for (Request r : unit) {
                if (decisions == requests) break;
                boolean sample = cpuTime && decisions % CPU_SAMPLE == 0;
                long c0 = sample ? threads.getCurrentThreadCpuTime() : 0;
                long t0 = System.nanoTime();
                Decision d = scheduler.schedule(r);
                lat[decisions++] = System.nanoTime() - t0;
                if (sample) cpuLat[cpuSamples++] = threads.getCurrentThreadCpuTime() - c0;
                if (d.placed()) {
                    placed++;
                    running.add(r.name());
                } else {
                    reasons.merge(reasonKind(r, d), 1, Integer::sum);
                }
                if (!d.victims().isEmpty()) preemptions++;
                clock.advanceMillis(5);
                if (!d.placed() && r.podGroup() != null) break;
            }
            // Departures: keep GPU use near the limit (and CPU-only pods churning too).
            while ((state.gpuMilliUsed() > limit || running.size() > nodeCount * 12) && !running.isEmpty()) {
                int i = rnd.nextInt(running.size());
                String pod = running.get(i);
                running.set(i, running.get(running.size() - 1));
                running.remove(running.size() - 1);
                scheduler.delete(pod);
            }
            if (progress != null && decisions >= nextProgress) {
                nextProgress += 5000;
                progress.printf(Locale.ROOT, "  %d/%d decisions, %d placed, GPU use %.1f%%%n", decisions, requests, placed,
                        100.0 * state.gpuMilliUsed() / state.gpuMilliCapacity());
            }
            if (decisions == requests) break;
        }
        long wall = System.nanoTime() - start;
        // CPU time of the scheduling thread: unlike wall time it does not count time other processes took the core.
        long cpu = cpuTime ? threads.getCurrentThreadCpuTime() - cpuStart : 0;
        long[] sorted = Arrays.copyOf(lat, decisions);
        Arrays.sort(sorted);
        double p50 = sorted[decisions / 2] / 1e6;
        double p99 = sorted[Math.max(0, (int) Math.ceil(decisions * 0.99) - 1)] / 1e6;
        double max = sorted[decisions - 1] / 1e6;
        long[] cpuSorted = Arrays.copyOf(cpuLat, cpuSamples);
        Arrays.sort(cpuSorted);
        double cpuP50 = cpuSamples == 0 ? 0 : cpuSorted[cpuSamples / 2] / 1e6;
        double cpuP99 = cpuSamples == 0 ? 0 : cpuSorted[Math.max(0, (int) Math.ceil(cpuSamples * 0.99) - 1)] / 1e6;
        return new Result(nodeCount, decisions, placed, decisions - placed, preemptions, decisions / (wall / 1e9), p50, p99, max,
                100.0 * state.gpuMilliUsed() / state.gpuMilliCapacity(), reasons, cpu > 0 ? decisions / (cpu / 1e9) : 0, cpuP50, cpuP99);
    }

    /**
     * A short class of why a pod was not placed: the rejecting plugin, or one node rejection taken from the middle
     * of the scan (a full summary would cost the harness as much as the decision itself).
     */
    private static String reasonKind(Request req, Decision d) {
        int n = d.rejections().count();
        if (n == 0) {
            String r = d.reason();
            int colon = r.indexOf(':');
            return colon > 0 ? r.substring(0, colon) : r;
        }
        return (req.podGroup() != null ? "gang member, " : "") + d.rejections().reason(n / 2);
    }

    /** Two departments of four teams; team mins split the cluster evenly, team max is 2.5 × min. */
    static QuotaTree quotas(ClusterState state) {
        Resources cap = new Resources(state.gpuMilliCapacity(), state.gpuMemoryCapacity(), state.cpuCapacity());
        Resources teamMin = new Resources(cap.gpuMilli() / 8, cap.gpuMemoryMiB() / 8, cap.cpuMilli() / 8);
        Resources teamMax = new Resources(Math.min(cap.gpuMilli(), teamMin.gpuMilli() * 5 / 2),
                Math.min(cap.gpuMemoryMiB(), teamMin.gpuMemoryMiB() * 5 / 2), Math.min(cap.cpuMilli(), teamMin.cpuMilli() * 5 / 2));
        Resources deptMin = new Resources(teamMin.gpuMilli() * 4, teamMin.gpuMemoryMiB() * 4, teamMin.cpuMilli() * 4);
        List<QuotaSpec> specs = new ArrayList<>();
        specs.add(new QuotaSpec("research", null, deptMin, cap));
        specs.add(new QuotaSpec("prod", null, deptMin, cap));
        for (String t : TEAMS) specs.add(new QuotaSpec(t, t.startsWith("research") ? "research" : "prod", teamMin, teamMax));
        return new QuotaTree(specs);
    }

    static List<List<Request>> workload(int requests, long seed, Scheduler scheduler) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<List<Request>> out = new ArrayList<>();
        int made = 0, gangs = 0;
        while (made < requests) {
            int kind = rnd.nextInt(100);
            String team = TEAMS[rnd.nextInt(TEAMS.length)];
            String name = "pod-" + made;
            if (kind >= 90) {
                int size = 2 + rnd.nextInt(7);
                int gpus = new int[] {1, 2, 4, 8}[rnd.nextInt(4)];
                String g = "gang-" + gangs++;
                scheduler.defineGang(new PodGroup(g, size, 60));
                List<Request> members = new ArrayList<>();
                for (int m = 0; m < size && made < requests; m++) {
                    Request member = base(rnd, name + "-" + m, team).gpus(gpus).podGroup(g).cpuMilli(8000).memoryMiB(65536).build();
                    members.add(member);
                    // The members exist (as pods would in the API) before the first one is scheduled.
                    scheduler.gangs().addMember(g, member);
                    made++;
                }
                out.add(members);
                continue;
            }
            Request.Builder b = base(rnd, name, team);
            if (kind < 15) {
                b.cpuMilli(500 + 500L * rnd.nextInt(16)).memoryMiB(1024L * (1 + rnd.nextInt(32)));
            } else if (kind < 50) {
                b.gpus(1);
                int shape = rnd.nextInt(3);
                if (shape == 0) b.gpuCoreMilli(100 + 50 * rnd.nextInt(9)).gpuMemoryMiB(2048L * (1 + rnd.nextInt(8)));
                else if (shape == 1) b.gpuCoreMilli(250 * (1 + rnd.nextInt(3)));
                else b.gpuCoreMilli(200).gpuMemoryPercent(25);
                if (rnd.nextInt(5) == 0) { int m = rnd.nextInt(MODELS.length); b.allowedModels(Set.of(MODELS[m], MODELS[(m + 1 + rnd.nextInt(MODELS.length - 1)) % MODELS.length])); }
            } else if (kind < 75) {
                b.gpus(1);
                if (rnd.nextInt(4) == 0) b.allowedModels(Set.of(MODELS[rnd.nextInt(MODELS.length)]));
            } else {
                int g = new int[] {2, 2, 4, 8}[rnd.nextInt(4)];
                b.gpus(g);
                if (g == 2 && rnd.nextInt(3) == 0) b.gpuCoreMilli(500).gpuMemoryMiB(8192);
            }
            out.add(List.of(b.build()));
            made++;
        }
        return out;
    }

    private static Request.Builder base(SplittableRandom rnd, String name, String team) {
        Request.Builder b = Request.builder(name).quotaGroup(team).priority(rnd.nextInt(4))
                .cpuMilli(1000 + 1000L * rnd.nextInt(8)).memoryMiB(4096L * (1 + rnd.nextInt(8)));
        if (rnd.nextInt(20) == 0) b.nodeSelector(Map.of("topology.kubernetes.io/zone", "zone-" + rnd.nextInt(4)));
        if (rnd.nextInt(5) == 0) b.dataset("ds-" + rnd.nextInt(8));
        return b;
    }

    /**
     * {@code SchedulerBench [nodes [requests [seed [repeats [targetUsePct [profile.yaml]]]]]]}, defaults 5000 50000 42 3 85
     * and the built-in default profile: prints progress and
     * ends with {@code RESULT scheduler nodes=<n> decisions_per_s=<x> p50_ms=<x> p99_ms=<x>} (medians of the
     * repeats).
     */
    public static void main(String[] args) {
        int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        int requests = args.length > 1 ? Integer.parseInt(args[1]) : 50_000;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : 42;
        int repeats = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        int target = args.length > 4 ? Integer.parseInt(args[4]) : 85;
        if (target < 1 || target > 100) throw new IllegalArgumentException("targetUsePct must be 1..100, was " + target);
        Profile profile = Profile.defaultProfile();
        if (args.length > 5) profile = Profile.fromFile(java.nio.file.Path.of(args[5]));
        PrintStream out = System.out;
        out.printf("scheduler bench: %d nodes x 8 GPUs, %d requests, seed %d, %d repeats, GPU use held near %d%%, profile %s, %d CPUs%n",
                nodes, requests, seed, repeats, target, profile.name(), Runtime.getRuntime().availableProcessors());
        out.printf("scheduler bench: warm-up (%d decisions)%n", Math.min(requests, 20_000));
        pass(nodes, Math.min(requests, 20_000), seed + 1, null, profile, target);
        double[] dps = new double[repeats], p50 = new double[repeats], p99 = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            Result r = pass(nodes, requests, seed, out, profile, target);
            out.printf(Locale.ROOT, "repeat %d: %.0f decisions/s (%.0f per CPU-second), p50 %.4f ms, p99 %.4f ms, max %.2f ms, placed %d, unschedulable %d, preemptions %d, GPU use %.1f%%%n",
                    i + 1, r.decisionsPerSecond(), r.decisionsPerCpuSecond(), r.p50Ms(), r.p99Ms(), r.maxMs(), r.placed(), r.unschedulable(), r.preemptions(), r.gpuUsedPct());
            out.printf(Locale.ROOT, "  thread CPU time per decision (every %dth): p50 %.4f ms, p99 %.4f ms%n", CPU_SAMPLE, r.cpuP50Ms(), r.cpuP99Ms());
            out.println("  unschedulable by reason: " + r.unschedulableReasons());
            dps[i] = r.decisionsPerSecond();
            p50[i] = r.p50Ms();
            p99[i] = r.p99Ms();
        }
        out.printf(Locale.ROOT, "RESULT scheduler nodes=%d decisions_per_s=%.0f p50_ms=%.4f p99_ms=%.4f%n", nodes, median(dps), median(p50), median(p99));
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
