package io.gpufleet.exporter.attribution;

import io.gpufleet.contracts.time.ManualClock;
import static io.gpufleet.exporter.attribution.MockApi.NODE;
import static io.gpufleet.exporter.attribution.MockApi.assignment;
import static io.gpufleet.exporter.attribution.MockApi.eventually;
import static io.gpufleet.exporter.attribution.MockApi.gpu;
import static io.gpufleet.exporter.attribution.MockApi.pod;
import static io.gpufleet.exporter.attribution.MockApi.share;
import static io.gpufleet.exporter.attribution.MockApi.withGpuContainer;
import static io.gpufleet.exporter.attribution.ProcessPodMapperTest.writeCgroup;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.gpufleet.exporter.source.GpuIdentity;
import io.gpufleet.exporter.source.ProcessReading;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Process-based attribution end to end: a /proc tree on disk, pods in the mock API server, the real informer. */
class ProcessAttributionTest {
    private static final long MIB = 1024L * 1024L;
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final GpuIdentity GPU0 = gpu(0, "GPU-00000000-1111-2222-3333-444444444444");
    private static final GpuIdentity GPU1 = gpu(1, "GPU-11111111-1111-2222-3333-444444444444");
    private static final String CUDA_ID = "c".repeat(64);
    private static final String TRAIN_ID = "d".repeat(64);
    private static final String SIDECAR_ID = "e".repeat(64);

    @TempDir
    Path proc;

    private final ManualClock clock = new ManualClock(Instant.parse("2026-11-23T12:00:00Z"));
    private MockApi api;
    private KubernetesPodResolver resolver;

    @BeforeEach
    void start() throws Exception {
        api = MockApi.start();
        resolver = KubernetesPodResolver.start(api.client, new AttributionConfig(NODE, proc, Duration.ofSeconds(30)), clock);
        assertTrue(resolver.awaitSynced(WAIT));
    }

    @AfterEach
    void stop() {
        api.close();
        resolver.close();
    }

    private String uid(Pod created) {
        String uid = created.getMetadata().getUid();
        assertNotNull(uid, "the API server gives every pod a uid");
        return uid;
    }

    @Test
    void aPodWithoutAnnotationIsFoundThroughItsProcesses() throws Exception {
        // Placed by another scheduler: requests nvidia.com/gpu, carries no gpufleet assignment.
        Pod plain = api.create(withGpuContainer(pod("vision", "resnet", NODE, null), "cuda", CUDA_ID, 1).build());
        writeCgroup(proc, 1001, uid(plain), CUDA_ID);
        Path host = Files.createDirectories(proc.resolve("1"));
        Files.writeString(host.resolve("cgroup"), "0::/init.scope\n");
        assertTrue(eventually(WAIT, () -> resolver.currentStats().podsOnNode() == 1));

        List<PodRef> refs = resolver.podsFor(GPU0, List.of(new ProcessReading(1001, 3072 * MIB),
                new ProcessReading(1, 100 * MIB)));
        assertEquals(List.of(new PodRef("vision", "resnet", "cuda", 0, 0, 3072 * MIB)), refs,
                "the host process is not attributed");
        AttributionStats s = resolver.currentStats();
        assertEquals(1, s.gpuPodsWithoutAssignment());
        assertEquals(1, s.processesWithoutPod());
        assertEquals(2, s.pidCacheSize());
    }

    @Test
    void processesGiveAnnotatedPodsTheirUsedMemory() throws Exception {
        Pod a = api.create(withGpuContainer(pod("ml", "a", NODE,
                assignment("train", share(GPU1.uuid(), 1, 8192, 250))), "train", TRAIN_ID, 0)
                .editStatus().addToContainerStatuses(new ContainerStatusBuilder().withName("sidecar")
                        .withContainerID("containerd://" + SIDECAR_ID).build()).endStatus().build());
        api.create(pod("ml", "b", NODE, assignment("serve", share(GPU1.uuid(), 1, 16384, 500)), "serve").build());
        writeCgroup(proc, 2001, uid(a), TRAIN_ID);
        writeCgroup(proc, 2002, uid(a), TRAIN_ID);
        writeCgroup(proc, 2003, uid(a), SIDECAR_ID);
        assertTrue(eventually(WAIT, () -> resolver.podsFor(GPU1, List.of()).size() == 2));

        List<PodRef> refs = resolver.podsFor(GPU1, List.of(new ProcessReading(2001, 1024 * MIB),
                new ProcessReading(2002, 512 * MIB), new ProcessReading(2003, -1)));
        assertEquals(List.of(new PodRef("ml", "a", "train", 8192 * MIB, 250, 1536 * MIB),
                new PodRef("ml", "b", "serve", 16384 * MIB, 500, -1)), refs,
                "a's processes sum (the unknown one adds nothing); b has none, so its usage is unknown");
    }

    @Test
    void aProcessAppearingBeforeItsContainerStatusStillNamesThePod() throws Exception {
        Pod p = api.create(pod("ml", "starting", NODE, null, "main").build());
        writeCgroup(proc, 3001, uid(p), "f".repeat(64));
        assertTrue(eventually(WAIT, () -> resolver.currentStats().podsOnNode() == 1));
        assertEquals(List.of(new PodRef("ml", "starting", "", 0, 0, 10 * MIB)),
                resolver.podsFor(GPU0, List.of(new ProcessReading(3001, 10 * MIB))));
    }

    @Test
    void aDeletedPodsProcessesAreNoLongerAttributed() throws Exception {
        Pod p = api.create(withGpuContainer(pod("ml", "gone", NODE, null), "cuda", CUDA_ID, 1).build());
        writeCgroup(proc, 4001, uid(p), CUDA_ID);
        List<ProcessReading> procs = List.of(new ProcessReading(4001, MIB));
        assertTrue(eventually(WAIT, () -> resolver.podsFor(GPU0, procs).size() == 1));
        api.delete("ml", "gone");
        assertTrue(eventually(WAIT, () -> resolver.podsFor(GPU0, procs).isEmpty()));
    }

    @Test
    void kubeletDevicesComeBetweenAnnotationsAndProcesses() throws Exception {
        // Shared GPU0: the annotation knows the share; the device plugin's answer for the same pod adds nothing.
        api.create(pod("ml", "shared", NODE, assignment("infer", share(GPU0.uuid(), 0, 8192, 250)), "infer").build());
        // Whole GPU1: "busy" runs a process on it, "idle" holds it and runs nothing (time-sliced, so both do).
        Pod busy = api.create(withGpuContainer(pod("vision", "busy", NODE, null), "cuda", CUDA_ID, 1).build());
        api.create(withGpuContainer(pod("vision", "idle", NODE, null), "cuda", TRAIN_ID, 1).build());
        writeCgroup(proc, 5001, uid(busy), CUDA_ID);
        assertTrue(eventually(WAIT, () -> resolver.currentStats().podsOnNode() == 3));

        java.util.concurrent.atomic.AtomicInteger refreshes = new java.util.concurrent.atomic.AtomicInteger();
        PodResolver devices = new PodResolver() {
            @Override
            public List<PodRef> podsFor(GpuIdentity gpu, List<ProcessReading> processes) {
                if (gpu.equals(GPU0)) return List.of(new PodRef("ml", "shared", "infer", 0, 1000, -1));
                return List.of(new PodRef("vision", "busy", "cuda", 0, 0, -1), new PodRef("vision", "idle", "cuda", 0, 0, -1));
            }

            @Override
            public List<SourceStats> sourceStats() {
                return List.of(new SourceStats("podresources", true, 0, 3));
            }

            @Override
            public void refresh() {
                refreshes.incrementAndGet();
            }
        };
        PodResolver all = resolver.withDevices(devices);

        assertEquals(List.of(new PodRef("ml", "shared", "infer", 8192 * MIB, 250, -1)), all.podsFor(GPU0, List.of()),
                "the annotation's share wins over the whole device the plugin reports");
        assertEquals(List.of(new PodRef("vision", "busy", "cuda", 0, 0, 3072 * MIB),
                        new PodRef("vision", "idle", "cuda", 0, 0, -1)),
                all.podsFor(GPU1, List.of(new ProcessReading(5001, 3072 * MIB))),
                "the idle pod shows although it runs nothing; the busy one gets its processes' memory");
        all.refresh();
        assertEquals(1, refreshes.get());
        assertEquals(List.of(new SourceStats("podresources", true, 0, 3)), all.sourceStats());
        assertEquals(3, all.stats().orElseThrow().podsOnNode(), "the informer's stats stay");
    }
}
