package io.gpufleet.autoscaler.replay;

/**
 * One policy's outcome on one seed (or the mean over seeds).
 *
 * @param gpuHours          billed replica-seconds / 3600
 * @param requests          requests served (still queued at the end: excluded)
 * @param violations        requests that waited more than 2 s
 * @param violationMinutes  arrival minutes with at least one violation
 * @param actions           syncs that changed the count
 * @param coldStarts        replicas requested
 */
public record ReplayResult(String policy, double gpuHours, double requests, double violations,
                           double violationMinutes, double actions, double coldStarts) {
    /** Violating requests / served requests, in percent. */
    public double violationPct() {
        return requests == 0 ? 0 : 100.0 * violations / requests;
    }

    /** The mean of several seeds' results of one policy. */
    public static ReplayResult mean(java.util.List<ReplayResult> runs) {
        int n = runs.size();
        double g = 0, r = 0, v = 0, m = 0, a = 0, c = 0;
        for (ReplayResult x : runs) {
            g += x.gpuHours;
            r += x.requests;
            v += x.violations;
            m += x.violationMinutes;
            a += x.actions;
            c += x.coldStarts;
        }
        return new ReplayResult(runs.get(0).policy, g / n, r / n, v / n, m / n, a / n, c / n);
    }
}
