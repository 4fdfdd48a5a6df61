package io.gpufleet.autoscaler.training;

import java.util.List;
import java.util.Map;

/**
 * Decides, at each scheduling pass, which waiting jobs start (and with how many workers) and which running
 * jobs change size. The replay enforces the bounds (ceil(g/2)..2g when elastic), the pool size, and charges
 * every size change of a running job 60 s without progress.
 */
public interface ResizePolicy {
    /**
     * @param now      the instant of the pass (s)
     * @param running  running jobs
     * @param waiting  waiting jobs in submission order
     * @param free     GPUs not held by any job
     * @return the new worker count of every job that starts or changes size (others unchanged)
     */
    Map<Integer, Integer> plan(double now, List<RunningJob> running, List<TrainingJob> waiting, int free);
}
