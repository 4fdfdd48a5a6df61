package io.gpufleet.exporter.metrics;

import io.gpufleet.exporter.collect.NodeSnapshot;
import io.gpufleet.exporter.publish.MetricsPublisher;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.Supplier;
import java.util.zip.GZIPOutputStream;

/**
 * Holds the exposition of the latest snapshot, rendered once per collection pass: a scrape copies bytes,
 * it never computes. The Prometheus text format is rendered eagerly on the collection thread; OpenMetrics
 * and gzip variants are rendered on first request and kept until the next pass.
 */
public final class ScrapeCache {
    /** The exposition formats a scrape can ask for. */
    public enum Format {
        PROMETHEUS_TEXT(PrometheusTextFormatWriter.CONTENT_TYPE),
        OPENMETRICS(OpenMetricsTextFormatWriter.CONTENT_TYPE);

        private final String contentType;

        Format(String contentType) {
            this.contentType = contentType;
        }

        public String contentType() {
            return contentType;
        }

        /** OpenMetrics when the Accept header asks for it, as Prometheus does; otherwise the text format. */
        public static Format negotiate(String accept) {
            return accept != null && accept.contains("application/openmetrics-text") ? OPENMETRICS : PROMETHEUS_TEXT;
        }
    }

    private static final PrometheusTextFormatWriter TEXT = PrometheusTextFormatWriter.create();
    private static final OpenMetricsTextFormatWriter OPENMETRICS = OpenMetricsTextFormatWriter.create();

    private final SnapshotExposition exposition;
    private final Supplier<List<MetricsPublisher>> publishers;
    private final Supplier<java.util.Optional<io.gpufleet.exporter.attribution.AttributionStats>> attribution;
    private final Supplier<List<io.gpufleet.exporter.attribution.SourceStats>> sources;
    private volatile Rendered current;

    /** The renderings of one snapshot; lazily filled slots are guarded by the instance's monitor. */
    private static final class Rendered {
        final long sequence;
        final MetricSnapshots snapshots;
        final byte[] text;
        byte[] openMetrics;
        byte[] textGzip;
        byte[] openMetricsGzip;

        Rendered(long sequence, MetricSnapshots snapshots, byte[] text) {
            this.sequence = sequence;
            this.snapshots = snapshots;
            this.text = text;
        }

        synchronized byte[] get(Format f, boolean gzip) {
            if (f == Format.PROMETHEUS_TEXT) {
                if (!gzip) return text;
                if (textGzip == null) textGzip = gzip(text);
                return textGzip;
            }
            if (openMetrics == null) openMetrics = write(OPENMETRICS::write, snapshots);
            if (!gzip) return openMetrics;
            if (openMetricsGzip == null) openMetricsGzip = gzip(openMetrics);
            return openMetricsGzip;
        }
    }

    public ScrapeCache(SnapshotExposition exposition, Supplier<List<MetricsPublisher>> publishers) {
        this(exposition, publishers, java.util.Optional::empty);
    }

    /** @param attribution how pod attribution is doing, exposed with the exporter's own metrics */
    public ScrapeCache(SnapshotExposition exposition, Supplier<List<MetricsPublisher>> publishers,
                       Supplier<java.util.Optional<io.gpufleet.exporter.attribution.AttributionStats>> attribution) {
        this(exposition, publishers, attribution, List::of);
    }

    /** @param sources how each polled attribution source is doing (e.g. the kubelet's PodResources API) */
    public ScrapeCache(SnapshotExposition exposition, Supplier<List<MetricsPublisher>> publishers,
                       Supplier<java.util.Optional<io.gpufleet.exporter.attribution.AttributionStats>> attribution,
                       Supplier<List<io.gpufleet.exporter.attribution.SourceStats>> sources) {
        this.exposition = exposition;
        this.publishers = publishers;
        this.attribution = attribution;
        this.sources = sources;
    }

    /** Renders a new snapshot; call from the collection loop after each pass. */
    public void update(NodeSnapshot s) {
        MetricSnapshots ms = exposition.render(s, publishers.get(), attribution.get(), sources.get());
        current = new Rendered(s.sequence(), ms, write(TEXT::write, ms));
    }

    /** The bytes for a scrape, or null before the first pass. */
    public byte[] get(Format format, boolean gzip) {
        Rendered r = current;
        return r == null ? null : r.get(format, gzip);
    }

    public long sequence() {
        Rendered r = current;
        return r == null ? 0 : r.sequence;
    }

    private interface Writer {
        void write(java.io.OutputStream out, MetricSnapshots s) throws IOException;
    }

    private static byte[] write(Writer w, MetricSnapshots s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
        try {
            w.write(out, s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] gzip(byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length / 6 + 64);
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
