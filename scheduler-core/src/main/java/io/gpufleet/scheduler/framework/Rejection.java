package io.gpufleet.scheduler.framework;

/**
 * Why a node cannot hold a pod.
 *
 * @param plugin     the plugin that said no
 * @param message    readable reason
 * @param resolvable whether evicting pods from the node could change the answer (preemption looks only there)
 */
public record Rejection(String plugin, String message, boolean resolvable) {
    @Override
    public String toString() {
        return plugin + ": " + message;
    }
}
