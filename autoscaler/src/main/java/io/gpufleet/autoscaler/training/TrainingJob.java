package io.gpufleet.autoscaler.training;

/**
 * A training job of the trace: submitted at {@code submit} (s), running {@code duration} seconds on its trace
 * GPU count {@code gpus}.
 */
public record TrainingJob(int id, long submit, long duration, int gpus) {
    public TrainingJob {
        if (gpus <= 0) throw new IllegalArgumentException("job " + id + ": gpus must be positive");
        if (duration <= 0) throw new IllegalArgumentException("job " + id + ": duration must be positive");
    }

    /** Fewest workers when elastic: ceil(g / 2). */
    public int minWorkers() {
        return (gpus + 1) / 2;
    }

    /** Most workers when elastic: 2g. */
    public int maxWorkers() {
        return 2 * gpus;
    }

    /** Progress rate with {@code w} workers relative to the trace run: (w / g)^0.8. */
    public double speed(int w) {
        return Math.pow((double) w / gpus, 0.8);
    }
}
