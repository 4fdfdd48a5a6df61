package io.gpufleet.scheduler.framework;

import io.gpufleet.contracts.GpuAssignment;
import io.gpufleet.scheduler.allocator.CardAllocator;
import io.gpufleet.scheduler.gang.GangRegistry;
import io.gpufleet.scheduler.model.Allocation;
import io.gpufleet.scheduler.model.PodGroup;
import io.gpufleet.scheduler.model.Request;
import io.gpufleet.scheduler.quota.QuotaTree;
import io.gpufleet.scheduler.quota.Resources;
import io.gpufleet.scheduler.state.ClusterState;
import io.gpufleet.scheduler.state.NodeState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduling framework: owns the cycle (PreFilter → Filter + card allocation → Score → Reserve → Permit →
 * Bind, PostFilter when nothing fits), the queue and the waiting pods. Plugins are created from a {@link Profile}
 * through a {@link PluginRegistry}. Single-threaded and free of I/O; time comes from the injected clock.
 *
 * <p>PostFilter runs when no node fits; after a PreFilter "no room in the cluster" answer ({@link Status#noRoom})
 * it runs with no rejections and may still nominate a node (reclaim); after any other PreFilter rejection it runs
 * for clean-up only (a gang releases its waiting members) and its nomination is ignored.
 *
 * <p>Node search follows kube-scheduler: nodes are visited round-robin from where the previous cycle stopped, and
 * the search stops once {@code numFeasibleNodesToFind} feasible nodes were found (adaptive share of the cluster, at
 * least {@link Profile#minFeasibleNodesToFind()}); only those are scored. Ties go to the first node visited, so
 * the same inputs give the same decisions.
 */
public final class Scheduler implements FrameworkHandle {
    private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);
    private static final Rejection NO_CARD_SET = new Rejection("allocator", "no set of GPUs on the node fits the per-GPU share", true);
    private static final Rejection RESERVED = new Rejection("gang", "node is reserved for a starving gang", false);

    private final ClusterState state;
    private final QuotaTree quotas;
    private final GangRegistry gangs = new GangRegistry();
    private final Clock clock;
    private final Profile profile;
    private final CardAllocator allocator;

    private final PreFilterPlugin[] preFilters;
    private final FilterPlugin[] filters;
    private final ScorePlugin[] scorers;
    private final CardChoicePlugin cardChoice;
    private final int[] weights;
    private final ReservePlugin[] reservers;
    private final PermitPlugin[] permits;
    private final PostFilterPlugin[] postFilters;
    private final BindPlugin[] binders;
    private final SchedulingQueue queue;

    private final Map<String, WaitingPod> waiting = new LinkedHashMap<>();
    private List<Allocation> cycleBound = new ArrayList<>();
    private List<Allocation> cycleReleased = new ArrayList<>();
    private String blockingGang;
    private long permitTimeouts;
    /** Nodes held for {@link #blockingGang}: other GPU work does not start there (null when none is). */
    private boolean[] reservedNodes;

    // Scratch arrays reused across cycles: no per-node allocation on the hot path.
    private int[] feasible = new int[0];
    private int[] cards = new int[0];
    private long[][] scores;
    private long[] totals = new long[0];
    private int[] rejectedNodes = new int[0];
    private Rejection[] rejectedWhy = new Rejection[0];
    private int nextStart;

    public Scheduler(ClusterState state, QuotaTree quotas, Profile profile, PluginRegistry registry, Clock clock) {
        this.state = state;
        this.quotas = quotas;
        this.profile = profile;
        this.clock = clock;
        this.allocator = new CardAllocator(profile.cardAllocation());
        Map<String, Plugin> made = new HashMap<>();
        for (String n : profile.allPlugins()) {
            PluginFactory f = registry.factory(n);
            if (f == null) throw new IllegalArgumentException("profile " + profile.name() + ": plugin '" + n + "' is not registered (known: " + registry.names() + ")");
            made.put(n, f.create(profile.args(n), this));
        }
        for (String n : profile.pluginConfig().keySet()) {
            if (!made.containsKey(n)) throw new IllegalArgumentException("profile " + profile.name() + ": pluginConfig." + n + " configures a plugin the profile does not use");
        }
        this.queue = new SchedulingQueue(as(made, profile.queueSort(), QueueSortPlugin.class, "queueSort", 0));
        this.preFilters = all(made, profile.preFilter(), PreFilterPlugin.class, "preFilter", new PreFilterPlugin[0]);
        this.filters = all(made, profile.filter(), FilterPlugin.class, "filter", new FilterPlugin[0]);
        this.scorers = new ScorePlugin[profile.score().size()];
        this.weights = new int[scorers.length];
        for (int i = 0; i < scorers.length; i++) {
            scorers[i] = as(made, profile.score().get(i).name(), ScorePlugin.class, "score", i);
            weights[i] = profile.score().get(i).weight();
        }
        this.scores = new long[scorers.length][0];
        CardChoicePlugin choice = null;
        for (ScorePlugin sp : scorers) if (choice == null && sp instanceof CardChoicePlugin c) choice = c;
        this.cardChoice = choice;
        this.reservers = all(made, profile.reserve(), ReservePlugin.class, "reserve", new ReservePlugin[0]);
        this.permits = all(made, profile.permit(), PermitPlugin.class, "permit", new PermitPlugin[0]);
        this.postFilters = all(made, profile.postFilter(), PostFilterPlugin.class, "postFilter", new PostFilterPlugin[0]);
        this.binders = all(made, profile.bind(), BindPlugin.class, "bind", new BindPlugin[0]);
    }

    private <T> T as(Map<String, Plugin> made, String name, Class<T> type, String point, int i) {
        Plugin p = made.get(name);
        if (!type.isInstance(p)) {
            throw new IllegalArgumentException("profile " + profile.name() + ": plugins." + point + (point.equals("queueSort") ? "" : "[" + i + "]")
                    + " '" + name + "' does not implement " + type.getSimpleName());
        }
        return type.cast(p);
    }

    private <T> T[] all(Map<String, Plugin> made, List<String> names, Class<T> type, String point, T[] empty) {
        List<T> out = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) out.add(as(made, names.get(i), type, point, i));
        return out.toArray(empty);
    }

    // ---- FrameworkHandle ------------------------------------------------------------------------------------

    @Override public ClusterState state() { return state; }
    @Override public QuotaTree quotas() { return quotas; }
    @Override public GangRegistry gangs() { return gangs; }
    @Override public Clock clock() { return clock; }
    @Override public CardAllocator allocator() { return allocator; }
    @Override public Profile profile() { return profile; }

    @Override
    public Resources clusterCapacity() {
        return new Resources(state.gpuMilliCapacity(), state.gpuMemoryCapacity(), state.cpuCapacity());
    }

    @Override
    public Collection<WaitingPod> waitingPods() {
        return Collections.unmodifiableCollection(new ArrayList<>(waiting.values()));
    }

    @Override
    public void allowWaiting(String pod) {
        WaitingPod w = waiting.remove(pod);
        if (w == null) return;
        if (bind(w.allocation()) == null) cycleBound.add(w.allocation());
    }

    @Override
    public void rejectWaiting(String pod, String reason) {
        WaitingPod w = waiting.remove(pod);
        if (w == null) return;
        release(w.allocation());
        cycleReleased.add(w.allocation());
        LOG.debug("released waiting pod {} on {}: {}", pod, w.allocation().node(), reason);
    }

    @Override
    public Rejection tryNode(CycleState cycle, Request r, NodeState node) {
        // Preemption plans must not count on nodes held for a starving gang, as the cycle would refuse them.
        if (heldForGang(node.id(), r)) return RESERVED;
        for (FilterPlugin f : filters) {
            Rejection why = f.filter(cycle, r, node);
            if (why != null) return why;
        }
        if (r.gpuCount() > 0 && allocator.pick(node, r, node.cardsOfModels(cycle.modelMask())) == 0) return NO_CARD_SET;
        return null;
    }

    @Override
    public CycleState planningCycle(Request r) {
        CycleState cycle = new CycleState(r);
        for (PreFilterPlugin p : preFilters) {
            Status s = p.preFilter(cycle, r);
            if (!s.ok() && !s.resolvable()) return null;
        }
        return cycle;
    }

    // ---- public API -----------------------------------------------------------------------------------------

    /** Declares a gang and queues its members; rejected (nothing queued) when minMember exceeds the members given. */
    public void submitGang(PodGroup group, List<Request> members) {
        if (group.minMember() > members.size()) {
            throw new IllegalArgumentException("podGroup " + group.name() + ": minMember " + group.minMember()
                    + " is larger than the gang's " + members.size() + " pods");
        }
        for (Request r : members) {
            if (!group.name().equals(r.podGroup())) {
                throw new IllegalArgumentException("pod " + r.name() + ": podGroup is " + r.podGroup() + ", not " + group.name());
            }
        }
        gangs.define(group);
        Instant now = clock.instant();
        for (Request r : members) {
            gangs.addMember(group.name(), r);
            queue.add(r, now);
        }
    }

    /** Declares a gang whose members are scheduled one by one with {@link #schedule}. */
    public void defineGang(PodGroup group) {
        gangs.define(group);
    }

    /** Queues one pod (a gang member joins its gang's queued unit). */
    public void submit(Request r) {
        if (r.podGroup() != null) {
            if (gangs.group(r.podGroup()) == null) throw new IllegalArgumentException("pod " + r.name() + ": podGroup " + r.podGroup() + " is not defined");
            gangs.addMember(r.podGroup(), r);
        }
        queue.add(r, clock.instant());
    }

    public int queued() {
        return queue.size();
    }

    /**
     * Expires waiting pods past their deadline, then takes every unit now queued once, in queue order, and
     * schedules it. Units that do not fit go back with exponential back-off (1 s doubling, at most 60 s).
     *
     * <p>Starvation rule: a gang that has been queued for {@link Profile#gangStarvationSeconds()} or more and still
     * does not fit becomes the blocking gang, and the scheduler reserves nodes for it: the nodes that can host its
     * members (models, node selector, enough healthy GPUs and CPU per member), most free GPU first, until their
     * healthy GPUs could hold every member. Until the gang is placed no other GPU work starts on those nodes; it
     * goes on everywhere else (backfill), and CPU-only pods are never held. Capacity freed on the reserved nodes by
     * finishing pods thus accumulates for the gang, so its wait is bounded by the threshold plus the run time of
     * the pods already on those nodes. A gang that could not fit even on an empty cluster blocks nothing.
     */
    public List<Decision> runQueue() {
        List<Decision> out = new ArrayList<>();
        out.addAll(expireWaiting());
        Instant now = clock.instant();
        if (blockingGang != null && !queue.containsGang(blockingGang)) {
            // The blocking gang was deleted (or placed outside the queue): nothing to wait for any more.
            unblock();
        }
        List<QueuedUnit> retry = new ArrayList<>();
        int rounds = queue.size();
        for (int i = 0; i < rounds; i++) {
            QueuedUnit u = queue.poll(now);
            if (u == null) break;
            boolean isBlocking = u.podGroup() != null && u.podGroup().equals(blockingGang);
            boolean ok = true;
            for (Request r : u.pods()) {
                if (state.placement(r.name()) != null) continue;
                Decision d = schedule(r);
                out.add(d);
                if (!d.placed()) {
                    ok = false;
                    break;
                }
            }
            if (ok) {
                if (isBlocking) unblock();
                continue;
            }
            u.attempts++;
            u.notBefore = now.plusSeconds(Math.min(60, 1L << Math.min(u.attempts - 1, 6)));
            if (u.podGroup() != null && blockingGang == null && profile.gangStarvationSeconds() > 0
                    && !Duration.between(u.firstQueued(), now).minusSeconds(profile.gangStarvationSeconds()).isNegative()) {
                reservedNodes = reserveFor(u);
                if (reservedNodes != null) {
                    blockingGang = u.podGroup();
                    LOG.info("gang {} has waited {} s; {} nodes are reserved for it until it is placed", blockingGang,
                            Duration.between(u.firstQueued(), now).toSeconds(), reservedNodeNames().size());
                }
            }
            retry.add(u);
        }
        retry.forEach(queue::push);
        return out;
    }

    /** Queued pods per quota group ("" for pods without one); groups with none queued are absent. */
    public Map<String, Integer> queuedByQuotaGroup() {
        return queue.podsByGroup();
    }

    /** How long the gang queued longest has waited (zero when no gang is queued). */
    public Duration longestGangWait() {
        Instant first = queue.oldestGang();
        return first == null ? Duration.ZERO : Duration.between(first, clock.instant());
    }

    /** Gang members released because their gang did not complete within scheduleTimeoutSeconds, since start. */
    public long permitTimeouts() {
        return permitTimeouts;
    }

    /** The gang currently holding reserved nodes (see {@link #runQueue}), or {@code null}. */
    public String blockingGang() {
        return blockingGang;
    }

    /** The nodes reserved for {@link #blockingGang()}, in node order (empty when none). */
    public List<String> reservedNodeNames() {
        List<String> out = new ArrayList<>();
        if (reservedNodes == null) return out;
        for (int id = 0; id < reservedNodes.length; id++) if (reservedNodes[id]) out.add(state.node(id).name());
        return out;
    }

    /** Whether node {@code id} is reserved for a starving gang that {@code r} (a GPU pod) is not part of. */
    private boolean heldForGang(int id, Request r) {
        return reservedNodes != null && r.gpuCount() > 0 && id < reservedNodes.length && reservedNodes[id]
                && !blockingGang.equals(r.podGroup());
    }

    /** Ends a reservation; work that backed off because of it may start at once. */
    private void unblock() {
        blockingGang = null;
        reservedNodes = null;
        queue.readyAll(clock.instant());
    }

    /**
     * Nodes to hold for a starving gang (members are planned as copies of its first queued member, as gang members
     * normally are): among the nodes that could host a member on their healthy GPUs, the most free GPU compute
     * first, until they have a slot for every member. {@code null} when the whole cluster has too few slots.
     */
    private boolean[] reserveFor(QueuedUnit u) {
        List<Request> pending = new ArrayList<>();
        for (Request r : u.pods()) if (state.placement(r.name()) == null) pending.add(r);
        if (pending.isEmpty()) return null;
        Request t = pending.get(0);
        CycleState cycle = planningCycle(t);
        if (cycle == null || t.gpuCount() == 0) return null;
        List<NodeState> hosts = new ArrayList<>();
        for (NodeState n : state.nodes()) {
            if (n.node().cpuMilli() >= t.cpuMilli() && n.node().memoryMiB() >= t.memoryMiB() && slots(n, t, cycle) > 0
                    && selected(n, cycle.nodeSelector())) {
                hosts.add(n);
            }
        }
        hosts.sort((a, b) -> a.freeGpuMilli() != b.freeGpuMilli() ? Long.compare(b.freeGpuMilli(), a.freeGpuMilli()) : Integer.compare(a.id(), b.id()));
        boolean[] held = new boolean[state.size()];
        int slots = 0;
        for (NodeState n : hosts) {
            if (slots >= pending.size()) break;
            held[n.id()] = true;
            slots += slots(n, t, cycle);
        }
        return slots >= pending.size() ? held : null;
    }

    /** Members of {@code t}'s shape a node could hold when empty: healthy allowed GPUs per member, CPU, memory. */
    private static int slots(NodeState n, Request t, CycleState cycle) {
        int cards = Integer.bitCount(n.cardsOfModels(cycle.modelMask()) & n.healthyMask()) / t.gpuCount();
        long cpu = t.cpuMilli() == 0 ? Integer.MAX_VALUE : n.node().cpuMilli() / t.cpuMilli();
        long mem = t.memoryMiB() == 0 ? Integer.MAX_VALUE : n.node().memoryMiB() / t.memoryMiB();
        return (int) Math.min(cards, Math.min(cpu, mem));
    }

    private static boolean selected(NodeState n, String[] kv) {
        if (kv == null) return true;
        for (int i = 0; i < kv.length; i += 2) if (!kv[i + 1].equals(n.node().labels().get(kv[i]))) return false;
        return true;
    }

    /** Releases waiting pods whose Permit deadline passed (their gangs did not complete in time). */
    public List<Decision> expireWaiting() {
        if (waiting.isEmpty()) return List.of();
        Instant now = clock.instant();
        List<Decision> out = new ArrayList<>();
        for (WaitingPod w : new ArrayList<>(waiting.values())) {
            if (!waiting.containsKey(w.pod()) || w.deadline().isAfter(now)) continue;
            cycleReleased = new ArrayList<>();
            permitTimeouts++;
            rejectWaiting(w.pod(), "permit timed out");
            List<Allocation> rel = new ArrayList<>(cycleReleased);
            rel.removeIf(x -> x.pod().equals(w.pod()));
            out.add(new Decision(w.pod(), Decision.Outcome.UNSCHEDULABLE, null, "permit wait timed out; gang released",
                    emptyRejections(), List.of(), 0, 0, List.of(), List.of(), rel));
        }
        return out;
    }

    /** A pod ended or was deleted: gives back what it held (also removes it from the queue). */
    public Allocation delete(String pod) {
        queue.remove(pod);
        ClusterState.Placement p = state.placement(pod);
        Allocation a = p == null ? null : release(p.allocation());
        // A deleted pod leaves its gang; a rescheduled pod is submitted again.
        if (a != null && a.request().podGroup() != null) gangs.removeMember(a.request().podGroup(), pod);
        return a;
    }

    /**
     * Marks a GPU healthy or unhealthy. An unhealthy GPU leaves the pool at once; the pods placed on it are
     * returned (the caller decides whether to evict them with {@link #delete}).
     */
    public List<Allocation> setGpuHealth(String node, int index, boolean healthy) {
        return state.setGpuHealth(node, index, healthy);
    }

    /** Pods currently waiting at Permit. */
    public Collection<String> waitingPodNames() {
        return Collections.unmodifiableCollection(new ArrayList<>(waiting.keySet()));
    }

    /**
     * Takes back a pod that already runs (a restarted scheduler reading the {@code gpufleet.io/gpu-assignment}
     * annotations): its capacity is assumed exactly as recorded, Reserve plugins account it (quota usage, gang
     * membership) and it is bound, without filters or scores. Refused, with the state unchanged, when the recorded
     * GPUs do not exist, do not fit, or a Reserve plugin refuses (e.g. the quota's max shrank below its usage).
     */
    public Decision adopt(Request r, GpuAssignment assignment) {
        cycleBound = new ArrayList<>();
        cycleReleased = new ArrayList<>();
        NodeState node = state.node(assignment.node());
        if (node == null) return unschedulable(r, "node " + assignment.node() + " is unknown", emptyRejections(), 0, List.of());
        Allocation a = new Allocation(r, node.name(), assignment.gpus());
        for (GpuAssignment.Share g : assignment.gpus()) {
            if (g.index() < 0 || g.index() >= node.gpuCount()) break; // checkFits names it
            if (g.coreMilli() != r.coreOnCard() || g.memoryMiB() != r.memoryOnCard(node.cardMemory(g.index()))) {
                return unschedulable(r, "cannot adopt: GPU " + g.index() + " share " + g.coreMilli() + "m/" + g.memoryMiB()
                        + "MiB does not match the pod's request", emptyRejections(), 0, List.of());
            }
        }
        String why = state.checkFits(a);
        if (why != null) return unschedulable(r, "cannot adopt: " + why, emptyRejections(), 0, List.of());
        if (r.podGroup() != null && gangs.group(r.podGroup()) != null) gangs.addMember(r.podGroup(), r);
        CycleState cycle = new CycleState(r);
        state.assume(a);
        for (ReservePlugin p : reservers) {
            Status s = p.reserve(cycle, a);
            if (!s.ok()) {
                state.forget(a.pod());
                for (int j = reservers.length - 1; j >= 0; j--) reservers[j].unreserve(a);
                return unschedulable(r, "cannot adopt: " + s.plugin() + ": " + s.reason(), emptyRejections(), 0, List.of());
            }
        }
        String bindError = bind(a);
        if (bindError != null) return unschedulable(r, bindError, emptyRejections(), 0, List.of());
        return new Decision(r.name(), Decision.Outcome.BOUND, a, null, emptyRejections(), List.of(), 0, 1, List.of(),
                cycleBound, cycleReleased);
    }

    /** One scheduling cycle for {@code r} now, outside the queue. */
    public Decision schedule(Request r) {
        cycleBound = new ArrayList<>();
        cycleReleased = new ArrayList<>();
        if (!waiting.isEmpty()) expireOverdue();
        if (state.placement(r.name()) != null) {
            return unschedulable(r, "pod is already placed", emptyRejections(), 0, List.of());
        }
        if (r.podGroup() != null && gangs.group(r.podGroup()) != null) gangs.addMember(r.podGroup(), r);
        CycleState cycle = new CycleState(r);
        Status noRoom = null;
        for (PreFilterPlugin p : preFilters) {
            Status s = p.preFilter(cycle, r);
            if (s.ok()) continue;
            if (s.resolvable()) {
                // Out of room cluster-wide: finish the PreFilters (cycle state), skip the node scan, and let
                // PostFilter look for room (it sees no rejections, so every node is a candidate).
                if (noRoom == null) noRoom = s;
                continue;
            }
            // PostFilter still runs so plugins can clean up (a gang releases its waiting members); nothing is
            // nominated for a pod that cannot run as asked.
            for (PostFilterPlugin pf : postFilters) if (pf.postFilter(cycle, r, emptyRejections()).stop()) break;
            return unschedulable(r, s.plugin() + ": " + s.reason(), emptyRejections(), 0, List.of());
        }
        if (noRoom != null) return postFilter(cycle, r, emptyRejections(), 0, noRoom.plugin() + ": " + noRoom.reason());
        int n = state.size();
        ensureScratch(n);
        int want = numFeasibleNodesToFind(n);
        int found = 0, rejected = 0, visited = 0;
        long models = cycle.modelMask();
        boolean gpu = r.gpuCount() > 0;
        for (int j = 0; j < n; j++) {
            int id = nextStart + j;
            if (id >= n) id -= n;
            NodeState node = state.node(id);
            visited++;
            Rejection why = heldForGang(id, r) ? RESERVED : null;
            for (int f = 0; why == null && f < filters.length; f++) why = filters[f].filter(cycle, r, node);
            int mask = 0;
            if (why == null && gpu) {
                int allowed = node.cardsOfModels(models);
                mask = allocator.pick(node, r, allowed);
                if (mask == 0) why = NO_CARD_SET;
                else if (cardChoice != null) mask = chooseCards(cycle, r, node, allowed, mask);
            }
            if (why != null) {
                rejectedNodes[rejected] = id;
                rejectedWhy[rejected++] = why;
                continue;
            }
            feasible[found] = id;
            cards[found++] = mask;
            if (found >= want) break;
        }
        if (n > 0) nextStart = (nextStart + visited) % n;
        Decision.Rejections rejections = new Decision.Rejections(state,
                Arrays.copyOf(rejectedNodes, rejected), Arrays.copyOf(rejectedWhy, rejected));
        if (found == 0) return postFilter(cycle, r, rejections, visited, "no node fits (" + rejections.count() + " rejected)");

        int best = 0;
        if (found > 1 && scorers.length > 0) {
            Arrays.fill(totals, 0, found, 0);
            for (int p = 0; p < scorers.length; p++) {
                long[] s = scores[p];
                ScorePlugin sp = scorers[p];
                for (int i = 0; i < found; i++) s[i] = sp.score(cycle, r, state.node(feasible[i]), cards[i]);
                sp.normalize(s, found);
                int w = weights[p];
                for (int i = 0; i < found; i++) totals[i] += s[i] * w;
            }
            for (int i = 1; i < found; i++) if (totals[i] > totals[best]) best = i;
        }
        NodeState winner = state.node(feasible[best]);
        List<Decision.ScoreEntry> breakdown = new ArrayList<>(scorers.length);
        for (int p = 0; p < scorers.length; p++) {
            long s = found > 1 ? scores[p][best] : scorers[p].score(cycle, r, winner, cards[best]);
            breakdown.add(new Decision.ScoreEntry(scorers[p].name(), s, weights[p]));
        }
        Allocation a = new Allocation(r, winner.name(), CardAllocator.shares(winner, r, cards[best]));
        return commit(cycle, a, rejections, visited, found, breakdown, List.of());
    }

    // ---- cycle internals ------------------------------------------------------------------------------------

    /** The profile's card-choosing score plugin overrides the allocator's pick; a pick outside the rules is a bug. */
    private int chooseCards(CycleState cycle, Request r, NodeState node, int allowed, int proposed) {
        int eligible = CardAllocator.eligible(node, r, allowed);
        int mask = cardChoice.chooseCards(cycle, r, node, eligible, proposed);
        if ((mask & ~eligible) != 0 || Integer.bitCount(mask) != r.gpuCount()) {
            throw new IllegalStateException("plugin " + cardChoice.name() + " chose cards " + Integer.toBinaryString(mask)
                    + " on " + node.name() + " for " + r.name() + "; eligible " + Integer.toBinaryString(eligible));
        }
        return mask;
    }

    private Decision commit(CycleState cycle, Allocation a, Decision.Rejections rejections, int visited, int found,
                            List<Decision.ScoreEntry> breakdown, List<Allocation> victims) {
        Request r = a.request();
        state.assume(a);
        for (int i = 0; i < reservers.length; i++) {
            Status s = reservers[i].reserve(cycle, a);
            if (!s.ok()) {
                // Like kube-scheduler, every Reserve plugin's Unreserve runs (they tolerate pods they did not see),
                // so a gang member failing here still releases its waiting siblings.
                state.forget(a.pod());
                for (int j = reservers.length - 1; j >= 0; j--) reservers[j].unreserve(a);
                return unschedulable(r, s.plugin() + ": " + s.reason(), rejections, visited, victims);
            }
        }
        Duration wait = null;
        for (PermitPlugin p : permits) {
            Permit pr = p.permit(cycle, a);
            if (pr.kind() == Permit.Kind.REJECT) {
                release(a);
                return unschedulable(r, p.name() + ": " + pr.reason(), rejections, visited, victims);
            }
            if (pr.kind() == Permit.Kind.WAIT) wait = wait == null || pr.timeout().compareTo(wait) < 0 ? pr.timeout() : wait;
        }
        if (wait != null) {
            waiting.put(a.pod(), new WaitingPod(a, clock.instant().plus(wait)));
            return new Decision(r.name(), Decision.Outcome.WAITING, a, null, rejections, breakdown, visited, found,
                    victims, cycleBound, cycleReleased);
        }
        String bindError = bind(a);
        if (bindError != null) return unschedulable(r, bindError, rejections, visited, victims);
        return new Decision(r.name(), Decision.Outcome.BOUND, a, null, rejections, breakdown, visited, found, victims,
                cycleBound, cycleReleased);
    }

    /** Binds; on failure the reservation is released and the reason returned. */
    private String bind(Allocation a) {
        for (BindPlugin b : binders) {
            Status s = b.bind(a);
            if (s.code() == Status.Code.SKIP) continue;
            if (s.ok()) return null;
            release(a);
            return s.plugin() + ": " + s.reason();
        }
        release(a);
        return "no bind plugin bound the pod";
    }

    /** Gives back a reserved or bound pod: state first, then every Reserve plugin's unreserve (reverse order). */
    private Allocation release(Allocation a) {
        if (state.forget(a.pod()) == null) return null;
        waiting.remove(a.pod());
        for (int j = reservers.length - 1; j >= 0; j--) reservers[j].unreserve(a);
        return a;
    }

    private Decision postFilter(CycleState cycle, Request r, Decision.Rejections rejections, int visited, String reason) {
        List<Allocation> victims = new ArrayList<>();
        for (PostFilterPlugin p : postFilters) {
            PostFilterResult res = p.postFilter(cycle, r, rejections);
            if (res.node() != null) {
                NodeState node = state.node(res.node());
                for (String v : res.victims()) {
                    ClusterState.Placement pl = state.placement(v);
                    if (pl == null) continue;
                    waiting.remove(v);
                    Allocation va = release(pl.allocation());
                    if (va != null) victims.add(va);
                    LOG.debug("evicted {} from {} for {} ({})", v, pl.allocation().node(), r.name(), p.name());
                }
                if (tryNode(cycle, r, node) == null) {
                    int mask = r.gpuCount() > 0 ? allocator.pick(node, r, node.cardsOfModels(cycle.modelMask())) : 0;
                    Allocation a = new Allocation(r, node.name(), CardAllocator.shares(node, r, mask));
                    return commit(cycle, a, rejections, visited, 1, List.of(), victims);
                }
                // Should not happen (the plugin tested the node); later plugins still run, so a gang cleans up.
                reason = p.name() + ": nominated node " + node.name() + " still does not fit after eviction";
                LOG.warn("{} for {}", reason, r.name());
                continue;
            }
            if (res.stop()) break;
        }
        return unschedulable(r, reason, rejections, visited, victims);
    }

    private void expireOverdue() {
        Instant now = clock.instant();
        for (WaitingPod w : new ArrayList<>(waiting.values())) {
            if (waiting.containsKey(w.pod()) && !w.deadline().isAfter(now)) {
                permitTimeouts++;
                rejectWaiting(w.pod(), "permit timed out");
            }
        }
    }

    private Decision unschedulable(Request r, String reason, Decision.Rejections rej, int visited, List<Allocation> victims) {
        return new Decision(r.name(), Decision.Outcome.UNSCHEDULABLE, null, reason, rej, List.of(), visited, 0, victims,
                cycleBound, cycleReleased);
    }

    private Decision.Rejections emptyRejections() {
        return new Decision.Rejections(state, new int[0], new Rejection[0]);
    }

    /** kube-scheduler's rule: all nodes below 100, else an adaptive percentage, never fewer than the minimum. */
    int numFeasibleNodesToFind(int n) {
        int min = profile.minFeasibleNodesToFind();
        if (n <= min) return n;
        int pct = profile.percentageOfNodesToScore();
        if (pct == 0) pct = Math.max(5, 50 - n / 125);
        return Math.max(min, (int) ((long) n * pct / 100));
    }

    private void ensureScratch(int n) {
        if (feasible.length >= n) return;
        feasible = new int[n];
        cards = new int[n];
        totals = new long[n];
        rejectedNodes = new int[n];
        rejectedWhy = new Rejection[n];
        for (int p = 0; p < scores.length; p++) scores[p] = new long[n];
    }

    // ---- for the API server and the Kubernetes binding (no cycle, no queue) -----------------------------------

    /**
     * Takes a placement decided elsewhere (rebuilt from pod annotations after a restart, or a node chosen by
     * kube-scheduler through the extender): {@link ClusterState#assume}, every Reserve plugin (quota charge, gang
     * bookkeeping), then bound. Permit is skipped: the pod is already running or its node is already chosen.
     *
     * @return {@code null} when taken, else why not (nothing is changed then)
     */
    public String adopt(Allocation a) {
        String why = state.checkFits(a);
        if (why != null) return why;
        Request r = a.request();
        if (r.podGroup() != null && gangs.group(r.podGroup()) != null) gangs.addMember(r.podGroup(), r);
        state.assume(a);
        CycleState cycle = new CycleState(r);
        for (ReservePlugin rp : reservers) {
            Status s = rp.reserve(cycle, a);
            if (!s.ok()) {
                state.forget(a.pod());
                for (int j = reservers.length - 1; j >= 0; j--) reservers[j].unreserve(a);
                return s.plugin() + ": " + s.reason();
            }
        }
        state.bind(a.pod());
        return null;
    }

    /**
     * The filter half of a cycle without reserving anything (the scheduler-extender's filter): PreFilter once, then
     * the Filter plugins and the card allocator on each named node.
     *
     * @return per node (in the given order) {@code null} when the pod fits, else the rejection; unknown nodes are
     *         rejected by plugin {@code "cluster"}
     */
    public Map<String, Rejection> filterNodes(Request r, Collection<String> nodeNames) {
        Map<String, Rejection> out = new LinkedHashMap<>();
        CycleState cycle = new CycleState(r);
        for (PreFilterPlugin p : preFilters) {
            Status s = p.preFilter(cycle, r);
            if (!s.ok()) {
                Rejection all = new Rejection(s.plugin(), s.reason(), true);
                for (String n : nodeNames) out.put(n, all);
                return out;
            }
        }
        for (String n : nodeNames) {
            NodeState node = state.node(n);
            out.put(n, node == null ? new Rejection("cluster", "node " + n + " is unknown to gpufleet", false) : tryNode(cycle, r, node));
        }
        return out;
    }
}
