package io.gpufleet.autoscaler.replay;

/**
 * What an inference policy may read at a sync at the end of second {@link #now()}: the per-second metrics
 * of seconds 0..now (arrivals, queue length after draining) and its own ready and starting counts. Never
 * the rate λ, never the future: reads beyond {@code now} throw.
 */
public interface ReplayView {
    /** The second that just ended. */
    int now();

    /** Requests that arrived in second {@code s} (s ≤ now). */
    int arrivals(int s);

    /** Queue length after draining in second {@code s} (s ≤ now). */
    long queue(int s);

    /** Mean arrivals per second over seconds {@code from..to} inclusive, clipped to the seconds that exist. */
    double meanArrivals(int from, int to);

    /** Replicas serving. */
    int ready();

    /** Replicas requested and still in their cold start. */
    int starting();

    /** Requests one replica serves per second. */
    int capacityPerReplica();

    /** Cold start in seconds. */
    int coldStartSeconds();
}
