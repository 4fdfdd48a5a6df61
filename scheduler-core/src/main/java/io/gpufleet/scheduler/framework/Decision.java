package io.gpufleet.scheduler.framework;

import io.gpufleet.scheduler.model.Allocation;
import io.gpufleet.scheduler.state.ClusterState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The result of one scheduling cycle, and why: for each node rejected the reason, for the winner the score of
 * every plugin.
 */
public final class Decision {
    /** How the cycle ended. */
    public enum Outcome {
        /** Placed and bound. */
        BOUND,
        /** Capacity reserved; held at Permit until its gang completes or times out. */
        WAITING,
        /** Not placed; the state is as before (apart from gang siblings released, listed in {@link #released()}). */
        UNSCHEDULABLE
    }

    /** One plugin's part in the winner's score: normalised score (0..100) times weight. */
    public record ScoreEntry(String plugin, long score, int weight) {
        public long weighted() {
            return score * weight;
        }
    }

    /** Per rejected node, the reason; kept as arrays so a decision over thousands of nodes stays cheap. */
    public static final class Rejections {
        private final ClusterState state;
        private final int[] nodes;
        private final Rejection[] reasons;

        Rejections(ClusterState state, int[] nodes, Rejection[] reasons) {
            this.state = state;
            this.nodes = nodes;
            this.reasons = reasons;
        }

        public int count() { return nodes.length; }
        public int nodeId(int i) { return nodes[i]; }
        public String node(int i) { return state.node(nodes[i]).name(); }
        public Rejection reason(int i) { return reasons[i]; }

        /** Node name to reason. */
        public Map<String, Rejection> byNode() {
            Map<String, Rejection> m = new LinkedHashMap<>();
            for (int i = 0; i < nodes.length; i++) m.put(node(i), reasons[i]);
            return m;
        }

        /** Reason text to how many nodes gave it. */
        public Map<String, Integer> summary() {
            Map<String, Integer> m = new TreeMap<>();
            for (Rejection r : reasons) m.merge(r.toString(), 1, Integer::sum);
            return m;
        }
    }

    private final String pod;
    private final Outcome outcome;
    private final Allocation allocation;
    private final String reason;
    private final Rejections rejections;
    private final List<ScoreEntry> scores;
    private final int nodesEvaluated;
    private final int feasibleNodes;
    private final List<Allocation> victims;
    private final List<Allocation> alsoBound;
    private final List<Allocation> released;

    Decision(String pod, Outcome outcome, Allocation allocation, String reason, Rejections rejections,
             List<ScoreEntry> scores, int nodesEvaluated, int feasibleNodes, List<Allocation> victims,
             List<Allocation> alsoBound, List<Allocation> released) {
        this.pod = pod;
        this.outcome = outcome;
        this.allocation = allocation;
        this.reason = reason;
        this.rejections = rejections;
        this.scores = List.copyOf(scores);
        this.nodesEvaluated = nodesEvaluated;
        this.feasibleNodes = feasibleNodes;
        this.victims = List.copyOf(victims);
        this.alsoBound = List.copyOf(alsoBound);
        this.released = List.copyOf(released);
    }

    public String pod() { return pod; }
    public Outcome outcome() { return outcome; }
    public boolean placed() { return outcome != Outcome.UNSCHEDULABLE; }
    /** Where the pod went (BOUND or WAITING), else {@code null}. */
    public Allocation allocation() { return allocation; }
    /** Why it was not placed (UNSCHEDULABLE), else {@code null}. */
    public String reason() { return reason; }
    public Rejections rejections() { return rejections; }
    /** The winner's score breakdown, in profile order. */
    public List<ScoreEntry> scores() { return scores; }
    public long totalScore() {
        long t = 0;
        for (ScoreEntry s : scores) t += s.weighted();
        return t;
    }
    public int nodesEvaluated() { return nodesEvaluated; }
    public int feasibleNodes() { return feasibleNodes; }
    /** Pods evicted to make room (preemption). */
    public List<Allocation> victims() { return victims; }
    /** Waiting gang siblings bound together with this pod. */
    public List<Allocation> alsoBound() { return alsoBound; }
    /** Waiting gang siblings whose reservations were released because the gang cannot complete. */
    public List<Allocation> released() { return released; }

    /** A readable account of the decision. */
    public String explain() {
        StringBuilder sb = new StringBuilder();
        sb.append("pod ").append(pod).append(": ").append(outcome);
        if (allocation != null) {
            sb.append(" on ").append(allocation.node()).append(" GPUs ");
            allocation.gpus().forEach(g -> sb.append('[').append(g.index()).append(' ').append(g.coreMilli()).append("m ")
                    .append(g.memoryMiB()).append("MiB]"));
            sb.append(", score ").append(totalScore());
            for (ScoreEntry s : scores) sb.append(' ').append(s.plugin()).append('=').append(s.score()).append('x').append(s.weight());
        }
        if (reason != null) sb.append(": ").append(reason);
        sb.append("; nodes evaluated ").append(nodesEvaluated).append(", feasible ").append(feasibleNodes);
        if (rejections.count() > 0) sb.append(", rejected ").append(rejections.summary());
        if (!victims.isEmpty()) sb.append(", evicted ").append(victims.stream().map(Allocation::pod).toList());
        return sb.toString();
    }

    @Override
    public String toString() {
        return explain();
    }
}
