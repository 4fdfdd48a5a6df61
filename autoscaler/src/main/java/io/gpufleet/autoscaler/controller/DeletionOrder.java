package io.gpufleet.autoscaler.controller;

import io.gpufleet.autoscaler.hpa.PodStatus;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which replicas a scale-down removes first, as {@code controller.kubernetes.io/pod-deletion-cost} values (the
 * ReplicaSet controller deletes lower costs first). Order: replicas under a preemption notice (they go anyway),
 * replicas not serving (unplaced, starting, not ready), replicas on spot nodes, then the idlest by GPU
 * utilization; on-demand replicas doing the most work stay. Pure.
 */
public final class DeletionOrder {
    private DeletionOrder() {}

    /**
     * @param utilization pod name to GPU utilization (pods without a value count as idle)
     * @return pod name to cost, 0 for the first to go, for every pod not already being deleted
     */
    public static Map<String, Integer> costs(List<TargetState.Replica> pods, Map<String, Double> utilization) {
        List<TargetState.Replica> live = new ArrayList<>();
        for (TargetState.Replica r : pods) if (!r.status().deleted()) live.add(r);
        live.sort(Comparator.<TargetState.Replica>comparingInt(r -> r.preempting() ? 0 : 1)
                .thenComparingInt(r -> serving(r.status()) ? 1 : 0)
                .thenComparingInt(r -> r.spot() ? 0 : 1)
                .thenComparingDouble(r -> utilization.getOrDefault(r.name(), 0.0))
                .thenComparing(TargetState.Replica::name));
        Map<String, Integer> out = new LinkedHashMap<>();
        for (int i = 0; i < live.size(); i++) out.put(live.get(i).name(), i);
        return out;
    }

    private static boolean serving(PodStatus s) {
        return s.phase() == PodStatus.Phase.Running && s.ready();
    }
}
