package io.gpufleet.exporter.sim;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A deterministic simulated GPU fleet: nodes of mixed GPU models and wirings whose readings follow the
 * work started on them and the faults injected into them. Same seed, same calls, same clock values:
 * same readings.
 *
 * <p>Each {@link SimulatedNode} is the {@code GpuSource} and {@code PodResolver} of one exporter. Other
 * components drive the fleet through {@link #startWork}/{@link #stopWork} (the scheduler) and
 * {@link #inject}/{@link #clear} (fault drills); {@link SimulationHttpHandler} exposes the same over HTTP.
 */
public final class SimulatedFleet implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SimulatedFleet.class);

    private final SimulationConfig config;
    private final Clock clock;
    private final long startMillis;
    private final List<SimulatedNode> nodes;
    private final Map<String, SimulatedNode> byName;
    private final Map<String, RunningWork> workById = new ConcurrentHashMap<>();
    private final AtomicLong workSeq = new AtomicLong();

    private SimulatedFleet(SimulationConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.startMillis = clock.millis();
        List<NodeSpec> specs = config.resolvedNodes();
        List<SimulatedNode> list = new ArrayList<>(specs.size());
        Map<String, SimulatedNode> names = new LinkedHashMap<>();
        for (int i = 0; i < specs.size(); i++) {
            String name = SimulationConfig.nodeName(i);
            SimulatedNode node = new SimulatedNode(name, i, specs.get(i), config, clock, startMillis);
            list.add(node);
            names.put(name, node);
        }
        this.nodes = List.copyOf(list);
        this.byName = Map.copyOf(names);
        for (ScheduledFault f : config.faults()) {
            byName.get(f.node()).schedule(startMillis + f.at().toMillis(), f.gpu(), f.fault());
        }
    }

    /**
     * Builds the fleet; time starts at {@code clock.millis()}.
     *
     * @param config validated configuration
     * @param clock  the time source every reading advances to
     */
    public static SimulatedFleet create(SimulationConfig config, Clock clock) {
        if (config == null) throw new IllegalArgumentException("config must be set");
        if (clock == null) throw new IllegalArgumentException("clock must be set");
        SimulatedFleet fleet = new SimulatedFleet(config, clock);
        LOG.info("simulated fleet: {} nodes, {} GPUs, seed {}, {} scheduled faults, {} random faults per node-hour",
                fleet.nodes.size(), fleet.gpuCount(), config.seed(), config.faults().size(),
                config.randomFaultsPerNodeHour());
        return fleet;
    }

    public SimulationConfig config() {
        return config;
    }

    public Clock clock() {
        return clock;
    }

    /** Clock time the fleet was created; scheduled-fault offsets count from here. */
    public long startMillis() {
        return startMillis;
    }

    /** The nodes, in name order. */
    public List<SimulatedNode> nodes() {
        return nodes;
    }

    /** Total GPUs over all nodes. */
    public int gpuCount() {
        int n = 0;
        for (SimulatedNode node : nodes) n += node.spec().gpus();
        return n;
    }

    /**
     * The node of that name.
     *
     * @throws InvalidFieldException ({@code node}) when there is none
     */
    public SimulatedNode node(String name) {
        SimulatedNode n = name == null ? null : byName.get(name);
        if (n == null) {
            throw new InvalidFieldException("node", "no node '" + name + "' (nodes are " + nodes.get(0).node()
                    + " .. " + nodes.get(nodes.size() - 1).node() + ")");
        }
        return n;
    }

    /**
     * Starts work on a GPU; its utilisation and memory show in the GPU's readings from now on.
     *
     * @return the id that {@link #stopWork} takes
     * @throws InvalidFieldException naming {@code node}, {@code gpu} or {@code memoryBytes} (unknown node or
     *                               GPU, GPU lost, not enough memory left); nothing changes then
     */
    public synchronized String startWork(String node, int gpu, Workload w) {
        if (w == null) throw new InvalidFieldException("workload", "must be set");
        SimulatedNode n = node(node);
        // the id is taken only once the work is accepted, so a rejected call leaves no trace
        String id = "work-" + (workSeq.get() + 1);
        RunningWork rw = n.start(id, gpu, w);
        workSeq.incrementAndGet();
        workById.put(id, rw);
        return id;
    }

    /** The running work with that id, if any. */
    public Optional<RunningWork> running(String id) {
        return Optional.ofNullable(id == null ? null : workById.get(id));
    }

    /** Stops work; false when no work has that id (already stopped, or never started). */
    public boolean stopWork(String id) {
        RunningWork rw = id == null ? null : workById.remove(id);
        if (rw == null) return false;
        return byName.get(rw.node()).stop(id, rw.gpu());
    }

    /** Work running on one node. */
    public List<RunningWork> work(String node) {
        return node(node).work();
    }

    /** All work running, by node. */
    public List<RunningWork> work() {
        List<RunningWork> out = new ArrayList<>();
        for (SimulatedNode n : nodes) out.addAll(n.work());
        return out;
    }

    /**
     * Injects a fault into a GPU now.
     *
     * @throws InvalidFieldException naming {@code node}, {@code gpu} or {@code fault} (a fault the model cannot
     *                               have, e.g. a row-remap failure on a page-retiring V100)
     */
    public void inject(String node, int gpu, Fault fault) {
        if (fault == null) throw new InvalidFieldException("fault", "must be set");
        node(node).inject(gpu, fault);
        LOG.info("injected {} into {} GPU {}", fault.toSpec(), node, gpu);
    }

    /**
     * Recovers a GPU as a reset does (see the README): active faults end, a lost GPU comes back.
     *
     * @return how many active faults ended
     */
    public int clear(String node, int gpu) {
        int n = node(node).clear(gpu);
        LOG.info("cleared {} GPU {} ({} faults)", node, gpu, n);
        return n;
    }

    /** Faults in effect on one node. */
    public List<ActiveFault> faults(String node) {
        return node(node).faults();
    }

    /** Faults in effect anywhere. */
    public List<ActiveFault> faults() {
        List<ActiveFault> out = new ArrayList<>();
        for (SimulatedNode n : nodes) out.addAll(n.faults());
        return out;
    }

    /** Why {@code model} cannot have {@code fault}, or null when it can. */
    static String unsupported(GpuModel model, Fault fault) {
        if (fault instanceof Fault.RowRemapFailure && !model.remapsRows()) {
            return "row_remap_failure needs row remapping (Ampere or newer); " + model.productName()
                    + " retires pages instead";
        }
        return null;
    }

    @Override
    public void close() {
        for (SimulatedNode n : nodes) n.close();
    }
}
