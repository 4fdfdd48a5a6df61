package io.gpufleet.scheduler.framework;

import io.gpufleet.scheduler.model.Allocation;
import java.time.Instant;

/** A pod whose capacity is reserved while a Permit plugin holds it (a gang member waiting for the rest). */
public record WaitingPod(Allocation allocation, Instant deadline) {
    public String pod() {
        return allocation.pod();
    }
}
