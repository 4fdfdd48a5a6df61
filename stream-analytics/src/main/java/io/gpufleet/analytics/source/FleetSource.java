package io.gpufleet.analytics.source;

import io.gpufleet.analytics.decode.GpuSample;
import io.gpufleet.exporter.collect.Collector;
import io.gpufleet.exporter.collect.CollectorSettings;
import io.gpufleet.exporter.collect.NodeSnapshot;
import io.gpufleet.exporter.health.HealthEvaluator;
import io.gpufleet.exporter.health.HealthPolicy;
import io.gpufleet.exporter.sim.SimulatedFleet;
import io.gpufleet.exporter.sim.SimulatedNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;

/**
 * The embedded mode's source: the simulated fleet registered in {@link InProcessFleets}, read the way its
 * exporters read it (one real {@link Collector} per node, so health, XID counts and pods are the exporter's),
 * turned into samples with {@link SnapshotSamples}. Sample {@code i} is GPU {@code i mod gpus} of pass
 * {@code i / gpus}; the source is rate-limited to one pass per interval, in real time on the fleet's clock.
 */
public final class FleetSource implements GeneratorFunction<Long, GpuSample> {
    private static final long serialVersionUID = 1L;

    private final String fleetName;
    private transient SimulatedFleet fleet;
    private transient List<Collector> collectors;
    /** Whether the collectors are this source's own (it then also drains the nodes' events). */
    private transient boolean ownCollectors;
    private transient List<GpuSample> pass;
    private transient long passNumber;

    private FleetSource(String fleetName) {
        this.fleetName = fleetName;
    }

    /** A rate-limited, unbounded source of the named fleet, one pass per {@code interval}. */
    public static DataGeneratorSource<GpuSample> of(String fleetName, int gpus, Duration interval) {
        double perSecond = gpus * 1000.0 / interval.toMillis();
        return new DataGeneratorSource<>(new FleetSource(fleetName), Long.MAX_VALUE,
                RateLimiterStrategy.perSecond(perSecond), TypeInformation.of(GpuSample.class));
    }

    @Override
    public void open(SourceReaderContext ctx) {
        fleet = InProcessFleets.get(fleetName);
        passNumber = -1; // transient fields start at 0 after deserialization
        var shared = InProcessFleets.collectors(fleetName);
        ownCollectors = shared.isEmpty();
        if (shared.isPresent()) {
            collectors = shared.get();
            return;
        }
        collectors = new ArrayList<>();
        for (SimulatedNode n : fleet.nodes()) {
            collectors.add(new Collector(n, n, new HealthEvaluator(HealthPolicy.DEFAULT), fleet.clock(),
                    CollectorSettings.DEFAULT));
        }
    }

    @Override
    public GpuSample map(Long index) throws Exception {
        int gpus = fleet.gpuCount();
        long p = index / gpus;
        if (p != passNumber) {
            List<GpuSample> out = new ArrayList<>(gpus);
            for (int i = 0; i < collectors.size(); i++) {
                Collector c = collectors.get(i);
                if (ownCollectors) c.recordEvents(fleet.nodes().get(i).awaitEvents(Duration.ZERO));
                NodeSnapshot s = c.collectOnce();
                out.addAll(SnapshotSamples.of(s));
            }
            pass = out;
            passNumber = p;
        }
        int i = (int) (index % gpus);
        return i < pass.size() ? pass.get(i) : pass.get(pass.size() - 1);
    }
}
