package io.gpufleet.exporter.source;

import java.util.List;
import java.util.Optional;

/** The GPU-to-GPU connections of one node. */
public record Topology(List<GpuPair> pairs) {
    public Topology {
        pairs = List.copyOf(pairs);
    }

    public static Topology empty() {
        return new Topology(List.of());
    }

    public Optional<GpuPair> between(int x, int y) {
        int a = Math.min(x, y), b = Math.max(x, y);
        return pairs.stream().filter(p -> p.a() == a && p.b() == b).findFirst();
    }
}
