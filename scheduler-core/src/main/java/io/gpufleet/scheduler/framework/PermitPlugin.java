package io.gpufleet.scheduler.framework;

import io.gpufleet.scheduler.model.Allocation;

/** Last gate before binding: allow, reject, or hold the reservation until others allow it (gangs). */
public interface PermitPlugin extends Plugin {
    Permit permit(CycleState cycle, Allocation allocation);
}
