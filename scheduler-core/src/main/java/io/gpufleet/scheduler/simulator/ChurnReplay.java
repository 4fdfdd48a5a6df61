package io.gpufleet.scheduler.simulator;

import io.gpufleet.scheduler.Schedulers;
import io.gpufleet.scheduler.framework.Decision;
import io.gpufleet.scheduler.framework.Profile;
import io.gpufleet.scheduler.framework.Scheduler;
import io.gpufleet.scheduler.model.Allocation;
import io.gpufleet.scheduler.plugins.fgd.Fragmentation;
import io.gpufleet.scheduler.plugins.fgd.TypicalPod;
import io.gpufleet.scheduler.quota.QuotaTree;
import io.gpufleet.scheduler.state.ClusterState;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Replay with departures: pods arrive at their {@code creation_time} (ties by name) and leave at their
 * {@code deletion_time}; departures due at or before an arrival are processed first. A pod that does not fit when
 * it arrives fails for good (no retries). After every arrival the time, running pods, alloc ratio (GPU milli held
 * / capacity), fragmentation ratio and failures so far are recorded.
 */
public final class ChurnReplay {
    /** One sample, taken after an arrival. */
    public record Sample(long time, int running, double allocPct, double fragPct, int failed) {}

    /** The samples and the failed pods by kind. */
    public record Result(String policy, List<Sample> samples, Map<TracePod.Kind, Integer> failed, int pods) {
        /** Time-weighted mean alloc ratio over the replay. */
        public double meanAllocPct() {
            if (samples.size() < 2) return samples.isEmpty() ? 0 : samples.get(0).allocPct();
            double area = 0;
            for (int i = 1; i < samples.size(); i++) {
                area += samples.get(i - 1).allocPct() * (samples.get(i).time() - samples.get(i - 1).time());
            }
            long span = samples.get(samples.size() - 1).time() - samples.get(0).time();
            return span == 0 ? samples.get(samples.size() - 1).allocPct() : area / span;
        }

        public int failedTotal() {
            int s = 0;
            for (int v : failed.values()) s += v;
            return s;
        }
    }

    private ChurnReplay() {}

    public static Result run(String policy, Profile profile, List<TraceNode> nodes, List<TracePod> pods,
                             List<TypicalPod> fragTypical, long seed) {
        return run(policy, profile, nodes, pods, fragTypical, seed, 1);
    }

    /**
     * @param durationScale run times ({@code deletion − creation}) are multiplied by this (the trace's pods mostly
     *                      run for minutes over months of arrivals; stretching them studies a loaded cluster)
     */
    public static Result run(String policy, Profile profile, List<TraceNode> nodes, List<TracePod> pods,
                             List<TypicalPod> fragTypical, long seed, double durationScale) {
        if (!(durationScale > 0)) throw new IllegalArgumentException("replay: duration scale must be > 0, was " + durationScale);
        List<TracePod> order = new ArrayList<>(pods);
        for (TracePod p : order) {
            if (p.creationTime() < 0) throw new IllegalArgumentException("replay: pod " + p.name() + " has no creation_time (the pod list needs creation_time and deletion_time columns)");
        }
        order.sort(Comparator.comparingLong(TracePod::creationTime).thenComparing(TracePod::name));
        ClusterState state = TraceCluster.build(nodes, seed);
        Scheduler s = Schedulers.create(state, QuotaTree.empty(), profile, Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
        ClusterFragments frag = new ClusterFragments(new Fragmentation(fragTypical, state), state);
        record Departure(long time, String pod) {}
        PriorityQueue<Departure> leaving = new PriorityQueue<>(Comparator.comparingLong(Departure::time).thenComparing(Departure::pod));
        Map<TracePod.Kind, Integer> failed = new EnumMap<>(TracePod.Kind.class);
        for (TracePod.Kind k : TracePod.Kind.values()) failed.put(k, 0);
        List<Sample> samples = new ArrayList<>(order.size());
        double cap = state.gpuMilliCapacity();
        int failedCount = 0;
        for (TracePod p : order) {
            while (!leaving.isEmpty() && leaving.peek().time() <= p.creationTime()) {
                Allocation a = s.delete(leaving.poll().pod());
                if (a != null) frag.refresh(a.node());
            }
            Decision d = s.schedule(TraceCluster.request(p));
            if (d.placed()) {
                frag.refresh(d.allocation().node());
                if (p.deletionTime() >= p.creationTime()) {
                    long leaves = p.creationTime() + Math.round((p.deletionTime() - p.creationTime()) * durationScale);
                    leaving.add(new Departure(leaves, p.name()));
                }
            } else {
                failed.merge(p.kind(), 1, Integer::sum);
                failedCount++;
            }
            samples.add(new Sample(p.creationTime(), state.placedCount(), 100.0 * state.gpuMilliUsed() / cap,
                    frag.percentOfIdle(), failedCount));
        }
        return new Result(policy, samples, failed, order.size());
    }
}
