package io.gpufleet.exporter.attribution.podresources;

import static io.gpufleet.exporter.attribution.podresources.PodResourcesWire.gpus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.exporter.attribution.PodRef;
import io.gpufleet.exporter.attribution.PodResolver;
import io.gpufleet.exporter.attribution.SourceStats;
import io.gpufleet.exporter.attribution.podresources.PodResourcesWire.Container;
import io.gpufleet.exporter.attribution.podresources.PodResourcesWire.Devices;
import io.gpufleet.exporter.attribution.podresources.PodResourcesWire.Pod;
import io.gpufleet.exporter.source.GpuIdentity;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against a real grpc-java server on a unix socket, speaking the kubelet's method. */
class PodResourcesResolverTest {
    private static final GpuIdentity GPU0 = gpu(0, "GPU-00000000-aaaa-bbbb-cccc-000000000000");
    private static final GpuIdentity GPU1 = gpu(1, "GPU-11111111-aaaa-bbbb-cccc-111111111111");
    private static final GpuIdentity GPU2 = gpu(2, "GPU-22222222-aaaa-bbbb-cccc-222222222222");
    private static final Duration TIMEOUT = Duration.ofMillis(500);

    @TempDir
    Path dir;

    private Path socket;
    private KubeletStub kubelet;
    private PodResolver resolver;

    private static GpuIdentity gpu(int index, String uuid) {
        return new GpuIdentity("gpu-node-1", index, uuid, "NVIDIA H100 80GB HBM3", "00000000:0" + index + ":00.0",
                "serial-" + index, 0, index);
    }

    @BeforeAll
    static void epollIsThere() {
        // The exporter's only transport to the kubelet; a test run where it cannot load must fail, not skip.
        assertTrue(Epoll.isAvailable(), () -> "netty epoll unavailable: " + Epoll.unavailabilityCause());
    }

    @BeforeEach
    void start() throws Exception {
        socket = dir.resolve("kubelet.sock");
        kubelet = new KubeletStub(socket).start();
        resolver = PodResourcesResolver.openIfPresent(socket, TIMEOUT).orElseThrow();
    }

    @AfterEach
    void stop() throws Exception {
        resolver.close();
        kubelet.close();
    }

    private static byte[] twoPods() {
        return PodResourcesWire.response(List.of(
                new Pod("ml", "trainer-0",
                        new Container("worker", gpus(GPU0.uuid(), GPU1.uuid())),
                        new Container("eval", gpus(GPU2.uuid()))),
                new Pod("ml", "mig-user", new Container("main",
                        new Devices("nvidia.com/mig-1g.10gb", List.of("MIG-5c4b1a2e-0000-5000-8000-000000000001"), 0))),
                new Pod("kube-system", "other", new Container("main", gpus("GPU-not-on-this-node")))));
    }

    private SourceStats stats() {
        List<SourceStats> all = resolver.sourceStats();
        assertEquals(1, all.size());
        assertEquals("podresources", all.get(0).source());
        return all.get(0);
    }

    @Test
    void mapsEachGpuToTheContainersTheKubeletGaveIt() {
        kubelet.response.set(twoPods());
        assertEquals(List.of(), resolver.podsFor(GPU0, List.of()), "nothing before the first poll");

        resolver.refresh();

        PodRef worker = new PodRef("ml", "trainer-0", "worker", 0, 1000, -1);
        assertEquals(List.of(worker), resolver.podsFor(GPU0, List.of()));
        assertEquals(List.of(worker), resolver.podsFor(GPU1, List.of()));
        assertEquals(List.of(new PodRef("ml", "trainer-0", "eval", 0, 1000, -1)), resolver.podsFor(GPU2, List.of()));
        SourceStats s = stats();
        assertTrue(s.connected());
        assertEquals(0, s.errors());
        assertEquals(2, s.pods(), "trainer-0 and the pod on a GPU of another UUID; the MIG pod holds no whole GPU");

        kubelet.response.set(PodResourcesWire.response(List.of()));
        resolver.refresh();
        assertEquals(List.of(), resolver.podsFor(GPU0, List.of()), "a pod gone from the kubelet's answer is gone");
    }

    @Test
    void keepsTheLastAnswerWhileTheKubeletIsAwayAndRecoversWhenItReturns() throws Exception {
        kubelet.response.set(twoPods());
        resolver.refresh();
        List<PodRef> before = resolver.podsFor(GPU0, List.of());
        assertEquals(1, before.size());

        kubelet.stop();
        resolver.refresh();
        resolver.refresh();
        assertEquals(before, resolver.podsFor(GPU0, List.of()), "the last good answer stays");
        assertFalse(stats().connected());
        assertEquals(2, stats().errors());

        kubelet.response.set(PodResourcesWire.response(List.of(new Pod("ml", "next", new Container("c", gpus(GPU0.uuid()))))));
        kubelet.start();
        // The channel reconnects by itself; allow a few polls for its backoff.
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!stats().connected() && System.nanoTime() < deadline) {
            resolver.refresh();
            if (!stats().connected()) Thread.sleep(200);
        }
        assertTrue(stats().connected(), "recovered once the kubelet listens again");
        assertEquals(List.of(new PodRef("ml", "next", "c", 0, 1000, -1)), resolver.podsFor(GPU0, List.of()));
        long errors = stats().errors();
        resolver.refresh();
        assertEquals(errors, stats().errors(), "no errors once recovered");
    }

    @Test
    void aKubeletThatDoesNotAnswerCostsOneTimeoutAndAnError() {
        kubelet.response.set(twoPods());
        resolver.refresh();
        kubelet.response.set(null);

        long start = System.nanoTime();
        resolver.refresh();
        long tookMs = (System.nanoTime() - start) / 1_000_000;

        assertTrue(tookMs >= TIMEOUT.toMillis() - 50 && tookMs < TIMEOUT.toMillis() + 1500, "took " + tookMs + " ms");
        assertEquals(1, stats().errors());
        assertEquals(1, resolver.podsFor(GPU0, List.of()).size(), "the last good answer stays");
    }

    @Test
    void aMalformedAnswerIsAnErrorAndKeepsTheLastAnswer() {
        kubelet.response.set(twoPods());
        resolver.refresh();
        byte[] good = twoPods();
        kubelet.response.set(java.util.Arrays.copyOf(good, good.length - 4));

        resolver.refresh();

        assertEquals(1, stats().errors());
        assertFalse(stats().connected());
        assertEquals(1, resolver.podsFor(GPU0, List.of()).size());
    }

    @Test
    void noSocketNoResolver() {
        Optional<PodResolver> none = PodResourcesResolver.openIfPresent(dir.resolve("absent.sock"), TIMEOUT);
        assertTrue(none.isEmpty());
    }
}
