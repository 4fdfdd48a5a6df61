package io.gpufleet.autoscaler.policy;

/**
 * One validation error: where (file and field path such as {@code spec.metrics[1].target.value}) and why.
 */
public record PolicyError(String file, String path, String reason) {
    @Override
    public String toString() {
        return file + ": " + path + ": " + reason;
    }
}
