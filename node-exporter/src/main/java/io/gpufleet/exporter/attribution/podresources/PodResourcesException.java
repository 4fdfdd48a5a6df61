package io.gpufleet.exporter.attribution.podresources;

/** A PodResources call that gave no answer. */
public final class PodResourcesException extends Exception {
    public PodResourcesException(String message, Throwable cause) {
        super(message, cause);
    }
}
