package io.gpufleet.scheduler.framework;

import io.gpufleet.scheduler.model.Request;

/** Runs once per decision before any node is looked at; may reject the pod outright or prepare cycle state. */
public interface PreFilterPlugin extends Plugin {
    Status preFilter(CycleState cycle, Request request);
}
