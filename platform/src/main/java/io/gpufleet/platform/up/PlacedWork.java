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
 * run. Listener callbacks arrive on the scheduler's decision loop; registration and load changes come from other
 * threads, so starting and stopping a pod's work is serialised on this object.
 */
final class PlacedWork implements SchedulerService.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(PlacedWork.class);

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
    /** Where each running pod was placed, so its work can be restarted with another load. */
    private final Map<String, Allocation> placements = new ConcurrentHashMap<>();
    private final List<BindListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicLong bound = new AtomicLong(), evicted = new AtomicLong(), refused = new AtomicLong();

    PlacedWork(SimulatedFleet fleet) {
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
        synchronized (this) {
            stop(pod);
        }
    }

    /**
     * Changes how a registered pod loads its GPUs; a running pod's work restarts with the new load (the simulator
     * has no in-place change), as a serving replica's load follows its traffic.
     */
    void retune(String pod, double utilization, double memory) {
        PodWork w = pods.computeIfPresent(pod, (k, old) -> new PodWork(old.namespace(), old.workload(), utilization, memory));
        Allocation a = placements.get(pod);
        if (w != null && a != null) {
            synchronized (this) {
                stop(pod);
                run(a, w);
            }
        }
    }

    /** The utilization a registered pod runs at (of what it was given), 0 when unknown. */
    double utilizationOf(String pod) {
        PodWork w = pods.get(pod);
        return w == null ? 0 : w.utilization();
    }

    /** Whether a registered pod is placed and running now. */
    boolean isRunning(String pod) {
        return running.containsKey(pod);
    }

    /** The node a running pod is on, or empty. */
    String nodeOf(String pod) {
        Allocation a = placements.get(pod);
        return a == null ? "" : a.node();
    }

    @Override
    public void bound(Allocation a) {
        PodWork w = pods.get(a.pod());
        if (w == null) return;
        bound.incrementAndGet();
        synchronized (this) {
            stop(a.pod());
            run(a, w);
        }
        for (BindListener l : listeners) l.bound(a.pod());
    }

    private void run(Allocation a, PodWork w) {
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
        placements.put(a.pod(), a);
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
        synchronized (this) {
            stop(a.pod());
        }
    }

    private void stop(String pod) {
        placements.remove(pod);
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
