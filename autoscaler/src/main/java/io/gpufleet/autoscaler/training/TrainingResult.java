package io.gpufleet.autoscaler.training;

/**
 * Outcome of a training replay.
 *
 * @param meanJct      mean completion time (finish − submission), s
 * @param p95Jct       95th percentile completion time, s
 * @param meanQueue    mean queueing delay (start − submission), s
 * @param utilization  allocated GPU-seconds / (pool × (last finish − first submission))
 * @param resizes      size changes of running jobs (starts excluded)
 * @param offeredLoad  Σ g·d / (pool × submission span)
 */
public record TrainingResult(String mode, int jobs, double meanJct, double p95Jct, double meanQueue,
                             double utilization, long resizes, double offeredLoad) {}
