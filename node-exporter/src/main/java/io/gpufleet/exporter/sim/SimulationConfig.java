package io.gpufleet.exporter.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * How to build a {@link SimulatedFleet}. Validated when built: a bad value fails with an
 * {@link InvalidFieldException} naming the field.
 *
 * @param seed                    everything random (UUIDs, serials, noise, background load, random faults) derives
 *                                from it
 * @param nodes                   node count, 1..1024; named {@code sim-node-00}, {@code sim-node-01}, ...
 * @param gpusPerNode             GPUs per node when {@code nodeSpecs} is empty, 1..256 (more than 8 on an NVSwitch
 *                                model gives islands of 8 joined by SYS)
 * @param models                  the model mix, assigned to nodes round-robin when {@code nodeSpecs} is empty
 * @param nodeSpecs               explicit model, GPU count and shape per node; when not empty it has one entry per
 *                                node and overrides {@code gpusPerNode} and {@code models}
 * @param faults                  faults injected at fixed offsets after start
 * @param randomFaultsPerNodeHour mean rate of randomly injected faults per node (0 = none), seeded
 * @param backgroundLoad          whether GPUs without work show a gentle seeded load, so an idle fleet looks alive
 */
public record SimulationConfig(long seed, int nodes, int gpusPerNode, List<GpuModel> models, List<NodeSpec> nodeSpecs,
                               List<ScheduledFault> faults, double randomFaultsPerNodeHour, boolean backgroundLoad) {

    public static final int MAX_NODES = 1024;

    /** The default mix: half of the nodes Hopper/Ampere HGX, the rest older and inference parts. */
    public static final List<GpuModel> DEFAULT_MODELS = List.of(GpuModel.H100_SXM_80GB, GpuModel.A100_SXM_80GB,
            GpuModel.A100_PCIE_40GB, GpuModel.V100_SXM2_32GB, GpuModel.H100_SXM_80GB, GpuModel.T4_16GB,
            GpuModel.A100_SXM_80GB, GpuModel.L4_24GB);

    public SimulationConfig {
        models = models == null ? DEFAULT_MODELS : List.copyOf(models);
        nodeSpecs = nodeSpecs == null ? List.of() : List.copyOf(nodeSpecs);
        faults = faults == null ? List.of() : List.copyOf(faults);
        if (nodes < 1 || nodes > MAX_NODES) {
            throw new InvalidFieldException("nodes", "must be within 1.." + MAX_NODES + ", was " + nodes);
        }
        if (gpusPerNode < 1 || gpusPerNode > NodeSpec.MAX_GPUS) {
            throw new InvalidFieldException("gpusPerNode",
                    "must be within 1.." + NodeSpec.MAX_GPUS + ", was " + gpusPerNode);
        }
        if (models.isEmpty()) throw new InvalidFieldException("models", "must name at least one GPU model");
        if (!nodeSpecs.isEmpty() && nodeSpecs.size() != nodes) {
            throw new InvalidFieldException("nodeSpecs",
                    "has " + nodeSpecs.size() + " entries but nodes is " + nodes + " (one entry per node)");
        }
        if (!(randomFaultsPerNodeHour >= 0 && randomFaultsPerNodeHour <= 3600)) {
            throw new InvalidFieldException("randomFaultsPerNodeHour",
                    "must be within 0..3600, was " + randomFaultsPerNodeHour);
        }
        for (int i = 0; i < faults.size(); i++) {
            ScheduledFault f = faults.get(i);
            int node = nodeIndex(f.node());
            if (node < 0 || node >= nodes) {
                throw new InvalidFieldException("faults[" + i + "].node", "no node '" + f.node() + "' (nodes are "
                        + nodeName(0) + " .. " + nodeName(nodes - 1) + ")");
            }
            NodeSpec spec = specFor(node, gpusPerNode, models, nodeSpecs);
            if (f.gpu() >= spec.gpus()) {
                throw new InvalidFieldException("faults[" + i + "].gpu",
                        f.node() + " has " + spec.gpus() + " GPUs, no GPU " + f.gpu());
            }
            String why = SimulatedFleet.unsupported(spec.model(), f.fault());
            if (why != null) throw new InvalidFieldException("faults[" + i + "].fault", why);
        }
    }

    /** 16 nodes × 8 GPUs of the default mix, seed 42, background load on, no faults. */
    public static SimulationConfig defaults() {
        return new SimulationConfig(42, 16, 8, DEFAULT_MODELS, List.of(), List.of(), 0, true);
    }

    public SimulationConfig withSeed(long s) {
        return new SimulationConfig(s, nodes, gpusPerNode, models, nodeSpecs, faults, randomFaultsPerNodeHour,
                backgroundLoad);
    }

    public SimulationConfig withNodes(int n) {
        return new SimulationConfig(seed, n, gpusPerNode, models, nodeSpecs, faults, randomFaultsPerNodeHour,
                backgroundLoad);
    }

    public SimulationConfig withGpusPerNode(int g) {
        return new SimulationConfig(seed, nodes, g, models, nodeSpecs, faults, randomFaultsPerNodeHour,
                backgroundLoad);
    }

    public SimulationConfig withModels(List<GpuModel> m) {
        return new SimulationConfig(seed, nodes, gpusPerNode, m, nodeSpecs, faults, randomFaultsPerNodeHour,
                backgroundLoad);
    }

    /** Explicit node list; also sets {@code nodes} to its size. */
    public SimulationConfig withNodeSpecs(List<NodeSpec> specs) {
        return new SimulationConfig(seed, specs.isEmpty() ? nodes : specs.size(), gpusPerNode, models, specs, faults,
                randomFaultsPerNodeHour, backgroundLoad);
    }

    public SimulationConfig withFaults(List<ScheduledFault> f) {
        return new SimulationConfig(seed, nodes, gpusPerNode, models, nodeSpecs, f, randomFaultsPerNodeHour,
                backgroundLoad);
    }

    public SimulationConfig withRandomFaultsPerNodeHour(double rate) {
        return new SimulationConfig(seed, nodes, gpusPerNode, models, nodeSpecs, faults, rate, backgroundLoad);
    }

    public SimulationConfig withBackgroundLoad(boolean on) {
        return new SimulationConfig(seed, nodes, gpusPerNode, models, nodeSpecs, faults, randomFaultsPerNodeHour, on);
    }

    /** The spec of every node, in node order. */
    public List<NodeSpec> resolvedNodes() {
        List<NodeSpec> out = new ArrayList<>(nodes);
        for (int i = 0; i < nodes; i++) out.add(specFor(i, gpusPerNode, models, nodeSpecs));
        return out;
    }

    /** The name of node {@code i}: {@code sim-node-00}, {@code sim-node-01}, ... */
    public static String nodeName(int i) {
        return String.format("sim-node-%02d", i);
    }

    /** The index in a node name, or -1 when the name is not a simulated node's. */
    static int nodeIndex(String name) {
        if (name == null || !name.startsWith("sim-node-")) return -1;
        String digits = name.substring("sim-node-".length());
        if (digits.length() < 2 || !digits.chars().allMatch(Character::isDigit)) return -1;
        try {
            int i = Integer.parseInt(digits);
            return nodeName(i).equals(name) ? i : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static NodeSpec specFor(int node, int gpusPerNode, List<GpuModel> models, List<NodeSpec> nodeSpecs) {
        if (!nodeSpecs.isEmpty()) return nodeSpecs.get(node);
        return NodeSpec.of(models.get(node % models.size()), gpusPerNode);
    }
}
