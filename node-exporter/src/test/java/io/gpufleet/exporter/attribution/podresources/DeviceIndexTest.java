package io.gpufleet.exporter.attribution.podresources;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.gpufleet.exporter.attribution.PodRef;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceIndexTest {

    private static DeviceAllocation alloc(String ns, String pod, String container, String resource, String... ids) {
        return new DeviceAllocation(ns, pod, container, resource, List.of(ids));
    }

    @Test
    void mapsWholeGpusToTheirContainersAndIgnoresOtherResources() {
        DeviceIndex index = DeviceIndex.of(List.of(
                alloc("ml", "trainer", "worker", "nvidia.com/gpu", "GPU-a", "GPU-b"),
                alloc("ml", "trainer", "helper", "nvidia.com/gpu", "GPU-c"),
                alloc("ml", "mig", "main", "nvidia.com/mig-1g.10gb", "MIG-1111"),
                alloc("ml", "mig-single", "main", "nvidia.com/gpu", "MIG-2222"),
                alloc("ml", "shared", "main", "gpufleet.io/gpu-memory", "GPU-a"),
                alloc("ml", "nic", "main", "rdma/hca", "mlx5_0")));

        assertEquals(List.of(new PodRef("ml", "trainer", "worker", 0, 1000, -1)), index.podsOn("GPU-a"),
                "gpufleet's shared resources are left to the assignment annotation");
        assertEquals(List.of(new PodRef("ml", "trainer", "worker", 0, 1000, -1)), index.podsOn("GPU-b"));
        assertEquals(List.of(new PodRef("ml", "trainer", "helper", 0, 1000, -1)), index.podsOn("GPU-c"));
        assertEquals(List.of(), index.podsOn("GPU-unknown"));
        assertEquals(2, index.pods(), "trainer and the MIG pod under nvidia.com/gpu; no GPU UUID matches its id");
    }

    @Test
    void timeSlicedReplicasNameTheirGpuWithUnknownShare() {
        DeviceIndex index = DeviceIndex.of(List.of(
                alloc("b", "two", "c", "nvidia.com/gpu.shared", "GPU-a::1", "GPU-a::2"),
                alloc("a", "one", "c", "nvidia.com/gpu", "GPU-a::0")));

        assertEquals(List.of(new PodRef("a", "one", "c", 0, 0, -1), new PodRef("b", "two", "c", 0, 0, -1)),
                index.podsOn("GPU-a"), "one row per container, sorted, share unknown");
    }
}
