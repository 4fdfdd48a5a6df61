package io.gpufleet.exporter.metrics;

import java.util.Locale;

/** Which names the exporter exposes: gpufleet's native set, the dcgm-exporter-compatible set, or both. */
public enum MetricSet {
    NATIVE, DCGM, BOTH;

    public boolean includesNative() {
        return this != DCGM;
    }

    public boolean includesDcgm() {
        return this != NATIVE;
    }

    public static MetricSet parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("must be one of native, dcgm, both; was '" + s + "'");
        }
    }
}
