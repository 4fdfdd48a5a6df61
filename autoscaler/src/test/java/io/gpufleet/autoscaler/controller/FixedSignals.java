package io.gpufleet.autoscaler.controller;

import io.gpufleet.autoscaler.policy.ScalingPolicy;
import io.gpufleet.autoscaler.policy.ScalingPolicy.MetricSpec;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.ConcurrentHashMap;

/** Signals set by the test: per-pod values by metric label and totals; {@link #fail} makes every read throw. */
final class FixedSignals implements SignalSource {
    final Map<String, Map<String, Double>> perPod = new ConcurrentHashMap<>();
    final Map<String, Double> totals = new ConcurrentHashMap<>();
    volatile RuntimeException fail;

    FixedSignals pod(String metric, String pod, double value) {
        perPod.computeIfAbsent(metric, k -> new ConcurrentHashMap<>()).put(pod, value);
        return this;
    }

    @Override
    public Map<String, Double> perReplica(ScalingPolicy policy, MetricSpec metric, List<String> pods) {
        if (fail != null) throw fail;
        Map<String, Double> out = new HashMap<>();
        Map<String, Double> v = perPod.getOrDefault(AutoscalerController.metricLabel(metric), Map.of());
        for (String p : pods) if (v.containsKey(p)) out.put(p, v.get(p));
        return out;
    }

    @Override
    public OptionalDouble total(ScalingPolicy policy, MetricSpec metric) {
        if (fail != null) throw fail;
        Double v = totals.get(AutoscalerController.metricLabel(metric));
        return v == null ? OptionalDouble.empty() : OptionalDouble.of(v);
    }
}
