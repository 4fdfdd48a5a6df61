package io.gpufleet.scheduler.allocator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.scheduler.Fixtures;
import io.gpufleet.scheduler.model.Allocation;
import io.gpufleet.scheduler.model.Gpu;
import io.gpufleet.scheduler.model.Node;
import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.state.ClusterState;
import io.gpufleet.scheduler.state.NodeState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CardAllocatorTest {

    /** 4 GPUs: 0-1 NVLinked (4 links), 2-3 NVLinked (2 links), 0/1 on switch 0, 2/3 on switch 1 with the NIC. */
    private static Node pairs() {
        List<Gpu> g = new ArrayList<>();
        g.add(new Gpu("u0", 0, "A10", 24_000, 0, 0, Map.of(1, 4), null));
        g.add(new Gpu("u1", 1, "A10", 24_000, 0, 0, Map.of(0, 4), null));
        g.add(new Gpu("u2", 2, "A10", 24_000, 1, 1, Map.of(3, 2), "mlx5_1"));
        g.add(new Gpu("u3", 3, "A10", 24_000, 1, 1, Map.of(2, 2), "mlx5_1"));
        return new Node("n", 64_000, 256_000, Map.of(), g);
    }

    @Test
    void multiGpuPicksMostNvlinkThenSwitchThenNic() {
        ClusterState s = Fixtures.state(pairs());
        NodeState n = s.node("n");
        CardAllocator a = new CardAllocator(CardPolicy.BINPACK);
        assertEquals(0b0011, a.pick(n, Request.builder("p").gpus(2).build(), -1), "4 links beat 2 links");
        // Take GPU 0: the best remaining pair is 2-3 (linked), not 1 with anything.
        s.assume(new Allocation(Request.builder("x").gpus(1).build(), "n", CardAllocator.shares(n, Request.builder("x").gpus(1).build(), 0b0001)));
        assertEquals(0b1100, a.pick(n, Request.builder("p").gpus(2).build(), -1));
        assertEquals(0b1110, a.pick(n, Request.builder("p").gpus(3).build(), -1));
        assertEquals(0, a.pick(n, Request.builder("p").gpus(4).build(), -1));
    }

    @Test
    void singleWholeGpuKeepsLinkedPairsIntact() {
        ClusterState s = Fixtures.state(pairs());
        NodeState n = s.node("n");
        CardAllocator a = new CardAllocator(CardPolicy.BINPACK);
        // All have one peer; GPU 2 and 3 have fewer links (2) than 0 and 1 (4): take from the weaker pair.
        int first = a.pick(n, Request.builder("p").gpus(1).build(), -1);
        assertEquals(0b0100, first);
    }

    @Test
    void sharingBinpackTakesTightestCardSpreadTakesEmptiest() {
        ClusterState s = Fixtures.state(Fixtures.pcie("n", 4));
        NodeState n = s.node("n");
        Request used = Request.builder("u").gpus(1).gpuCoreMilli(500).gpuMemoryMiB(8000).build();
        s.assume(new Allocation(used, "n", CardAllocator.shares(n, used, 0b0100)));
        Request r = Request.builder("p").gpus(1).gpuCoreMilli(200).gpuMemoryMiB(2000).build();
        assertEquals(0b0100, new CardAllocator(CardPolicy.BINPACK).pick(n, r, -1));
        assertEquals(0b0001, new CardAllocator(CardPolicy.SPREAD).pick(n, r, -1));
        Request tooBig = Request.builder("p").gpus(1).gpuCoreMilli(600).gpuMemoryMiB(2000).build();
        assertEquals(0b0001, new CardAllocator(CardPolicy.BINPACK).pick(n, tooBig, -1), "card 2 has only 500 milli free");
        Request sameOnTwo = Request.builder("p").gpus(2).gpuCoreMilli(600).gpuMemoryMiB(2000).build();
        int two = new CardAllocator(CardPolicy.BINPACK).pick(n, sameOnTwo, -1);
        assertEquals(2, Integer.bitCount(two));
        assertEquals(0, two & 0b0100);
    }

    @Test
    void allowedCardsAndHealthAreRespected() {
        ClusterState s = Fixtures.state(Fixtures.pcie("n", 4));
        NodeState n = s.node("n");
        CardAllocator a = new CardAllocator(CardPolicy.BINPACK);
        s.setGpuHealth("n", 0, false);
        int pick = a.pick(n, Request.builder("p").gpus(3).build(), -1);
        assertEquals(0b1110, pick);
        assertEquals(0, a.pick(n, Request.builder("p").gpus(4).build(), -1));
        assertEquals(0, a.pick(n, Request.builder("p").gpus(1).build(), 0b0001));
    }

    @Test
    void topologyQualityRanksSets() {
        TopologyTable t = new TopologyTable(pairs().gpus());
        assertTrue(t.quality(0b0011) > t.quality(0b0101), "linked pair on one switch beats a split pair");
        // 50 (linked) + 20 * 2 links / 12 (=3) + 15 (one switch) + 10 (one NUMA node) + 5 (NIC near)
        assertEquals(83, t.quality(0b1100));
        assertEquals(t.bestSet(0b1111, 2), t.bestSet(0b1111, 2), "cached answer is stable");
    }

    @Test
    void largeNodesUseTheGreedySearchAndStillKeepLinkedPairsTogether() {
        Node big = io.gpufleet.scheduler.bench.SyntheticCluster.node("big", io.gpufleet.scheduler.bench.SyntheticCluster.Wiring.PAIRS,
                "A10", 24_000, 16, 128_000, 512_000, Map.of());
        TopologyTable t = new TopologyTable(big.gpus());
        int set = t.bestSet(0xFFFF, 4);
        assertEquals(4, Integer.bitCount(set));
        for (int c = set; c != 0; c &= c - 1) {
            int i = Integer.numberOfTrailingZeros(c);
            assertTrue((set & (1 << (i ^ 1))) != 0, "GPU " + i + " comes with its NVLink peer: " + Integer.toBinaryString(set));
        }
        // With GPU 1 taken, its partner 0 is the odd one out: a 2-set is still a linked pair.
        int pair = t.bestSet(0xFFFF & ~0b10, 2);
        assertEquals(4, t.links(Integer.numberOfTrailingZeros(pair), 31 - Integer.numberOfLeadingZeros(pair)));
    }
}
