package io.gpufleet.autoscaler.replay;

/** A fixed replica count ({@code static-peak} uses ceil(max λ / C)). */
public record StaticPolicy(int replicas) implements InferencePolicy {
    @Override
    public int periodSeconds() {
        return 3600;
    }

    @Override
    public int decide(ReplayView view) {
        return replicas;
    }
}
