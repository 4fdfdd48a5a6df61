package io.gpufleet.scheduler.plugins.fgd;

import io.gpufleet.scheduler.framework.CardChoicePlugin;
import io.gpufleet.scheduler.framework.CycleState;
import io.gpufleet.scheduler.framework.FrameworkHandle;
import io.gpufleet.scheduler.framework.PreFilterPlugin;
import io.gpufleet.scheduler.framework.Profile;
import io.gpufleet.scheduler.framework.Status;
import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.state.NodeState;
import java.util.ArrayList;
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
 * have arrived so far (list the plugin under {@code preFilter} too); {@code coverage} (0..1, default 0.95).
 *
 * <p>Scores are cached per node and pod shape and recomputed only for nodes whose free CPU or cards changed, or
 * when the learned distribution was rebuilt, so a 1000-node cluster costs microseconds per decision.
 */
public class FgdScore implements CardChoicePlugin, PreFilterPlugin {
    public static final String NAME = "fgd";

    private final String name;
    private final FrameworkHandle handle;
    private final double coverage;
    private final TypicalPods learned;
    private Fragmentation frag;
    private long rebuiltAt = -1;
    private int epoch;

    private final Map<String, Integer> shapeIds = new HashMap<>();
    private NodeCache[] caches = new NodeCache[0];
    private Request lastRequest;
    private int lastShape;

    /** Per-node memo: the state it was computed for, F_before, and per shape the best score and card. */
    private static final class NodeCache {
        int epoch = -1;
        long cpuFree;
        int healthy;
        int[] free = new int[0];
        double fBefore;
        int[] score = new int[16];
        int[] card = new int[16];
    }

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
        Profile.knownKeys(args, name, keys);
        this.coverage = Profile.number(args, name, "coverage", defaultCoverage, 0.01, 1);
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
        if (learned != null) {
            learned.add(r);
            long n = learned.total();
            if (rebuildDue(n, rebuiltAt)) {
                frag = new Fragmentation(learned.typical(coverage), handle.state());
                rebuiltAt = n;
                epoch++;
            }
        }
        return Status.OK;
    }

    @Override
    public int chooseCards(CycleState cycle, Request r, NodeState node, int eligible, int proposed) {
        if (r.gpuCount() != 1 || r.wholeGpus()) return lowest(eligible, r.gpuCount());
        NodeCache c = cache(node);
        int s = shape(r);
        if (c.score[s] < 0) {
            int best = -1, bestCard = 0;
            for (int e = eligible; e != 0; e &= e - 1) {
                int card = 1 << Integer.numberOfTrailingZeros(e);
                int sc = score(c.fBefore, node, r, card);
                if (sc > best) {
                    best = sc;
                    bestCard = card;
                }
            }
            c.score[s] = best;
            c.card[s] = bestCard;
        }
        return c.card[s];
    }

    @Override
    public long score(CycleState cycle, Request r, NodeState node, int cards) {
        NodeCache c = cache(node);
        int s = shape(r);
        if (c.score[s] >= 0 && c.card[s] == cards) return c.score[s];
        int sc = score(c.fBefore, node, r, cards);
        c.score[s] = sc;
        c.card[s] = cards;
        return sc;
    }

    /** FGD's integer score for taking {@code cards} on the node (subclasses: any score >= 0 that fits an int). */
    protected int score(double fBefore, NodeState node, Request r, int cards) {
        double after = frag.of(node, node.cpuFree() - r.cpuMilli(), cards, r.coreOnCard());
        return (int) (100 / (1 + Math.exp(-(fBefore - after) / 1000)));
    }

    /**
     * The learned distribution's schedule after {@code n} arrivals, last rebuilt at {@code lastAt} (-1: never):
     * often while little is known, then every 2% more arrivals, so caches stay useful.
     */
    protected static boolean rebuildDue(long n, long lastAt) {
        return lastAt < 0 || n < 200 || n - lastAt >= Math.max(1, n / 50);
    }

    /** Drops every memoised score (for subclasses whose score depends on more than the node and the distribution). */
    protected void invalidate() {
        epoch++;
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
        if (c == null) caches[id] = c = new NodeCache();
        int g = n.gpuCount();
        boolean same = c.epoch == epoch && c.cpuFree == n.cpuFree() && c.healthy == n.healthyMask() && c.free.length == g;
        for (int i = 0; same && i < g; i++) same = c.free[i] == n.coreFree(i);
        int shapes = shapeIds.size() + 1;
        if (c.score.length < shapes) {
            int len = Math.max(shapes, c.score.length * 2);
            int[] s2 = new int[len], c2 = new int[len];
            java.util.Arrays.fill(s2, -1);
            System.arraycopy(c.score, 0, s2, 0, c.score.length);
            System.arraycopy(c.card, 0, c2, 0, c.card.length);
            c.score = s2;
            c.card = c2;
            if (!same) java.util.Arrays.fill(c.score, -1);
        }
        if (!same) {
            c.epoch = epoch;
            c.cpuFree = n.cpuFree();
            c.healthy = n.healthyMask();
            if (c.free.length != g) c.free = new int[g];
            for (int i = 0; i < g; i++) c.free[i] = n.coreFree(i);
            c.fBefore = frag.of(n);
            java.util.Arrays.fill(c.score, -1);
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
