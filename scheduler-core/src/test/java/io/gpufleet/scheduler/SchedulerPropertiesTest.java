package io.gpufleet.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.gpufleet.contracts.GpuAssignment;
import io.gpufleet.scheduler.bench.SyntheticCluster;
import io.gpufleet.scheduler.framework.Decision;
import io.gpufleet.scheduler.framework.Scheduler;
import io.gpufleet.scheduler.model.Allocation;
import io.gpufleet.scheduler.model.Gpu;
import io.gpufleet.scheduler.model.Node;
import io.gpufleet.scheduler.model.PodGroup;
import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.quota.QuotaSpec;
import io.gpufleet.scheduler.quota.QuotaTree;
import io.gpufleet.scheduler.quota.Resources;
import io.gpufleet.scheduler.state.ClusterState;
import io.gpufleet.scheduler.state.NodeState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded random clusters, quota trees and request streams (single pods of every shape, gangs, deletions, GPU
 * faults, time passing), checking the scheduler's guarantees after every step.
 */
class SchedulerPropertiesTest {
    private static final String[] MODELS = {"H100-SXM5-80GB", "A100-SXM4-80GB", "V100-SXM2-32GB", "A10-24GB", "T4-16GB"};

    /** Everything a run produced, for comparing two runs. */
    private record Run(List<String> log, ClusterState state, QuotaTree quotas, Scheduler scheduler) {}

    private static ClusterState cluster(SplittableRandom rnd, long seed) {
        ClusterState s = new ClusterState();
        int n = 1 + rnd.nextInt(8);
        List<Node> nodes = SyntheticCluster.mixed(n, seed);
        for (Node node : nodes) s.addNode(node);
        if (rnd.nextBoolean()) s.addNode(Fixtures.pcie("odd-" + seed, 1 + rnd.nextInt(5)));
        if (rnd.nextInt(4) == 0) s.addNode(Fixtures.cpuOnly("cpu-" + seed));
        return s;
    }

    private static QuotaTree quotas(SplittableRandom rnd, ClusterState s) {
        int groups = rnd.nextInt(4);
        if (groups == 0) return QuotaTree.empty();
        List<QuotaSpec> specs = new ArrayList<>();
        long cap = s.gpuMilliCapacity();
        specs.add(new QuotaSpec("root", null, new Resources(cap, 0, 0), Resources.UNLIMITED));
        for (int i = 0; i < groups; i++) {
            long min = cap / groups * rnd.nextInt(2);
            long max = Math.max(min, cap / groups * (1 + rnd.nextInt(3)));
            specs.add(new QuotaSpec("g" + i, "root", new Resources(min, 0, 0), new Resources(max, Long.MAX_VALUE, Long.MAX_VALUE)));
        }
        return new QuotaTree(specs);
    }

    private static Request.Builder randomPod(SplittableRandom rnd, String name, int groups) {
        Request.Builder b = Request.builder(name).cpuMilli(250L * rnd.nextInt(40)).memoryMiB(1024L * rnd.nextInt(64))
                .priority(rnd.nextInt(5));
        if (groups > 0 && rnd.nextInt(5) > 0) b.quotaGroup("g" + rnd.nextInt(groups));
        switch (rnd.nextInt(6)) {
            case 0 -> { }
            case 1 -> b.gpus(1).gpuCoreMilli(50 * (1 + rnd.nextInt(20))).gpuMemoryMiB(512L * rnd.nextInt(40));
            case 2 -> b.gpus(1).gpuMemoryPercent(5 * (1 + rnd.nextInt(20))).gpuCoreMilli(100 * rnd.nextInt(11));
            case 3 -> b.gpus(1 + rnd.nextInt(2));
            case 4 -> b.gpus(2 + rnd.nextInt(4)).gpuCoreMilli(100 * (1 + rnd.nextInt(10))).gpuMemoryMiB(1024L * rnd.nextInt(16));
            default -> b.gpus(1 + rnd.nextInt(8));
        }
        if (rnd.nextInt(6) == 0) b.allowedModels(Set.of(MODELS[rnd.nextInt(MODELS.length)]));
        return b;
    }

    private static Run simulate(long seed, int steps) {
        SplittableRandom rnd = new SplittableRandom(seed);
        ClusterState state = cluster(rnd, seed);
        QuotaTree quotas = quotas(rnd, state);
        int groups = quotas.isEmpty() ? 0 : quotas.names().size() - 1;
        TestClock clock = new TestClock();
        Scheduler sch = Schedulers.create(state, quotas, clock);
        List<String> log = new ArrayList<>();
        Set<String> reported = new HashSet<>();
        int next = 0;
        for (int step = 0; step < steps; step++) {
            int op = rnd.nextInt(100);
            if (op < 55) {
                Decision d = sch.schedule(randomPod(rnd, "p" + next++, groups).build());
                checkVictims(d, seed);
                log.add(describe(d));
            } else if (op < 68) {
                String g = "gang" + next++;
                int size = 2 + rnd.nextInt(4);
                PodGroup pg = new PodGroup(g, 1 + rnd.nextInt(size), 1 + rnd.nextInt(60));
                List<Request> members = new ArrayList<>();
                Request.Builder template = randomPod(rnd, g, groups);
                for (int m = 0; m < size; m++) members.add(template.podGroup(g).build().withName(g + "-" + m));
                sch.submitGang(pg, members);
                for (Decision d : sch.runQueue()) {
                    checkVictims(d, seed);
                    log.add(describe(d));
                }
                assertTrue(sch.waitingPodNames().isEmpty(), "a gang scheduled back to back never leaves members waiting");
                long placed = members.stream().filter(m -> state.placement(m.name()) != null).count();
                assertTrue(placed == 0 || placed >= pg.minMember(), "seed " + seed + ": gang " + g + " half placed: " + placed);
            } else if (op < 85 && state.placedCount() > 0) {
                List<ClusterState.Placement> all = new ArrayList<>(state.placements());
                String victim = all.get(rnd.nextInt(all.size())).allocation().pod();
                sch.delete(victim);
                reported.remove(victim);
                log.add("delete " + victim);
            } else if (op < 92 && state.size() > 0) {
                NodeState n = state.node(rnd.nextInt(state.size()));
                if (n.gpuCount() > 0) {
                    int card = rnd.nextInt(n.gpuCount());
                    boolean healthy = rnd.nextInt(3) == 0;
                    for (Allocation a : sch.setGpuHealth(n.name(), card, healthy)) if (!healthy) reported.add(a.pod());
                    log.add("health " + n.name() + "/" + card + "=" + healthy);
                }
            } else {
                clock.advance(Duration.ofSeconds(rnd.nextInt(30)));
                for (Decision d : sch.runQueue()) log.add(describe(d));
            }
            checkInvariants(state, quotas, reported, seed, step);
        }
        return new Run(log, state, quotas, sch);
    }

    /**
     * Who may be evicted: for reclaim only pods of another quota group (both governed); for priority preemption
     * only strictly lower-priority pods of the preemptor's own group, and never for a gang member.
     */
    private static void checkVictims(Decision d, long seed) {
        if (d.allocation() == null) return;
        Request p = d.allocation().request();
        for (Allocation v : d.victims()) {
            Request vr = v.request();
            String at = "seed " + seed + ": " + p.name() + " evicted " + vr.name();
            if (java.util.Objects.equals(p.quotaGroup(), vr.quotaGroup())) {
                assertTrue(vr.priority() < p.priority() && p.podGroup() == null, at + " of its own group without a lower priority");
            } else {
                assertTrue(p.quotaGroup() != null && vr.quotaGroup() != null, at + " across groups outside reclaim");
            }
        }
    }

    private static String describe(Decision d) {
        return d.pod() + " " + d.outcome() + (d.allocation() == null ? "" : " " + d.allocation().node() + d.allocation().gpus())
                + " victims=" + d.victims().stream().map(Allocation::pod).toList();
    }

    private static void checkInvariants(ClusterState state, QuotaTree quotas, Set<String> reported, long seed, int step) {
        String at = "seed " + seed + " step " + step + ": ";
        // Recompute every node's use from the placements and compare with the incremental state.
        Map<Integer, long[]> cpuMem = new HashMap<>();
        Map<String, long[]> cards = new HashMap<>();
        Map<String, Resources> byGroup = new HashMap<>();
        for (ClusterState.Placement p : state.placements()) {
            Allocation a = p.allocation();
            long[] cm = cpuMem.computeIfAbsent(p.nodeId(), k -> new long[2]);
            cm[0] += a.request().cpuMilli();
            cm[1] += a.request().memoryMiB();
            for (GpuAssignment.Share s : a.gpus()) {
                long[] c = cards.computeIfAbsent(p.nodeId() + "/" + s.index(), k -> new long[2]);
                c[0] += s.coreMilli();
                c[1] += s.memoryMiB();
            }
            String g = a.request().quotaGroup();
            if (g != null && quotas.contains(g)) {
                for (String at2 = g; at2 != null; at2 = quotas.spec(at2).parent()) byGroup.merge(at2, Resources.of(a), Resources::plus);
            }
        }
        for (NodeState n : state.nodes()) {
            long[] cm = cpuMem.getOrDefault(n.id(), new long[2]);
            if (cm[0] > n.node().cpuMilli() || cm[1] > n.node().memoryMiB()) fail(at + "CPU or memory over-committed on " + n.name());
            assertEquals(n.node().cpuMilli() - cm[0], n.cpuFree(), at + "cpu free of " + n.name());
            assertEquals(n.node().memoryMiB() - cm[1], n.memoryFree(), at + "memory free of " + n.name());
            for (int i = 0; i < n.gpuCount(); i++) {
                long[] c = cards.getOrDefault(n.id() + "/" + i, new long[2]);
                if (c[0] > Gpu.COMPUTE_MILLI) fail(at + "GPU compute over-committed on " + n.name() + "/" + i + ": " + c[0]);
                if (c[1] > n.cardMemory(i)) fail(at + "GPU memory over-committed on " + n.name() + "/" + i + ": " + c[1]);
                assertEquals(Gpu.COMPUTE_MILLI - c[0], n.coreFree(i), at + "compute free");
                assertEquals(n.cardMemory(i) - c[1], n.memoryFree(i), at + "memory free");
            }
        }
        for (String g : quotas.names()) {
            Resources used = quotas.used(g);
            assertEquals(byGroup.getOrDefault(g, Resources.ZERO), used, at + "quota usage of " + g);
            assertTrue(used.fitsIn(quotas.spec(g).max()), at + "group " + g + " above its max: " + used);
        }
        for (Allocation a : state.podsOnUnhealthyGpus()) {
            assertTrue(reported.contains(a.pod()), at + "pod " + a.pod() + " sits on an unhealthy GPU and was never reported");
        }
    }

    @Test
    void randomStreamsKeepEveryInvariant() {
        for (long seed = 1; seed <= 600; seed++) simulate(seed, 60);
    }

    @Test
    void sameSeedSameDecisions() {
        for (long seed = 1000; seed < 1050; seed++) {
            Run a = simulate(seed, 80), b = simulate(seed, 80);
            assertEquals(a.log(), b.log(), "seed " + seed);
        }
    }

    @Test
    void gangsAreAllOrNothing() {
        for (long seed = 2000; seed < 2400; seed++) {
            SplittableRandom rnd = new SplittableRandom(seed);
            ClusterState state = cluster(rnd, seed);
            Scheduler sch = Schedulers.create(state, QuotaTree.empty(), new TestClock());
            for (int i = 0; i < 6; i++) {
                String g = "g" + i;
                int size = 1 + rnd.nextInt(6);
                int min = 1 + rnd.nextInt(size);
                Request.Builder t = randomPod(rnd, g, 0);
                List<Request> members = new ArrayList<>();
                for (int m = 0; m < size; m++) members.add(t.podGroup(g).build().withName(g + "-" + m));
                int before = state.placedCount();
                sch.submitGang(new PodGroup(g, min, 30), members);
                sch.runQueue();
                int placed = state.placedCount() - before;
                assertTrue(placed == 0 || placed >= min, "seed " + seed + " gang " + g + ": " + placed + " of min " + min + " placed");
                assertTrue(sch.waitingPodNames().isEmpty());
                for (int m = 0; m < size; m++) {
                    ClusterState.Placement p = state.placement(g + "-" + m);
                    assertTrue(p == null || p.bound(), "placed gang members are bound");
                }
            }
        }
    }

    /** 2 to 4 groups whose GPU mins add up to at most the cluster. */
    private static int[] randomMins(SplittableRandom rnd, ClusterState state) {
        int gpus = (int) (state.gpuMilliCapacity() / 1000);
        int[] min = new int[2 + rnd.nextInt(3)];
        int left = gpus;
        for (int g = 0; g < min.length; g++) {
            min[g] = rnd.nextInt(left / (min.length - g) + 1);
            left -= min[g];
        }
        return min;
    }

    /** Flat groups g0.. with those mins, each allowed to borrow up to the whole cluster. */
    private static QuotaTree flatQuotas(int[] min, ClusterState state) {
        long gpus = state.gpuMilliCapacity() / 1000;
        List<QuotaSpec> specs = new ArrayList<>();
        for (int g = 0; g < min.length; g++) {
            specs.add(new QuotaSpec("g" + g, null, Resources.ofGpus(min[g], 0, 0), Resources.ofGpus(gpus, Long.MAX_VALUE / 4, Long.MAX_VALUE / 4)));
        }
        return new QuotaTree(specs);
    }

    @Test
    void afterReclaimEveryAskingGroupGetsItsMin() {
        for (long seed = 3000; seed < 3300; seed++) {
            SplittableRandom rnd = new SplittableRandom(seed);
            ClusterState state = new ClusterState();
            int nodes = 1 + rnd.nextInt(4);
            for (int i = 0; i < nodes; i++) state.addNode(Fixtures.pcie("n" + i, 2 + rnd.nextInt(7)));
            int[] min = randomMins(rnd, state);
            int groups = min.length;
            QuotaTree quotas = flatQuotas(min, state);
            Scheduler sch = Schedulers.create(state, quotas, new TestClock());
            int next = 0;
            // Borrowers fill the cluster (some as gangs).
            while (state.gpuMilliUsed() < state.gpuMilliCapacity()) {
                int g = rnd.nextInt(groups);
                Decision d = sch.schedule(Request.builder("fill" + next++).gpus(1).quotaGroup("g" + g).priority(rnd.nextInt(5)).build());
                if (!d.placed()) break;
            }
            // Then every group asks for its min (one GPU at a time).
            for (int g = 0; g < groups; g++) {
                for (int k = 0; k < min[g]; k++) {
                    if (quotas.used("g" + g).gpuMilli() >= min[g] * 1000L) break;
                    Decision d = sch.schedule(Request.builder("ask" + next++).gpus(1).quotaGroup("g" + g).build());
                    assertTrue(d.placed(), "seed " + seed + ": g" + g + " below its min must be served: " + d.explain());
                }
            }
            for (int g = 0; g < groups; g++) {
                assertTrue(quotas.used("g" + g).gpuMilli() >= min[g] * 1000L, "seed " + seed + ": g" + g + " holds its min");
            }
        }
    }

    @Test
    void afterReclaimEveryGangWithinItsMinIsPlacedWhole() {
        for (long seed = 4000; seed < 4300; seed++) {
            SplittableRandom rnd = new SplittableRandom(seed);
            ClusterState state = new ClusterState();
            int nodes = 2 + rnd.nextInt(4);
            for (int i = 0; i < nodes; i++) state.addNode(Fixtures.pcie("n" + i, 2 + rnd.nextInt(7)));
            int[] min = randomMins(rnd, state);
            int groups = min.length;
            QuotaTree quotas = flatQuotas(min, state);
            TestClock clock = new TestClock();
            Scheduler sch = Schedulers.create(state, quotas, clock);
            int next = 0;
            // Borrowers fill the cluster with single pods, and groups without a min also with gangs of 1-GPU
            // members (a gang is evicted whole, so one in a group with a min could be impossible to take without
            // taking that group below its min: then the asking group rightly waits).
            while (state.gpuMilliUsed() < state.gpuMilliCapacity() && next < 400) {
                int gi = rnd.nextInt(groups);
                String group = "g" + gi;
                if (min[gi] == 0 && rnd.nextInt(2) == 0) {
                    String name = "fillgang" + next++;
                    int size = 1 + rnd.nextInt(3);
                    List<Request> members = new ArrayList<>();
                    for (int m = 0; m < size; m++) {
                        members.add(Request.builder(name + "-" + m).gpus(1).quotaGroup(group).podGroup(name).priority(rnd.nextInt(5)).build());
                    }
                    sch.submitGang(new PodGroup(name, size, 60), members);
                    sch.runQueue();
                    if (state.placement(name + "-0") == null) break;
                } else if (!sch.schedule(Request.builder("fill" + next++).gpus(1).quotaGroup(group).priority(rnd.nextInt(5)).build()).placed()) {
                    break;
                }
            }
            checkInvariants(state, quotas, Set.of(), seed, 0);
            // Each group asks for what it misses of its min as one gang of 1-GPU members (wider members may find no
            // node where enough evictable pods sit together; ElasticQuotaTest covers those by hand).
            for (int g = 0; g < groups; g++) {
                int missing = (int) (min[g] - quotas.used("g" + g).gpuMilli() / 1000);
                if (missing <= 0) continue;
                String name = "ask" + g;
                List<Request> members = new ArrayList<>();
                for (int m = 0; m < missing; m++) {
                    members.add(Request.builder(name + "-" + m).gpus(1).quotaGroup("g" + g).podGroup(name).build());
                }
                sch.submitGang(new PodGroup(name, members.size(), 60), members);
                List<Decision> ds = sch.runQueue();
                for (Request m : members) {
                    ClusterState.Placement p = state.placement(m.name());
                    assertTrue(p != null && p.bound(), "seed " + seed + ": g" + g + " gang within its min must be placed whole: " + ds);
                }
                checkInvariants(state, quotas, Set.of(), seed, g + 1);
            }
            for (int g = 0; g < groups; g++) {
                assertTrue(quotas.used("g" + g).gpuMilli() >= min[g] * 1000L, "seed " + seed + ": g" + g + " holds its min");
            }
        }
    }
}
