package io.gpufleet.exporter.source;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * One GPU's readings at one moment. Scalar fields live in a dense array indexed by {@link GpuField}
 * (NaN = absent) so a collection pass allocates one array per GPU, not a map entry per field.
 *
 * @param gpu       which GPU
 * @param timestampMillis when the reading was taken (source clock)
 * @param lost      the GPU stopped answering (NVML GPU_IS_LOST, or fell off the bus); fields are absent
 * @param nvLinks   per-link state and error counters; empty for PCIe-only GPUs
 * @param processes compute processes on the GPU
 * @param errors    why a field is absent: field → NVML error name (e.g. {@code NOT_SUPPORTED})
 */
public record GpuReading(GpuIdentity gpu, long timestampMillis, boolean lost, double[] values,
                         List<NvLinkReading> nvLinks, List<ProcessReading> processes, Map<GpuField, String> errors) {

    public GpuReading {
        Objects.requireNonNull(gpu, "gpu");
        if (values.length != GpuField.count()) {
            throw new IllegalArgumentException("values must have one slot per GpuField");
        }
        nvLinks = List.copyOf(nvLinks);
        processes = List.copyOf(processes);
        errors = errors.isEmpty() ? Map.of() : Map.copyOf(errors);
    }

    public boolean has(GpuField f) {
        return !Double.isNaN(values[f.ordinal()]);
    }

    /** The value, or NaN when absent. */
    public double value(GpuField f) {
        return values[f.ordinal()];
    }

    public OptionalDouble get(GpuField f) {
        double v = values[f.ordinal()];
        return Double.isNaN(v) ? OptionalDouble.empty() : OptionalDouble.of(v);
    }

    /** A reading for a GPU that no longer answers. */
    public static GpuReading lost(GpuIdentity gpu, long timestampMillis, String why) {
        Map<GpuField, String> errors = new EnumMap<>(GpuField.class);
        for (GpuField f : GpuField.values()) errors.put(f, why);
        return new GpuReading(gpu, timestampMillis, true, emptyValues(), List.of(), List.of(), errors);
    }

    public static double[] emptyValues() {
        double[] v = new double[GpuField.count()];
        Arrays.fill(v, Double.NaN);
        return v;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GpuReading r && gpu.equals(r.gpu) && timestampMillis == r.timestampMillis && lost == r.lost
                && Arrays.equals(values, r.values) && nvLinks.equals(r.nvLinks) && processes.equals(r.processes)
                && errors.equals(r.errors);
    }

    @Override
    public int hashCode() {
        return Objects.hash(gpu, timestampMillis, lost, Arrays.hashCode(values), nvLinks, processes, errors);
    }

    @Override
    public String toString() {
        return "GpuReading[" + gpu.node() + "/" + gpu.index() + " lost=" + lost + " values=" + Arrays.toString(values)
                + " errors=" + errors + "]";
    }

    /** Fills a reading field by field; a source calls {@link #fail} for a field it cannot read. */
    public static final class Builder {
        private final GpuIdentity gpu;
        private final long timestampMillis;
        private final double[] values = emptyValues();
        private final Map<GpuField, String> errors = new EnumMap<>(GpuField.class);
        private List<NvLinkReading> nvLinks = List.of();
        private List<ProcessReading> processes = List.of();

        public Builder(GpuIdentity gpu, long timestampMillis) {
            this.gpu = gpu;
            this.timestampMillis = timestampMillis;
        }

        public Builder set(GpuField f, double v) {
            values[f.ordinal()] = v;
            errors.remove(f);
            return this;
        }

        public Builder fail(GpuField f, String why) {
            values[f.ordinal()] = Double.NaN;
            errors.put(f, why);
            return this;
        }

        public Builder nvLinks(List<NvLinkReading> links) {
            this.nvLinks = links;
            return this;
        }

        public Builder processes(List<ProcessReading> procs) {
            this.processes = procs;
            return this;
        }

        public GpuReading build() {
            return new GpuReading(gpu, timestampMillis, false, values.clone(), nvLinks, processes, errors);
        }
    }
}
