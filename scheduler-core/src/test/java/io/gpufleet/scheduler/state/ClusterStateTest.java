package io.gpufleet.scheduler.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.contracts.GpuAssignment;
import io.gpufleet.scheduler.Fixtures;
import io.gpufleet.scheduler.model.Allocation;
import io.gpufleet.scheduler.model.Request;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterStateTest {

    private static GpuAssignment.Share share(NodeState n, int i, long mem, int core) {
        return new GpuAssignment.Share(n.node().gpus().get(i).uuid(), i, mem, core);
    }

    @Test
    void aggregatesFollowAssumeAndForget() {
        ClusterState s = Fixtures.state(Fixtures.pcie("a", 4));
        NodeState n = s.node("a");
        assertEquals(0b1111, n.fullFreeMask());
        Request r = Request.builder("p").gpus(1).gpuCoreMilli(300).gpuMemoryMiB(4096).cpuMilli(1000).memoryMiB(2048).build();
        s.assume(new Allocation(r, "a", List.of(share(n, 2, 4096, 300))));
        assertEquals(0b1011, n.fullFreeMask());
        assertEquals(1000, n.maxCoreFree());
        assertEquals(4000 - 300, n.freeGpuMilli());
        assertEquals(64_000 - 1000, n.cpuFree());
        assertEquals(List.of("p"), n.pods());
        assertEquals(300, s.gpuMilliUsed());
        s.forget("p");
        assertEquals(0b1111, n.fullFreeMask());
        assertEquals(4000, n.freeGpuMilli());
        assertEquals(0, s.gpuMilliUsed());
        assertNull(s.placement("p"));
    }

    @Test
    void assumeRefusesOverCommitAndLeavesStateUnchanged() {
        ClusterState s = Fixtures.state(Fixtures.pcie("a", 2));
        NodeState n = s.node("a");
        Request big = Request.builder("p1").gpus(1).gpuCoreMilli(700).gpuMemoryMiB(10_000).build();
        s.assume(new Allocation(big, "a", List.of(share(n, 0, 10_000, 700))));
        Request more = Request.builder("p2").gpus(1).gpuCoreMilli(400).gpuMemoryMiB(1000).build();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> s.assume(new Allocation(more, "a", List.of(share(n, 0, 1000, 400)))));
        assertTrue(e.getMessage().contains("compute"), e.getMessage());
        Request mem = Request.builder("p3").gpus(1).gpuCoreMilli(100).gpuMemoryMiB(6000).build();
        assertThrows(IllegalStateException.class, () -> s.assume(new Allocation(mem, "a", List.of(share(n, 0, 6000, 100)))));
        Request cpu = Request.builder("p4").cpuMilli(65_000).build();
        assertThrows(IllegalStateException.class, () -> s.assume(new Allocation(cpu, "a", List.of())));
        assertEquals(300, n.coreFree(0));
        assertEquals(15_360 - 10_000, n.memoryFree(0));
        assertEquals(1, s.placedCount());
        assertThrows(IllegalStateException.class, () -> s.assume(new Allocation(big, "a", List.of(share(n, 1, 10_000, 700)))),
                "the same pod cannot be placed twice");
    }

    @Test
    void unhealthyGpuLeavesPoolAndReportsItsPods() {
        ClusterState s = Fixtures.state(Fixtures.pcie("a", 2));
        NodeState n = s.node("a");
        Request r = Request.builder("p").gpus(1).gpuCoreMilli(200).gpuMemoryMiB(1000).build();
        s.assume(new Allocation(r, "a", List.of(share(n, 1, 1000, 200))));
        List<io.gpufleet.scheduler.model.Allocation> onIt = s.setGpuHealth("a", 1, false);
        assertEquals(List.of("p"), onIt.stream().map(Allocation::pod).toList());
        assertEquals(0b01, n.fullFreeMask());
        assertEquals(1000, n.freeGpuMilli(), "only the healthy card counts as free");
        assertEquals(1, s.podsOnUnhealthyGpus().size());
        Request other = Request.builder("q").gpus(1).gpuCoreMilli(100).gpuMemoryMiB(100).build();
        assertThrows(IllegalStateException.class, () -> s.assume(new Allocation(other, "a", List.of(share(n, 1, 100, 100)))));
        s.setGpuHealth(n.node().gpus().get(1).uuid(), true);
        assertTrue(s.podsOnUnhealthyGpus().isEmpty());
        assertEquals(1800, n.freeGpuMilli());
    }
}
