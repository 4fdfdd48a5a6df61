package io.gpufleet.exporter;

import io.gpufleet.exporter.attribution.PodResolver;
import io.gpufleet.exporter.collect.Collector;
import io.gpufleet.exporter.collect.CollectorSettings;
import io.gpufleet.exporter.health.HealthEvaluator;
import io.gpufleet.exporter.health.HealthPolicy;
import io.gpufleet.exporter.http.ExporterHttpServer;
import io.gpufleet.exporter.metrics.MetricSet;
import io.gpufleet.exporter.metrics.ScrapeCache;
import io.gpufleet.exporter.metrics.SnapshotExposition;
import io.gpufleet.exporter.publish.MetricsPublisher;
import io.gpufleet.exporter.source.GpuSource;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's exporter: a {@link GpuSource} read by a {@link Collector}, snapshots rendered once per pass into
 * a {@link ScrapeCache} served over HTTP, and handed to the publishers. Owns and closes everything it is given.
 */
public final class NodeExporter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeExporter.class);

    /** How one exporter runs. */
    public record Settings(String bindAddress, int port, CollectorSettings collection, MetricSet metrics,
                           HealthPolicy health, ExporterHttpServer.Security security) {
        public static Settings defaults(int port) {
            return new Settings("127.0.0.1", port, CollectorSettings.DEFAULT, MetricSet.BOTH, HealthPolicy.DEFAULT,
                    ExporterHttpServer.Security.NONE);
        }
    }

    private final GpuSource source;
    private final PodResolver pods;
    private final List<MetricsPublisher> publishers;
    private final Collector collector;
    private final ScrapeCache cache;
    private final ExporterHttpServer http;

    public NodeExporter(GpuSource source, PodResolver pods, List<MetricsPublisher> publishers, Settings settings,
                        Clock clock) throws IOException {
        this.source = source;
        this.pods = pods;
        this.publishers = List.copyOf(publishers);
        this.collector = new Collector(source, pods, new HealthEvaluator(settings.health()), clock, settings.collection());
        this.cache = new ScrapeCache(new SnapshotExposition(settings.metrics()), () -> this.publishers, pods::stats,
                pods::sourceStats);
        this.http = new ExporterHttpServer(settings.bindAddress(), settings.port(), cache, collector::snapshot, clock,
                settings.collection().interval(), settings.security());
        collector.addListener(cache::update);
        for (MetricsPublisher p : this.publishers) collector.addListener(p::publish);
    }

    public NodeExporter start() {
        http.start();
        collector.start();
        log.info("exporter for {} ({} GPUs, {}) serving {}/metrics", source.node(), source.gpus().size(),
                source.describe(), http.url());
        return this;
    }

    public Collector collector() {
        return collector;
    }

    public ScrapeCache cache() {
        return cache;
    }

    public ExporterHttpServer http() {
        return http;
    }

    public GpuSource source() {
        return source;
    }

    public int port() {
        return http.port();
    }

    public String url() {
        return http.url();
    }

    @Override
    public void close() {
        http.close();
        collector.close();
        for (MetricsPublisher p : publishers) {
            try {
                p.close();
            } catch (RuntimeException e) {
                log.warn("closing publisher {} failed: {}", p.name(), e.toString());
            }
        }
        try {
            pods.close();
        } catch (Exception e) {
            log.warn("closing pod resolver failed: {}", e.toString());
        }
        source.close();
    }
}
