package io.gpufleet.scheduler.plugins;

import io.gpufleet.scheduler.framework.PluginRegistry;
import io.gpufleet.scheduler.plugins.bestfit.BestFitScore;
import io.gpufleet.scheduler.plugins.constraints.Constraints;
import io.gpufleet.scheduler.plugins.datalocality.DataLocality;
import io.gpufleet.scheduler.plugins.defaultbinder.DefaultBinder;
import io.gpufleet.scheduler.plugins.dotprod.DotProductScore;
import io.gpufleet.scheduler.plugins.elasticquota.ElasticQuota;
import io.gpufleet.scheduler.plugins.fgd.FgdScore;
import io.gpufleet.scheduler.plugins.gang.Coscheduling;
import io.gpufleet.scheduler.plugins.gpuclustering.GpuClusteringScore;
import io.gpufleet.scheduler.plugins.gpufleet.GpufleetScore;
import io.gpufleet.scheduler.plugins.gpupacking.GpuPackingScore;
import io.gpufleet.scheduler.plugins.gpushare.GpuShare;
import io.gpufleet.scheduler.plugins.health.GpuHealthPlugin;
import io.gpufleet.scheduler.plugins.noderesources.NodeResourcesFit;
import io.gpufleet.scheduler.plugins.prioritypreemption.PriorityPreemption;
import io.gpufleet.scheduler.plugins.prioritysort.PrioritySort;
import io.gpufleet.scheduler.plugins.random.RandomScore;
import io.gpufleet.scheduler.plugins.resourcefit.ResourceFitScore;
import io.gpufleet.scheduler.plugins.topology.TopologyScore;
import java.util.Map;

/** The plugins gpufleet ships, by the names profiles use. */
public final class BuiltInPlugins {
    private BuiltInPlugins() {}

    public static PluginRegistry registry() {
        return new PluginRegistry()
                .register(PrioritySort.NAME, (args, h) -> { noArgs(PrioritySort.NAME, args); return new PrioritySort(); })
                .register(DefaultBinder.NAME, (args, h) -> { noArgs(DefaultBinder.NAME, args); return new DefaultBinder(h); })
                .register(NodeResourcesFit.NAME, (args, h) -> { noArgs(NodeResourcesFit.NAME, args); return new NodeResourcesFit(); })
                .register(GpuHealthPlugin.NAME, (args, h) -> { noArgs(GpuHealthPlugin.NAME, args); return new GpuHealthPlugin(); })
                .register(Constraints.NAME, (args, h) -> { noArgs(Constraints.NAME, args); return new Constraints(h); })
                .register(GpuShare.NAME, (args, h) -> { noArgs(GpuShare.NAME, args); return new GpuShare(h); })
                .register(ResourceFitScore.BINPACK, (args, h) -> new ResourceFitScore(ResourceFitScore.BINPACK, args))
                .register(ResourceFitScore.SPREAD, (args, h) -> new ResourceFitScore(ResourceFitScore.SPREAD, args))
                .register(TopologyScore.NAME, (args, h) -> { noArgs(TopologyScore.NAME, args); return new TopologyScore(h); })
                .register(DataLocality.NAME, (args, h) -> { noArgs(DataLocality.NAME, args); return new DataLocality(); })
                .register(Coscheduling.NAME, (args, h) -> { noArgs(Coscheduling.NAME, args); return new Coscheduling(h); })
                .register(ElasticQuota.NAME, (args, h) -> { noArgs(ElasticQuota.NAME, args); return new ElasticQuota(h); })
                .register(PriorityPreemption.NAME, (args, h) -> { noArgs(PriorityPreemption.NAME, args); return new PriorityPreemption(h); })
                // Placement policies of the FGD experiment (benchmarks/SCHEDULER.md part 1) and gpufleet's own.
                .register(RandomScore.NAME, (args, h) -> new RandomScore(args))
                .register(BestFitScore.NAME, (args, h) -> new BestFitScore(args))
                .register(DotProductScore.NAME, (args, h) -> new DotProductScore(args))
                .register(GpuPackingScore.NAME, (args, h) -> { noArgs(GpuPackingScore.NAME, args); return new GpuPackingScore(); })
                .register(GpuClusteringScore.NAME, (args, h) -> { noArgs(GpuClusteringScore.NAME, args); return new GpuClusteringScore(h); })
                .register(FgdScore.NAME, FgdScore::new)
                .register(GpufleetScore.NAME, GpufleetScore::new);
    }

    private static void noArgs(String plugin, Map<String, Object> args) {
        if (!args.isEmpty()) throw new IllegalArgumentException("profile: pluginConfig." + plugin + " takes no arguments, got " + args.keySet());
    }
}
