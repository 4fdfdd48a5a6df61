package io.gpufleet.autoscaler.replay;

/**
 * A scaling policy under replay. One instance serves one run (it may keep state between syncs).
 */
public interface InferencePolicy {
    /** Seconds between syncs: the policy acts at the end of second t when (t + 1) mod period = 0. */
    int periodSeconds();

    /** The replica count wanted after this sync (ready plus starting); the replay clamps it to [1, 1000]. */
    int decide(ReplayView view);
}
