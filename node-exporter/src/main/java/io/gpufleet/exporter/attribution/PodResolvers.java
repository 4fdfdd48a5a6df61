package io.gpufleet.exporter.attribution;

import io.gpufleet.exporter.source.GpuIdentity;
import io.gpufleet.exporter.source.ProcessReading;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Combines pod resolvers. */
public final class PodResolvers {
    private static final Logger LOG = LoggerFactory.getLogger(PodResolvers.class);

    private PodResolvers() {}

    /**
     * A resolver asking each of {@code resolvers} in order and merging their answers with {@link #merge}: put the
     * one that knows shares (the assignment annotations) first, the one that sees processes after it. A resolver
     * that throws is skipped for that call, so one broken source leaves the others' answers intact.
     */
    public static PodResolver compose(PodResolver... resolvers) {
        List<PodResolver> all = List.of(resolvers);
        return new PodResolver() {
            private volatile boolean warned;

            @Override
            public List<PodRef> podsFor(GpuIdentity gpu, List<ProcessReading> processes) {
                List<PodRef> acc = List.of();
                for (PodResolver r : all) {
                    List<PodRef> next;
                    try {
                        next = r.podsFor(gpu, processes);
                    } catch (RuntimeException e) {
                        // Warn once: a broken source would otherwise log on every GPU of every pass.
                        if (!warned) {
                            warned = true;
                            LOG.warn("pod resolver {} failed, attributing without it: {}", r, e.toString());
                        } else {
                            LOG.debug("pod resolver {} failed for {}: {}", r, gpu.uuid(), e.toString());
                        }
                        continue;
                    }
                    acc = merge(acc, next);
                }
                return acc;
            }

            @Override
            public java.util.Optional<AttributionStats> stats() {
                for (PodResolver r : all) {
                    java.util.Optional<AttributionStats> s = r.stats();
                    if (s.isPresent()) return s;
                }
                return java.util.Optional.empty();
            }

            @Override
            public List<SourceStats> sourceStats() {
                List<SourceStats> out = new ArrayList<>();
                for (PodResolver r : all) out.addAll(r.sourceStats());
                return out;
            }

            @Override
            public void refresh() {
                for (PodResolver r : all) {
                    try {
                        r.refresh();
                    } catch (RuntimeException e) {
                        LOG.warn("refreshing pod resolver {} failed: {}", r, e.toString());
                    }
                }
            }

            @Override
            public void close() {
                for (PodResolver r : all) {
                    try {
                        r.close();
                    } catch (RuntimeException e) {
                        LOG.warn("closing pod resolver {} failed", r, e);
                    }
                }
            }
        };
    }

    /**
     * Merges {@code later} into {@code earlier}, matching refs by namespace and pod. A pod already listed keeps its
     * row and its shares; the later refs of that pod fill its container when it is empty (only when they name
     * exactly one container) and its shares when they are 0, and add their known used memory to it (-1 counts as
     * unknown, so known plus unknown is the known part). Later refs of pods not listed are appended unchanged.
     */
    public static List<PodRef> merge(List<PodRef> earlier, List<PodRef> later) {
        if (later.isEmpty()) return earlier;
        if (earlier.isEmpty()) return later;
        List<PodRef> out = new ArrayList<>(earlier);
        for (int i = 0; i < out.size(); i++) {
            PodRef base = out.get(i);
            if (indexOfPod(out, base) != i) continue; // a second row of the same pod: the first row takes the merge
            long used = base.usedMemoryBytes();
            long shareMem = base.shareMemoryBytes();
            int shareCore = base.shareCoreMilli();
            String container = null;
            boolean manyContainers = false;
            boolean matched = false;
            for (PodRef r : later) {
                if (!samePodAnyContainer(base, r)) continue;
                matched = true;
                if (r.usedMemoryBytes() >= 0) used = Math.max(used, 0) + r.usedMemoryBytes();
                if (shareMem == 0 && shareCore == 0) {
                    shareMem = r.shareMemoryBytes();
                    shareCore = r.shareCoreMilli();
                }
                if (!r.container().isEmpty()) {
                    if (container == null) container = r.container();
                    else if (!container.equals(r.container())) manyContainers = true;
                }
            }
            if (!matched) continue;
            String c = !base.container().isEmpty() || container == null || manyContainers ? base.container() : container;
            out.set(i, new PodRef(base.namespace(), base.pod(), c, shareMem, shareCore, used));
        }
        for (PodRef r : later) {
            if (indexOfPod(earlier, r) < 0) out.add(r);
        }
        return List.copyOf(out);
    }

    private static int indexOfPod(List<PodRef> refs, PodRef ref) {
        for (int i = 0; i < refs.size(); i++) {
            if (samePodAnyContainer(refs.get(i), ref)) return i;
        }
        return -1;
    }

    private static boolean samePodAnyContainer(PodRef a, PodRef b) {
        return a.namespace().equals(b.namespace()) && a.pod().equals(b.pod());
    }
}
