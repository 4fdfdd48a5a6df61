package io.gpufleet.scheduler.simulator;

import io.gpufleet.scheduler.Schedulers;
import io.gpufleet.scheduler.framework.Decision;
import io.gpufleet.scheduler.framework.Profile;
import io.gpufleet.scheduler.framework.Scheduler;
import io.gpufleet.scheduler.plugins.fgd.Fragmentation;
import io.gpufleet.scheduler.plugins.fgd.TypicalPod;
import io.gpufleet.scheduler.quota.QuotaTree;
import io.gpufleet.scheduler.state.ClusterState;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * One run of the protocol: the arranged workload is offered once, in order, to a scheduler built from the
 * policy's profile over a fresh cluster (nodes in the run's permutation); no departures, no retries. After every
 * pod the arrive ratio, alloc ratio and fragmentation ratio are recorded. The fragmentation ratio uses the typical
 * pods of the trace file (the paper's measure) and is kept incrementally: only the node that changed is
 * recomputed.
 */
public final class SimulationRun {
    private SimulationRun() {}

    public static RunResult run(String policy, Profile profile, List<TraceNode> nodes, List<TracePod> arranged,
                                List<TypicalPod> fragTypical, long seed) {
        long t0 = System.nanoTime();
        ClusterState state = TraceCluster.build(nodes, seed);
        Scheduler s = Schedulers.create(state, QuotaTree.empty(), profile, Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
        ClusterFragments frag = new ClusterFragments(new Fragmentation(fragTypical, state), state);
        double cap = state.gpuMilliCapacity();
        int m = arranged.size();
        double[] arrive = new double[m], alloc = new double[m], fr = new double[m];
        Map<TracePod.Kind, Integer> failed = new EnumMap<>(TracePod.Kind.class);
        for (TracePod.Kind k : TracePod.Kind.values()) failed.put(k, 0);
        long arrived = 0;
        for (int i = 0; i < m; i++) {
            TracePod p = arranged.get(i);
            arrived += p.gpuMilliTotal();
            Decision d = s.schedule(TraceCluster.request(p));
            if (d.placed()) {
                frag.refresh(d.allocation().node());
            } else {
                failed.merge(p.kind(), 1, Integer::sum);
            }
            arrive[i] = 100.0 * arrived / cap;
            alloc[i] = 100.0 * state.gpuMilliUsed() / cap;
            fr[i] = frag.percentOfIdle();
        }
        return new RunResult(policy, seed, arrive, alloc, fr, failed, m, (System.nanoTime() - t0) / 1_000_000);
    }
}
