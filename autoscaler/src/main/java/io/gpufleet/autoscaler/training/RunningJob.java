package io.gpufleet.autoscaler.training;

/**
 * A running job as a resize policy sees it.
 *
 * @param job        the job
 * @param workers    GPUs it holds
 * @param remaining  work left, in seconds at its trace GPU count
 * @param lastResize when it was last resized (its start when never)
 */
public record RunningJob(TrainingJob job, int workers, double remaining, double lastResize) {
    /** Seconds until it finishes at its current size (ignoring a resize pause in progress). */
    public double remainingSeconds() {
        return remaining / job.speed(workers);
    }
}
