package io.gpufleet.exporter.attribution;

import static io.gpufleet.exporter.attribution.MockApi.NODE;
import static io.gpufleet.exporter.attribution.MockApi.OTHER_NODE;
import static io.gpufleet.exporter.attribution.MockApi.assignment;
import static io.gpufleet.exporter.attribution.MockApi.eventually;
import static io.gpufleet.exporter.attribution.MockApi.gpu;
import static io.gpufleet.exporter.attribution.MockApi.pod;
import static io.gpufleet.exporter.attribution.MockApi.share;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.exporter.source.GpuIdentity;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KubernetesPodResolverTest {
    private static final long MIB = 1024L * 1024L;
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final GpuIdentity GPU0 = gpu(0, "GPU-00000000-aaaa-bbbb-cccc-000000000000");
    private static final GpuIdentity GPU1 = gpu(1, "GPU-11111111-aaaa-bbbb-cccc-111111111111");
    private static final GpuIdentity GPU2 = gpu(2, "GPU-22222222-aaaa-bbbb-cccc-222222222222");

    @TempDir
    Path proc;

    private MockApi api;
    private KubernetesPodResolver resolver;

    @BeforeEach
    void startApi() {
        api = MockApi.start();
    }

    @AfterEach
    void stop() {
        api.close();
        if (resolver != null) resolver.close();
    }

    private KubernetesPodResolver startResolver() throws InterruptedException {
        resolver = KubernetesPodResolver.start(api.client,
                new AttributionConfig(NODE, proc, Duration.ofSeconds(30)), Clock.systemUTC());
        assertTrue(resolver.awaitSynced(WAIT), "informer synced");
        return resolver;
    }

    @Test
    void attributesWholeAndSharedGpusFromAnnotationsOfThisNodeOnly() throws Exception {
        api.create(pod("ml", "whole", NODE, assignment("trainer", share(GPU0.uuid(), 0, 81559, 1000)), "trainer").build());
        api.create(pod("ml", "small", NODE, assignment("infer", share(GPU1.uuid(), 1, 8192, 250)), "infer").build());
        api.create(pod("web", "big", NODE, assignment(null, share(GPU1.uuid(), 1, 40960, 500)), "server").build());
        api.create(pod("ml", "elsewhere", OTHER_NODE, assignment("x", share(GPU2.uuid(), 2, 1024, 1000)), "x").build());
        startResolver();

        assertTrue(eventually(WAIT, () -> resolver.podsFor(GPU1, List.of()).size() == 2));
        assertEquals(List.of(new PodRef("ml", "whole", "trainer", 81559 * MIB, 1000, -1)), resolver.podsFor(GPU0, List.of()));
        // Two pods share GPU1 with different shares; a null container in the annotation falls back to the pod's only container.
        assertEquals(List.of(new PodRef("ml", "small", "infer", 8192 * MIB, 250, -1),
                new PodRef("web", "big", "server", 40960 * MIB, 500, -1)), resolver.podsFor(GPU1, List.of()));
        assertEquals(List.of(), resolver.podsFor(GPU2, List.of()), "a pod on another node is ignored");
        assertTrue(MockApi.PATHS_SEEN.stream().anyMatch(p -> p.contains("watch=true")
                && p.contains("fieldSelector=spec.nodeName%3D" + NODE)), "watch asks the server for this node only");

        AttributionStats s = resolver.currentStats();
        assertEquals(3, s.podsOnNode());
        assertEquals(3, s.podsWithAssignment());
        assertEquals(0, s.annotationParseErrors());
        assertTrue(eventually(WAIT, () -> resolver.currentStats().informerConnected()));
    }

    @Test
    void followsAddsAndDeletesAfterTheFirstList() throws Exception {
        api.create(pod("ml", "a", NODE, assignment("c", share(GPU0.uuid(), 0, 1024, 500)), "c").build());
        startResolver();
        assertTrue(eventually(WAIT, () -> resolver.podsFor(GPU0, List.of()).size() == 1));

        api.create(pod("ml", "b", NODE, assignment("c", share(GPU0.uuid(), 0, 2048, 500)), "c").build());
        assertTrue(eventually(WAIT, () -> resolver.podsFor(GPU0, List.of()).size() == 2), "added pod seen");

        api.delete("ml", "a");
        assertTrue(eventually(WAIT, () -> resolver.podsFor(GPU0, List.of())
                .equals(List.of(new PodRef("ml", "b", "c", 2048 * MIB, 500, -1)))), "deleted pod gone");
        assertEquals(1, resolver.currentStats().podsOnNode());
    }

    @Test
    void pendingAndFinishedPodsHoldNoGpu() throws Exception {
        api.create(pod("ml", "pending", NODE, assignment("c", share(GPU0.uuid(), 0, 1024, 1000)), "c")
                .editStatus().withPhase("Pending").endStatus().build());
        api.create(pod("ml", "done", NODE, assignment("c", share(GPU0.uuid(), 0, 1024, 1000)), "c")
                .editStatus().withPhase("Succeeded").endStatus().build());
        api.create(pod("ml", "running", NODE, assignment("c", share(GPU1.uuid(), 1, 1024, 1000)), "c").build());
        startResolver();
        assertTrue(eventually(WAIT, () -> resolver.currentStats().podsOnNode() == 3));
        assertEquals(List.of(), resolver.podsFor(GPU0, List.of()));
        assertEquals(1, resolver.podsFor(GPU1, List.of()).size());
    }

    @Test
    void malformedAnnotationIsCountedOnceAndOthersStillResolve() throws Exception {
        api.create(pod("ml", "broken", NODE, "{not json", "c").build());
        api.create(pod("ml", "bad-share", NODE, "{\"gpus\":[{\"uuid\":\"" + GPU0.uuid() + "\",\"coreMilli\":1500}]}", "c").build());
        api.create(pod("ml", "good", NODE, assignment("c", share(GPU0.uuid(), 0, 4096, 500)), "c").build());
        startResolver();

        assertTrue(eventually(WAIT, () -> resolver.currentStats().podsOnNode() == 3));
        assertEquals(List.of(new PodRef("ml", "good", "c", 4096 * MIB, 500, -1)), resolver.podsFor(GPU0, List.of()));
        assertEquals(2, resolver.currentStats().annotationParseErrors());

        // An update that leaves the bad annotation as it was is not counted again; a new bad value is.
        api.client.pods().inNamespace("ml").withName("broken").edit(p -> {
            p.getMetadata().setLabels(Map.of("touched", "1"));
            return p;
        });
        api.client.pods().inNamespace("ml").withName("bad-share").edit(p -> {
            p.getMetadata().getAnnotations().put("gpufleet.io/gpu-assignment", "[]");
            return p;
        });
        // Events arrive in order: once the second edit is in the cache, the first has been handled too.
        String badShareUid = uidOf("ml", "bad-share");
        assertTrue(eventually(WAIT, () -> resolver.index().byUid(badShareUid)
                .map(i -> i.assignmentRaw().equals("[]")).orElse(false)));
        assertEquals(3, resolver.currentStats().annotationParseErrors());
        assertEquals(1, resolver.currentStats().podsWithAssignment());
        assertEquals(List.of(new PodRef("ml", "good", "c", 4096 * MIB, 500, -1)), resolver.podsFor(GPU0, List.of()));
    }

    @Test
    void startsWithoutAnApiServerAndSyncsWhenOneAppears() throws Exception {
        int port = api.server.getPort();
        api.stopServer();
        resolver = KubernetesPodResolver.start(api.client,
                new AttributionConfig(NODE, proc, Duration.ofSeconds(30)), Clock.systemUTC());
        assertFalse(resolver.awaitSynced(Duration.ofMillis(300)));
        assertTrue(eventually(WAIT, () -> resolver.currentStats().informerErrors() > 0), "list failures counted");
        assertFalse(resolver.currentStats().informerConnected());
        assertEquals(List.of(), resolver.podsFor(GPU0, List.of()));

        var late = MockApi.restartOn(port);
        try (var client = late.createClient()) {
            client.pods().inNamespace("ml").resource(pod("ml", "a", NODE,
                    assignment("c", share(GPU0.uuid(), 0, 1024, 1000)), "c").build()).create();
            assertTrue(eventually(Duration.ofSeconds(20), () -> resolver.podsFor(GPU0, List.of()).size() == 1),
                    "informer kept retrying and listed once the server appeared");
            // The listed pods reach the index a moment before the informer reports itself synced.
            assertTrue(eventually(Duration.ofSeconds(5), () -> resolver.currentStats().informerSynced()));
        } finally {
            late.destroy();
        }
    }

    private String uidOf(String ns, String name) {
        return api.client.pods().inNamespace(ns).withName(name).get().getMetadata().getUid();
    }

    @Test
    void keepsAnsweringFromCacheWhileTheApiServerIsGoneAndResyncsWhenItReturns() throws Exception {
        api.create(pod("ml", "a", NODE, assignment("c", share(GPU0.uuid(), 0, 1024, 1000)), "c").build());
        api.create(pod("ml", "b", NODE, assignment("c", share(GPU1.uuid(), 1, 1024, 1000)), "c").build());
        startResolver();
        assertTrue(eventually(WAIT, () -> resolver.currentStats().informerConnected()));
        int port = api.server.getPort();

        api.stopServer();
        assertTrue(eventually(WAIT, () -> !resolver.currentStats().informerConnected()), "disconnection visible");
        assertEquals(1, resolver.podsFor(GPU0, List.of()).size(), "answers from the last known pods");
        assertEquals(1, resolver.podsFor(GPU1, List.of()).size());

        // The server comes back on the same address with a different state: pod a is gone, pod c is new.
        var back = MockApi.restartOn(port);
        try (var client = back.createClient()) {
            client.pods().inNamespace("ml").resource(pod("ml", "b", NODE,
                    assignment("c", share(GPU1.uuid(), 1, 1024, 1000)), "c").build()).create();
            client.pods().inNamespace("ml").resource(pod("ml", "c", NODE,
                    assignment("c", share(GPU2.uuid(), 2, 2048, 1000)), "c").build()).create();
            assertTrue(eventually(Duration.ofSeconds(20), () -> resolver.podsFor(GPU2, List.of()).size() == 1),
                    "relisted after the server returned");
            assertEquals(List.of(), resolver.podsFor(GPU0, List.of()), "pod deleted during the outage is dropped");
            assertEquals(1, resolver.podsFor(GPU1, List.of()).size());
            assertTrue(eventually(WAIT, () -> resolver.currentStats().informerConnected()));
        } finally {
            back.destroy();
        }
    }
}
