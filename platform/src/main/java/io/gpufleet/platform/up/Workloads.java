package io.gpufleet.platform.up;

import io.gpufleet.contracts.GpuAssignment;
import io.gpufleet.exporter.sim.InvalidFieldException;
import io.gpufleet.exporter.sim.SimulatedFleet;
import io.gpufleet.exporter.sim.Workload;
import io.gpufleet.scheduler.api.SchedulerService;
import io.gpufleet.scheduler.model.Allocation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the scheduler's placements into work on the simulated GPUs, as a kubelet starting the pod would: each GPU
 * share a pod is given runs a workload with the pod's namespace and name, so the exporters report its utilization
 * and memory under the pod's labels. Only pods registered here (the synthetic jobs, the autoscaled replicas) are
 * run. Listener callbacks arrive on the scheduler's decision loop; registration comes from other threads.
 */
final class Workloads implements SchedulerService.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(Workloads.class);

    /**
     * What a scheduler pod runs once placed.
     *
     * @param namespace   its namespace
     * @param workload    the pod name the exporters report
     * @param utilization busy fraction of what it was given (its compute share on a shared GPU)
     * @param memory      memory held as a fraction of its memory share
     */
    record PodWork(String namespace, String workload, double utilization, double memory) {}

    /** A pod was placed (first time or again); {@code pod} is the scheduler's {@code namespace/name}. */
    interface BindListener {
        void bound(String pod);
    }

    private final SimulatedFleet fleet;
    private final Map<String, PodWork> pods = new ConcurrentHashMap<>();
    private final Map<String, List<String>> running = new ConcurrentHashMap<>();
    private final List<BindListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicLong bound = new AtomicLong(), evicted = new AtomicLong(), refused = new AtomicLong();

    Workloads(SimulatedFleet fleet) {
        this.fleet = fleet;
    }

    void register(String pod, PodWork work) {
        pods.put(pod, work);
    }

    void onBound(BindListener l) {
        listeners.add(l);
    }

    /** The pod is gone (its job deleted): its work stops. */
    void release(String pod) {
        pods.remove(pod);
        stop(pod);
    }

    @Override
    public void bound(Allocation a) {
        PodWork w = pods.get(a.pod());
        if (w == null) return;
        bound.incrementAndGet();
        stop(a.pod());
        List<String> ids = new ArrayList<>();
        for (GpuAssignment.Share s : a.gpus()) {
            boolean shared = s.coreMilli() < 1000;
            double util = Math.min(1, w.utilization() * s.coreMilli() / 1000.0);
            long shareBytes = s.memoryMiB() << 20;
            long mem = (long) (w.memory() * shareBytes);
            try {
                ids.add(start(a.node(), s.index(), new Workload(w.namespace(), w.workload(), "main", util, mem,
                        shared ? shareBytes : 0, shared ? s.coreMilli() : 0)));
            } catch (InvalidFieldException e) {
                // the card is lost or full: the pod runs on its other GPUs, as a real one would crash-loop here
                refused.incrementAndGet();
                LOG.debug("pod {} cannot start on {} GPU {}: {}", a.pod(), a.node(), s.index(), e.getMessage());
            }
        }
        running.put(a.pod(), ids);
        for (BindListener l : listeners) l.bound(a.pod());
    }

    private String start(String node, int gpu, Workload w) {
        try {
            return fleet.startWork(node, gpu, w);
        } catch (InvalidFieldException full) {
            if (w.memoryBytes() == 0) throw full;
            // other work already fills the card: hold less
            return fleet.startWork(node, gpu, new Workload(w.namespace(), w.pod(), w.container(), w.utilization(),
                    w.memoryBytes() / 4, w.shareMemoryBytes(), w.shareCoreMilli()));
        }
    }

    @Override
    public void evicted(Allocation a, String reason) {
        // A pod on a GPU that failed stays placed (the scheduler reports it, an operator decides); a pod preempted
        // by quota reclaim loses its place and is queued again, so its work stops until it is placed again.
        if (!pods.containsKey(a.pod()) || !reason.contains("quota reclaim")) return;
        evicted.incrementAndGet();
        stop(a.pod());
    }

    private void stop(String pod) {
        List<String> ids = running.remove(pod);
        if (ids != null) for (String id : ids) fleet.stopWork(id);
    }

    /** Placements of registered pods so far. */
    long boundCount() {
        return bound.get();
    }

    /** Registered pods preempted by quota reclaim so far. */
    long preemptedCount() {
        return evicted.get();
    }

    /** Pods running now. */
    int runningPods() {
        return running.size();
    }
}
