package io.gpufleet.autoscaler.controller;

import io.gpufleet.autoscaler.policy.ScalingPolicy;
import io.gpufleet.autoscaler.policy.ScalingPolicy.MetricSource;
import io.gpufleet.autoscaler.policy.ScalingPolicy.MetricSpec;
import io.gpufleet.contracts.WorkloadSignal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Stream-analytics signals ({@link WorkloadSignal}, topic gpufleet.signals) for {@code Signal} metrics: the
 * latest signal of the target's workload (same namespace and name), read by field; other metrics go to the
 * wrapped source. A signal whose window ended more than {@code maxAge} before the clock's now is missing, so a
 * stopped analytics job shows as missing metrics rather than as a frozen value, and replaying a topic from its
 * start brings back nothing stale.
 */
public final class WorkloadSignals implements SignalSource {
    /** Signal names a policy may use: fields of {@link WorkloadSignal}. */
    public static final Set<String> NAMES = Set.of("utilization", "memoryRatio", "memoryUsedBytes", "throughput", "gpus");

    private final SignalSource others;
    private final Clock clock;
    private final Duration maxAge;
    private final Map<String, WorkloadSignal> latest = new ConcurrentHashMap<>();

    public WorkloadSignals(SignalSource others, Clock clock, Duration maxAge) {
        this.others = others;
        this.clock = clock;
        this.maxAge = maxAge;
    }

    /** Takes a signal (from the Kafka consumer); an older window than the one held is ignored. */
    public void accept(WorkloadSignal s) {
        latest.merge(s.namespace() + "/" + s.workload(), s, (old, neu) -> neu.windowEndMillis() >= old.windowEndMillis() ? neu : old);
    }

    @Override
    public Map<String, Double> perReplica(ScalingPolicy policy, MetricSpec metric, List<String> pods) {
        return others.perReplica(policy, metric, pods);
    }

    @Override
    public OptionalDouble total(ScalingPolicy policy, MetricSpec metric) {
        if (metric.source() != MetricSource.Signal) return others.total(policy, metric);
        WorkloadSignal s = latest.get(policy.namespace() + "/" + policy.target().name());
        if (s == null || Duration.between(Instant.ofEpochMilli(s.windowEndMillis()), clock.instant()).compareTo(maxAge) > 0) {
            return OptionalDouble.empty();
        }
        double v = switch (metric.name()) {
            case "utilization" -> s.utilization();
            case "memoryRatio" -> s.memoryRatio();
            case "memoryUsedBytes" -> s.memoryUsedBytes();
            case "throughput" -> s.throughput();
            case "gpus" -> s.gpus();
            default -> throw new IllegalArgumentException("signal " + metric.name() + ": unknown, use one of " + NAMES);
        };
        return Double.isNaN(v) ? OptionalDouble.empty() : OptionalDouble.of(v);
    }
}
