package io.gpufleet.exporter.attribution;

import static io.gpufleet.exporter.attribution.MockApi.NODE;
import static io.gpufleet.exporter.attribution.MockApi.assignment;
import static io.gpufleet.exporter.attribution.MockApi.pod;
import static io.gpufleet.exporter.attribution.MockApi.share;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.gpufleet.contracts.ResourceNames;
import java.util.List;
import org.junit.jupiter.api.Test;

class PodIndexTest {
    private static final long MIB = 1024L * 1024L;
    private static final String ID1 = "1".repeat(64);
    private static final String ID2 = "2".repeat(64);

    private static Pod withUid(Pod p, String uid) {
        p.getMetadata().setUid(uid);
        return p;
    }

    @Test
    void readsContainerIdsGpuRequestsAndMirrorUids() {
        Pod p = MockApi.withGpuContainer(pod("ml", "train", NODE, null, "sidecar"), "cuda", ID1, 2)
                .editStatus().addToInitContainerStatuses(new ContainerStatusBuilder().withName("setup")
                        .withContainerID("cri-o://" + ID2).build()).endStatus()
                .editMetadata().withUid("ABCDEF01-0000-4000-8000-000000000000")
                .addToAnnotations("kubernetes.io/config.mirror", "0123456789ABCDEF0123456789abcdef").endMetadata()
                .build();
        PodInfo info = PodInfo.from(p);
        assertEquals("abcdef01-0000-4000-8000-000000000000", info.uid());
        assertEquals(List.of("sidecar", "cuda"), info.containerNames());
        assertEquals("cuda", info.containerName(ID1));
        assertEquals("setup", info.containerName(ID2));
        assertEquals("", info.containerName("f".repeat(64)));
        assertTrue(info.requestsGpu());
        assertTrue(info.running());

        PodIndex index = PodIndex.of(List.of(info));
        assertEquals("train", index.byUid("abcdef01-0000-4000-8000-000000000000").orElseThrow().name());
        assertEquals("train", index.byUid("0123456789abcdef0123456789abcdef").orElseThrow().name(), "static pod's cgroup uid");
        assertEquals(1, index.unassignedGpuPods());
        assertEquals(0, index.assignedPods());
    }

    @Test
    void sharingResourcesCountAsGpuRequestsAndCpuDoesNot() {
        Pod shared = pod("ml", "s", NODE, null).editSpec().addToContainers(new ContainerBuilder().withName("c")
                .withNewResources().addToRequests(ResourceNames.GPU_MEMORY_MIB, new Quantity("8192")).endResources()
                .build()).endSpec().build();
        Pod cpu = pod("ml", "c", NODE, null).editSpec().addToContainers(new ContainerBuilder().withName("c")
                .withNewResources().addToLimits("cpu", new Quantity("2")).endResources().build()).endSpec().build();
        assertTrue(PodInfo.from(shared).requestsGpu());
        assertFalse(PodInfo.from(cpu).requestsGpu());
        assertFalse(PodInfo.from(new Pod()).requestsGpu(), "an empty object reads without failing");
    }

    @Test
    void indexesRunningAssignmentsByGpuInStableOrder() {
        Pod b = withUid(pod("ml", "b", NODE, assignment(null, share("GPU-1", 1, 2048, 500)), "x", "y").build(), "u-b");
        Pod a = withUid(pod("ml", "a", NODE, assignment("main", share("GPU-1", 1, 1024, 250),
                share("GPU-2", 2, 81920, 1000)), "main").build(), "u-a");
        Pod pending = withUid(pod("ml", "p", NODE, assignment("main", share("GPU-1", 1, 1024, 250)), "main")
                .editStatus().withPhase("Pending").endStatus().build(), "u-p");
        Pod broken = withUid(pod("ml", "x", NODE, "{\"gpus\":[{\"uuid\":\"\"}]}", "main").build(), "u-x");

        PodIndex index = PodIndex.of(List.of(PodInfo.from(b), PodInfo.from(a), PodInfo.from(pending), PodInfo.from(broken)));
        assertEquals(List.of(new PodRef("ml", "a", "main", 1024 * MIB, 250, -1),
                new PodRef("ml", "b", "", 2048 * MIB, 500, -1)), index.assignedTo("GPU-1"),
                "null container with two containers stays empty");
        assertEquals(List.of(new PodRef("ml", "a", "main", 81920 * MIB, 1000, -1)), index.assignedTo("GPU-2"));
        assertEquals(List.of(), index.assignedTo("GPU-3"));
        assertEquals(4, index.pods());
        assertEquals(2, index.assignedPods());
        PodInfo bad = index.byUid("u-x").orElseThrow();
        assertTrue(bad.assignmentMalformed());
        assertTrue(bad.assignmentError().contains("uuid"), bad.assignmentError());
    }

    @Test
    void emptyIndexKnowsNothing() {
        assertEquals(List.of(), PodIndex.EMPTY.assignedTo("GPU-1"));
        assertTrue(PodIndex.EMPTY.byUid("x").isEmpty());
        assertEquals(0, PodIndex.EMPTY.pods());
        assertEquals(0, PodIndex.EMPTY.assignedPods());
    }
}
