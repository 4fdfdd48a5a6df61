package io.gpufleet.exporter.source;

/** The connection between two GPUs of a node ({@code a < b}): NVLink count, or the PCIe path level. */
public record GpuPair(int a, int b, PathLevel level, int nvLinks) {
    public GpuPair {
        if (a >= b) throw new IllegalArgumentException("pair must be ordered a < b, was " + a + "," + b);
        if (level == PathLevel.NV && nvLinks <= 0) throw new IllegalArgumentException("NV pair needs nvLinks > 0");
    }
}
