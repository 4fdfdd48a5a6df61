package io.gpufleet.scheduler.allocator;

import io.gpufleet.scheduler.model.Gpu;
import io.gpufleet.scheduler.model.Node;
import java.util.Arrays;
import java.util.List;

/**
 * The GPU topology of one node shape (shared by all nodes with the same wiring) and the best GPU set for each
 * (eligible cards, count) pair, cached because a cluster has few shapes and a node has few masks.
 *
 * <p>A set's key orders sets lexicographically: NVLink links summed over all pairs of the set first, then all
 * cards on one PCIe switch, then all on one NUMA node, then an RDMA NIC on the set's switch. Ties go to the set
 * of lowest indices, so the choice is deterministic.
 *
 * <p>{@link #quality(int)} maps a set to 0..100 for node scoring: {@code 50 · connectedPairs / pairs
 * + 20 · min(1, links / pairs / 12) + 15 · sameSwitch + 10 · sameNuma + 5 · nicNear}: NVLink reach first, then
 * NVLink bandwidth (12 links per pair is an NVSwitch system), then locality (a single card counts as fully
 * connected at full bandwidth).
 */
public final class TopologyTable {
    private static final int CACHE_MAX_GPUS = 10;
    private static final int MAX_EXHAUSTIVE = 512;

    private final int n;
    private final int[][] links;
    private final int[] pcieSwitch;
    private final int[] numa;
    private final boolean[] nic;
    private final int[] cache; // (mask * (n + 1) + k) -> best set + 1, 0 = not computed yet

    public TopologyTable(List<Gpu> gpus) {
        n = gpus.size();
        links = new int[n][n];
        pcieSwitch = new int[n];
        numa = new int[n];
        nic = new boolean[n];
        for (Gpu g : gpus) {
            int i = g.index();
            pcieSwitch[i] = g.pcieSwitch();
            numa[i] = g.numaNode();
            nic[i] = g.rdmaNic() != null;
            for (int j = 0; j < n; j++) {
                // NVLink is symmetric; take the larger count if a spec lists only one side.
                links[i][j] = Math.max(links[i][j], g.linksTo(j));
                links[j][i] = links[i][j];
            }
        }
        cache = n <= CACHE_MAX_GPUS && n > 0 ? new int[(1 << n) * (n + 1)] : null;
    }

    /** A string equal for nodes with the same wiring, used to share tables. */
    public static String signature(Node node) {
        StringBuilder sb = new StringBuilder();
        for (Gpu g : node.gpus()) {
            sb.append(g.pcieSwitch()).append(',').append(g.numaNode()).append(',').append(g.rdmaNic() != null ? 1 : 0).append(':');
            for (int j = 0; j < node.gpus().size(); j++) sb.append(g.linksTo(j)).append('.');
            sb.append('|');
        }
        return sb.toString();
    }

    public int gpus() {
        return n;
    }

    public int links(int a, int b) {
        return links[a][b];
    }

    /** Best set of {@code k} cards among {@code eligible}, or 0 when fewer than {@code k} are eligible. */
    public int bestSet(int eligible, int k) {
        if (k <= 0 || Integer.bitCount(eligible) < k) return 0;
        if (cache != null) {
            int slot = eligible * (n + 1) + k;
            int c = cache[slot];
            if (c != 0) return c - 1;
            int best = compute(eligible, k);
            cache[slot] = best + 1;
            return best;
        }
        return compute(eligible, k);
    }

    private int compute(int eligible, int k) {
        int m = Integer.bitCount(eligible);
        int[] idx = new int[m];
        for (int i = 0, e = eligible; e != 0; e &= e - 1) idx[i++] = Integer.numberOfTrailingZeros(e);
        if (k == 1) return 1 << pickSingle(idx, eligible);
        if (combinations(m, k) <= MAX_EXHAUSTIVE) {
            int[] c = new int[k];
            for (int i = 0; i < k; i++) c[i] = i;
            int best = 0;
            long bestKey = -1;
            while (true) {
                int set = 0;
                for (int i = 0; i < k; i++) set |= 1 << idx[c[i]];
                long key = key(set);
                if (key > bestKey) {
                    bestKey = key;
                    best = set;
                }
                int i = k - 1;
                while (i >= 0 && c[i] == m - k + i) i--;
                if (i < 0) break;
                c[i]++;
                for (int j = i + 1; j < k; j++) c[j] = c[j - 1] + 1;
            }
            return best;
        }
        // Large nodes: grow a set greedily from every start card, keep the best.
        int best = 0;
        long bestKey = -1;
        for (int start : idx) {
            int set = 1 << start;
            for (int size = 1; size < k; size++) {
                int pick = -1, pickLinks = -1;
                for (int c : idx) {
                    if ((set & (1 << c)) != 0) continue;
                    int l = 0;
                    for (int s = set; s != 0; s &= s - 1) l += links[c][Integer.numberOfTrailingZeros(s)];
                    if (pcieSwitch[c] == pcieSwitch[start]) l = l * 2 + 1;
                    if (l > pickLinks) {
                        pickLinks = l;
                        pick = c;
                    }
                }
                set |= 1 << pick;
            }
            long key = key(set);
            if (key > bestKey) {
                bestKey = key;
                best = set;
            }
        }
        return best;
    }

    /** One card: the one with the fewest links to other eligible cards, keeping well-wired free groups whole. */
    private int pickSingle(int[] idx, int eligible) {
        int best = idx[0], bestLinks = Integer.MAX_VALUE;
        for (int c : idx) {
            int l = 0;
            for (int e = eligible & ~(1 << c); e != 0; e &= e - 1) l += links[c][Integer.numberOfTrailingZeros(e)];
            if (l < bestLinks) {
                bestLinks = l;
                best = c;
            }
        }
        return best;
    }

    private static long combinations(int m, int k) {
        long r = 1;
        for (int i = 1; i <= k; i++) r = r * (m - k + i) / i;
        return r;
    }

    /** Lexicographic key of a set (larger is better). */
    public long key(int set) {
        long nv = 0;
        int first = Integer.numberOfTrailingZeros(set);
        boolean sameSwitch = true, sameNuma = true;
        for (int a = set; a != 0; a &= a - 1) {
            int i = Integer.numberOfTrailingZeros(a);
            if (pcieSwitch[i] != pcieSwitch[first]) sameSwitch = false;
            if (numa[i] != numa[first]) sameNuma = false;
            for (int b = a & (a - 1); b != 0; b &= b - 1) nv += links[i][Integer.numberOfTrailingZeros(b)];
        }
        return nv * 8 + (sameSwitch ? 4 : 0) + (sameNuma ? 2 : 0) + (nicNear(set) ? 1 : 0);
    }

    private boolean nicNear(int set) {
        for (int a = set; a != 0; a &= a - 1) if (nic[Integer.numberOfTrailingZeros(a)]) return true;
        return false;
    }

    /** Quality of a set, 0..100 (see class doc). */
    public int quality(int set) {
        int k = Integer.bitCount(set);
        if (k == 0) return 0;
        int pairs = k * (k - 1) / 2, connected = 0;
        long linkSum = 0;
        int first = Integer.numberOfTrailingZeros(set);
        boolean sameSwitch = true, sameNuma = true;
        for (int a = set; a != 0; a &= a - 1) {
            int i = Integer.numberOfTrailingZeros(a);
            if (pcieSwitch[i] != pcieSwitch[first]) sameSwitch = false;
            if (numa[i] != numa[first]) sameNuma = false;
            for (int b = a & (a - 1); b != 0; b &= b - 1) {
                int l = links[i][Integer.numberOfTrailingZeros(b)];
                if (l > 0) connected++;
                linkSum += l;
            }
        }
        int nvPart = pairs == 0 ? 70 : (int) (50 * connected / pairs + Math.min(20, 20 * linkSum / (12L * pairs)));
        return nvPart + (sameSwitch ? 15 : 0) + (sameNuma ? 10 : 0) + (nicNear(set) ? 5 : 0);
    }

    @Override
    public String toString() {
        return "TopologyTable" + Arrays.deepToString(links);
    }
}
