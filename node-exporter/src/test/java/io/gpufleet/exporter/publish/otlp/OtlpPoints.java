package io.gpufleet.exporter.publish.otlp;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads decoded OTLP requests back into flat points, for assertions. */
public final class OtlpPoints {
    private OtlpPoints() {}

    /** One data point with its resource, as strings. */
    public record Point(Map<String, String> resource, String metric, boolean sum, Map<String, String> attributes,
                        double value, long timeUnixNano, long startTimeUnixNano) {}

    public static Map<String, String> attrs(List<KeyValue> kvs) {
        Map<String, String> out = new LinkedHashMap<>();
        for (KeyValue kv : kvs) out.put(kv.getKey(), string(kv.getValue()));
        return out;
    }

    static String string(AnyValue v) {
        return switch (v.getValueCase()) {
            case STRING_VALUE -> v.getStringValue();
            case INT_VALUE -> Long.toString(v.getIntValue());
            case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
            case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
            default -> v.toString();
        };
    }

    public static List<Point> points(ExportMetricsServiceRequest req) {
        List<Point> out = new ArrayList<>();
        for (ResourceMetrics rm : req.getResourceMetricsList()) {
            Map<String, String> res = attrs(rm.getResource().getAttributesList());
            for (ScopeMetrics sm : rm.getScopeMetricsList()) {
                for (Metric m : sm.getMetricsList()) {
                    List<NumberDataPoint> dps = m.hasSum() ? m.getSum().getDataPointsList()
                            : m.getGauge().getDataPointsList();
                    for (NumberDataPoint p : dps) {
                        double v = p.getValueCase() == NumberDataPoint.ValueCase.AS_INT ? p.getAsInt() : p.getAsDouble();
                        out.add(new Point(res, m.getName(), m.hasSum(), attrs(p.getAttributesList()), v,
                                p.getTimeUnixNano(), p.getStartTimeUnixNano()));
                    }
                }
            }
        }
        return out;
    }

    /** The single point matching resource uuid, metric and attributes; fails when none or several. */
    public static Point only(List<Point> points, String uuid, String metric, Map<String, String> attributes) {
        List<Point> hits = new ArrayList<>();
        for (Point p : points) {
            if (uuid.equals(p.resource().get(OtlpMetricsEncoder.GPU_UUID)) && p.metric().equals(metric)
                    && p.attributes().equals(attributes)) hits.add(p);
        }
        if (hits.size() != 1) {
            throw new AssertionError("expected one point " + metric + attributes + " for " + uuid + ", found " + hits.size());
        }
        return hits.get(0);
    }
}
