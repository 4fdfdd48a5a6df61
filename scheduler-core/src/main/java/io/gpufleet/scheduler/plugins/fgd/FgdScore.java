package io.gpufleet.scheduler.plugins.fgd;

import io.gpufleet.scheduler.framework.CardChoicePlugin;
import io.gpufleet.scheduler.framework.CycleState;
import io.gpufleet.scheduler.framework.FrameworkHandle;
import io.gpufleet.scheduler.framework.PreFilterPlugin;
import io.gpufleet.scheduler.framework.Profile;
import io.gpufleet.scheduler.framework.Status;
import io.gpufleet.scheduler.model.Node;
import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.state.NodeState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * FGD, fragmentation gradient descent (Weng et al., USENIX ATC 2023), as published: the node (and, for a sharing
 * pod, the card) whose fragmentation grows least wins. {@code score = int(100 · sigmoid((F_before − F_after) /
 * 1000))} with F from {@link Fragmentation}; the integer score matters (equal scores tie, and ties go to the first
 * node visited). For a sharing pod every card that fits is tried and the lowest index with the best score is
 * taken; whole-GPU pods take the lowest-index free cards.
 *
 * <p>Arguments: {@code typicalPods} (list of {@code {cpuMilli, gpuMilli, numGpu, models, count}}: a fixed
 * workload distribution) or, when absent, the distribution is learned online at PreFilter from the pods that
 * have arrived so far (list the plugin under {@code preFilter} too); {@code coverage} (0..1, default 0.95);
 * {@code halfLife} (arrivals, default 20 000; 0 = never): every so many arrivals the learned counts are halved, so
 * a long-running scheduler follows a workload that changes.
 *
 * <p>Scores are cached per node for its last pod shapes and recomputed only for nodes that changed
 * ({@link NodeState#changes}) or when the learned distribution was rebuilt. A node's fragment is kept with the card
 * counts behind it ({@link Fragmentation.Snapshot}), so a what-if looks again only at the cards it takes; cards
 * equal in free share and model are scored once.
 */
public class FgdScore implements CardChoicePlugin, PreFilterPlugin {
    public static final String NAME = "fgd";

    private final String name;
    private final FrameworkHandle handle;
    private final double coverage;
    private final TypicalPods learned;
    private final long halfLife;
    private Fragmentation frag;
    private long arrivals;
    private long rebuiltAt = -1;
    /** Names of the pods counted, the latest {@value #REMEMBERED} (a pod forgotten here and seen again counts again). */
    private final Map<String, Boolean> seen = new java.util.LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > REMEMBERED;
        }
    };
    private static final int REMEMBERED = 100_000;
    private int epoch;

    private final Map<String, Integer> shapeIds = new HashMap<>();
    private NodeCache[] caches = new NodeCache[0];
    private NodeCache current;      // the node being scored, its cache just checked (see scoreWith)
    private Request lastRequest;
    private int lastShape;
    private final int[] seenFree = new int[Node.MAX_GPUS];
    private final int[] seenModel = new int[Node.MAX_GPUS];

    /**
     * Per-node memo: the state it was computed for ({@code version} moves when it changes), F_before, and for the
     * last few pod shapes the best score and card (slot = shape id mod SLOTS), so a node costs nothing to rescore
     * while it is unchanged.
     */
    private static final class NodeCache {
        final int node;
        int epoch = -1;
        int version;
        long changes = -1;
        double fBefore;
        final Fragmentation.Snapshot snapshot = new Fragmentation.Snapshot();
        final int[] slotShape = new int[SLOTS];
        final int[] slotVersion = new int[SLOTS];
        final int[] slotScore = new int[SLOTS];
        final int[] slotCard = new int[SLOTS];

        NodeCache(int node) {
            this.node = node;
            Arrays.fill(slotShape, -1);
        }

        boolean has(int shape) {
            int i = shape & (SLOTS - 1);
            return slotShape[i] == shape && slotVersion[i] == version;
        }

        void put(int shape, int score, int card) {
            int i = shape & (SLOTS - 1);
            slotShape[i] = shape;
            slotVersion[i] = version;
            slotScore[i] = score;
            slotCard[i] = card;
        }
    }

    private static final int SLOTS = 16;
    /** Shape ids are forgotten beyond this many (a long-running scheduler sees endless shapes). */
    private static final int MAX_SHAPES = 4096;

    public FgdScore(Map<String, Object> args, FrameworkHandle handle) {
        this(NAME, args, handle, Set.of(), 0.95);
    }

    /**
     * For policies built on FGD's fragment measure: {@code extraKeys} are further arguments the subclass reads,
     * {@code defaultCoverage} the coverage when none is given.
     */
    protected FgdScore(String name, Map<String, Object> args, FrameworkHandle handle, Set<String> extraKeys, double defaultCoverage) {
        this.name = name;
        this.handle = handle;
        Set<String> keys = new java.util.HashSet<>(extraKeys);
        keys.add("typicalPods");
        keys.add("coverage");
        keys.add("halfLife");
        Profile.knownKeys(args, name, keys);
        this.coverage = Profile.number(args, name, "coverage", defaultCoverage, 0.01, 1);
        this.halfLife = Math.round(Profile.number(args, name, "halfLife", 20_000, 0, 1e12));
        Object tp = args.get("typicalPods");
        if (tp != null) {
            TypicalPods fixed = new TypicalPods();
            for (TypicalPod t : parseTypical(tp, name)) fixed.add(t.withWeight(1), Math.round(t.weight()));
            this.learned = null;
            this.frag = new Fragmentation(fixed.typical(coverage), handle.state());
        } else {
            this.learned = new TypicalPods();
            this.frag = new Fragmentation(List.of(), handle.state());
        }
    }

    @Override
    public String name() {
        return name;
    }

    /** The distribution in use now. */
    public Fragmentation fragmentation() {
        return frag;
    }

    @Override
    public Status preFilter(CycleState cycle, Request r) {
        // Each pod counts once: retries of a queued pod, planning cycles and what-ifs that reach PreFilter again
        // would otherwise weigh a pod that waits by how long it waits.
        if (learned != null && seen.put(r.name(), Boolean.TRUE) == null) {
            learn(r);
            learned.add(r);
            long n = ++arrivals;
            boolean forget = halfLife > 0 && n % halfLife == 0;
            if (forget) {
                learned.halve();
                forgetHalf();
            }
            if (forget || rebuildDue(n, rebuiltAt, halfLife)) {
                frag = new Fragmentation(learned.typical(coverage), handle.state());
                rebuiltAt = n;
                epoch++;
                rebuilt();
            }
        }
        return Status.OK;
    }

    /**
     * The cards of a whole-GPU or multi-GPU pod: as published, the lowest-index ones (subclasses may keep the card
     * allocator's topology-aware {@code proposed} pick instead).
     */
    protected int wholeCards(Request r, int eligible, int proposed) {
        return lowest(eligible, r.gpuCount());
    }

    /** Called once per arriving pod, before it is counted (subclasses count what else they learn). */
    protected void learn(Request r) {}

    /** Called when the learned counts were halved (subclasses halve what else they learn). */
    protected void forgetHalf() {}

    /** Called after the learned distribution was rebuilt, before any node is scored with it. */
    protected void rebuilt() {}

    @Override
    public int chooseCards(CycleState cycle, Request r, NodeState node, int eligible, int proposed) {
        if (r.gpuCount() != 1 || r.wholeGpus()) return wholeCards(r, eligible, proposed);
        int s = shape(r);               // first: a new shape may reset the ids and with them every memo
        NodeCache c = cache(node);
        if (!c.has(s)) {
            int best = -1, bestCard = 0, distinct = 0;
            for (int e = eligible; e != 0; e &= e - 1) {
                int i = Integer.numberOfTrailingZeros(e);
                // The score depends on the card only through its free share and model: a card equal to a lower
                // one scores the same, and the lower one wins ties, so it need not be scored.
                int free = node.coreFree(i), model = node.modelId(i);
                boolean seen = false;
                for (int k = 0; k < distinct && !seen; k++) seen = seenFree[k] == free && seenModel[k] == model;
                if (seen) continue;
                seenFree[distinct] = free;
                seenModel[distinct++] = model;
                int card = 1 << i;
                int sc = scoreWith(c, node, r, card);
                if (sc > best) {
                    best = sc;
                    bestCard = card;
                }
            }
            c.put(s, best, bestCard);
        }
        return c.slotCard[s & (SLOTS - 1)];
    }

    @Override
    public long score(CycleState cycle, Request r, NodeState node, int cards) {
        int s = shape(r);               // first: a new shape may reset the ids and with them every memo
        NodeCache c = cache(node);
        if (c.has(s) && c.slotCard[s & (SLOTS - 1)] == cards) return c.slotScore[s & (SLOTS - 1)];
        int sc = scoreWith(c, node, r, cards);
        c.put(s, sc, cards);
        return sc;
    }

    /** {@link #score(double, NodeState, Request, int)} with the node's checked cache at hand for fragmentAfter. */
    private int scoreWith(NodeCache c, NodeState node, Request r, int cards) {
        current = c;
        try {
            return score(c.fBefore, node, r, cards);
        } finally {
            current = null;
        }
    }

    /** FGD's integer score for taking {@code cards} on the node (subclasses: any score >= 0 that fits an int). */
    protected int score(double fBefore, NodeState node, Request r, int cards) {
        double after = fragmentAfter(node, node.cpuFree() - r.cpuMilli(), cards, r.coreOnCard());
        return (int) (100 / (1 + Math.exp(-(fBefore - after) / 1000)));
    }

    /**
     * The learned distribution's schedule after {@code n} arrivals, last rebuilt at {@code lastAt} (-1: never):
     * often while little is known, then every 5% more arrivals, so caches stay useful (2% scored the same on the
     * trace and cost the 5000-node benchmark about 6% of its decisions per second), and at least 4 times per
     * half-life ({@code halfLife}, 0: no bound; halving rebuilds as well).
     */
    static boolean rebuildDue(long n, long lastAt, long halfLife) {
        long every = Math.max(1, n / 20);
        if (halfLife > 0) every = Math.min(every, Math.max(1, halfLife / 4));
        return lastAt < 0 || n < 200 || n - lastAt >= every;
    }

    /**
     * The node's fragment if CPU were {@code cpuFree} and {@code milli} were taken from each card of {@code cards}:
     * {@link Fragmentation#of(NodeState, long, int, int)}, from the snapshot taken with {@code fBefore}.
     */
    protected double fragmentAfter(NodeState node, long cpuFree, int cards, int milli) {
        NodeCache c = current != null && current.node == node.id() ? current : cache(node);
        return frag.after(c.snapshot, node, cpuFree, cards, milli);
    }


    /** The frame's handle (cluster state), for subclasses. */
    protected FrameworkHandle handle() {
        return handle;
    }

    private static int lowest(int eligible, int k) {
        int out = 0;
        for (int e = eligible; e != 0 && k > 0; e &= e - 1, k--) out |= e & -e;
        return out;
    }

    private int shape(Request r) {
        if (r != lastRequest) {
            lastRequest = r;
            String key = r.cpuMilli() + "/" + r.gpuCount() + "/" + r.gpuCoreMilli() + "/" + r.gpuMemoryMiB() + "/"
                    + r.gpuMemoryPercent() + "/" + r.allowedModels();
            if (shapeIds.size() >= MAX_SHAPES && !shapeIds.containsKey(key)) {
                // Ids are about to be reused: every memo made under the old ones is dropped.
                shapeIds.clear();
                epoch++;
            }
            lastShape = shapeIds.computeIfAbsent(key, k -> shapeIds.size());
        }
        return lastShape;
    }

    private NodeCache cache(NodeState n) {
        int id = n.id();
        if (id >= caches.length) {
            NodeCache[] grown = new NodeCache[Math.max(id + 1, caches.length * 2)];
            System.arraycopy(caches, 0, grown, 0, caches.length);
            caches = grown;
        }
        NodeCache c = caches[id];
        if (c == null) caches[id] = c = new NodeCache(id);
        if (c.epoch != epoch || c.changes != n.changes()) {
            c.version++;
            c.epoch = epoch;
            c.changes = n.changes();
            c.fBefore = frag.snapshot(n, c.snapshot);
        }
        return c;
    }

    /** Reads {@code typicalPods}: a list of maps with cpuMilli, gpuMilli, numGpu, models ("A|B" or a list), count. */
    static List<TypicalPod> parseTypical(Object o, String plugin) {
        if (!(o instanceof List<?> list)) throw new IllegalArgumentException("profile: pluginConfig." + plugin + ".typicalPods must be a list");
        List<TypicalPod> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String at = "pluginConfig." + plugin + ".typicalPods[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> m)) throw new IllegalArgumentException("profile: " + at + " must be a map");
            for (Object k : m.keySet()) {
                if (!Set.of("cpuMilli", "gpuMilli", "numGpu", "models", "count").contains(String.valueOf(k))) {
                    throw new IllegalArgumentException("profile: " + at + ": unknown key '" + k + "'");
                }
            }
            Set<String> models = new LinkedHashSet<>();
            Object mo = m.get("models");
            if (mo instanceof String s) {
                for (String x : s.split("\\|")) if (!x.isBlank()) models.add(x.trim());
            } else if (mo instanceof Collection<?> col) {
                for (Object x : col) models.add(String.valueOf(x));
            } else if (mo != null) {
                throw new IllegalArgumentException("profile: " + at + ".models must be a string or a list");
            }
            try {
                out.add(new TypicalPod(num(m, "cpuMilli", at), (int) num(m, "gpuMilli", at), (int) num(m, "numGpu", at), models,
                        num(m, "count", at)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("profile: " + at + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static long num(Map<?, ?> m, String key, String at) {
        Object v = m.get(key);
        if (v == null) return 0;
        if (v instanceof Number n) return n.longValue();
        throw new IllegalArgumentException("profile: " + at + "." + key + " must be a number, was '" + v + "'");
    }
}
