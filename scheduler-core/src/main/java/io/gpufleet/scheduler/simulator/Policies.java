package io.gpufleet.scheduler.simulator;

import io.gpufleet.scheduler.framework.Profile;
import io.gpufleet.scheduler.plugins.fgd.TypicalPod;
import io.gpufleet.scheduler.plugins.fgd.TypicalPods;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The placement policies of the experiment, each a scheduler profile shipped under
 * {@code io/gpufleet/scheduler/profiles/<name>.yaml}. Per run the simulator adds what the published setup fixes
 * per run: the random policy's seed, and for {@code fgd} the typical pods counted over the whole trace file (the
 * published FGD reads the file; gpufleet's policy learns online instead).
 */
public final class Policies {
    public static final List<String> ALL = List.of("random", "dotprod", "gpupacking", "gpuclustering", "bestfit", "fgd", "gpufleet");

    private Policies() {}

    /** The profile as shipped; {@code gpufleet} is the scheduler's default profile. */
    public static Profile load(String policy) {
        if (policy.equals("gpufleet")) return Profile.defaultProfile();
        Profile p = Profile.fromResource("/io/gpufleet/scheduler/profiles/" + policy + ".yaml");
        if (p == null) throw new IllegalArgumentException("unknown policy '" + policy + "' (known: " + String.join(",", ALL) + ")");
        return p;
    }

    /** The profile for one run: seed and (for fgd) the trace's typical pods put into its plugin arguments. */
    public static Profile forRun(String policy, long seed, List<TracePod> traceFile) {
        Profile p = load(policy);
        Map<String, Map<String, Object>> cfg = new LinkedHashMap<>(p.pluginConfig());
        if (p.allPlugins().contains("random")) {
            Map<String, Object> a = new HashMap<>(p.args("random"));
            a.put("seed", seed);
            cfg.put("random", a);
        }
        if (policy.equals("fgd")) {
            Map<String, Object> a = new HashMap<>(p.args("fgd"));
            a.put("typicalPods", typicalPodsArg(traceFile));
            cfg.put("fgd", a);
        }
        // The protocol scores every feasible node, ties to the first in the run's node order, whatever the profile
        // samples in a live cluster.
        return new Profile(p.name(), 100, EVERY_NODE, p.cardAllocation(),
                p.gangStarvationSeconds(), p.maxPreemptionNodes(), p.queueSort(), p.preFilter(), p.filter(), p.score(),
                p.reserve(), p.permit(), p.postFilter(), p.bind(), cfg);
    }

    private static final int EVERY_NODE = 1_000_000;

    /** Shape counts of the trace file, in file order of first appearance. */
    public static TypicalPods count(List<TracePod> traceFile) {
        TypicalPods t = new TypicalPods();
        for (TracePod p : traceFile) t.add(shape(p), 1);
        return t;
    }

    public static TypicalPod shape(TracePod p) {
        return new TypicalPod(p.cpuMilli(), p.gpuMilli(), p.numGpu(), p.models(), 1);
    }

    private static List<Map<String, Object>> typicalPodsArg(List<TracePod> traceFile) {
        Map<String, long[]> counts = new LinkedHashMap<>();
        Map<String, TracePod> first = new HashMap<>();
        for (TracePod p : traceFile) {
            String k = shape(p).shapeKey();
            counts.computeIfAbsent(k, x -> new long[1])[0]++;
            first.putIfAbsent(k, p);
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map.Entry<String, long[]> e : counts.entrySet()) {
            TracePod p = first.get(e.getKey());
            out.add(Map.of("cpuMilli", p.cpuMilli(), "gpuMilli", p.gpuMilli(), "numGpu", p.numGpu(),
                    "models", String.join("|", new java.util.TreeSet<>(p.models())), "count", e.getValue()[0]));
        }
        return out;
    }
}
