package io.gpufleet.scheduler.framework;

/** Orders pending work; the queue asks it to compare the heads of its per-quota-group queues. */
public interface QueueSortPlugin extends Plugin {
    int compare(QueuedUnit a, QueuedUnit b);
}
