package io.gpufleet.analytics.job;

import io.gpufleet.analytics.decode.GpuSample;
import io.gpufleet.analytics.decode.PodShare;
import io.gpufleet.analytics.faults.ActiveFaults;
import io.gpufleet.analytics.faults.DetectorSettings;
import io.gpufleet.analytics.faults.FaultRules;
import io.gpufleet.analytics.faults.GpuTrack;
import io.gpufleet.analytics.faults.NodeTrack;
import io.gpufleet.analytics.quota.UsageMath;
import io.gpufleet.analytics.quota.UsageSlice;
import io.gpufleet.analytics.quota.WorkloadNames;
import io.gpufleet.analytics.signals.SignalSlice;
import io.gpufleet.contracts.GpuFault;
import io.gpufleet.contracts.QuotaUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The job's one operator over every sample, keyed by node: per GPU it runs the {@link FaultRules} (so faults are
 * per GPU), and because it sees a whole node it can tell a GPU that stopped reporting from a node that is gone
 * (event-time timers). It also pre-aggregates quota usage per minute and load per signal window for the node,
 * so the quota and signal operators downstream receive a few slices a minute instead of every sample.
 *
 * <p>Main output: {@link GpuFault}s (started and cleared). Side outputs: {@link #USAGE}, {@link #SIGNALS}, and
 * {@link #LATE} for samples behind the watermark (counted, not used). A sample not newer than its GPU's last one
 * is a duplicate (e.g. a producer retry) and is counted and skipped.
 */
public final class NodeAnalytics extends KeyedProcessFunction<String, GpuSample, GpuFault> {
    private static final long serialVersionUID = 1L;
    public static final OutputTag<UsageSlice> USAGE = new OutputTag<>("usage", TypeInformation.of(UsageSlice.class));
    public static final OutputTag<SignalSlice> SIGNALS = new OutputTag<>("signals", TypeInformation.of(SignalSlice.class));
    public static final OutputTag<GpuSample> LATE = new OutputTag<>("late", TypeInformation.of(GpuSample.class));
    static final long MINUTE = 60_000;
    private static final String NODE_KEY = "node";

    private final FaultRules rules;
    private final long intervalMillis;
    private final long signalWindowMillis;

    /** The node's GPUs and timers: one state lookup per sample. */
    private transient ValueState<NodeTrack> node;
    private transient MapState<String, GpuFault> active;
    private transient MapState<SliceKey, long[]> usage;
    private transient MapState<SliceKey, double[]> signals;
    private transient ActiveFaults activeView;
    /** The collector of the element being processed, behind one reused consumer (no lambda per sample). */
    private transient Collector<GpuFault> current;
    private transient Consumer<GpuFault> emit;
    private transient Counter late;
    private transient Counter duplicates;

    /**
     * @param settings           detector thresholds
     * @param intervalMillis     the time one sample stands for (the exporters' collection interval)
     * @param signalWindowMillis length of a load-signal window
     */
    public NodeAnalytics(DetectorSettings settings, long intervalMillis, long signalWindowMillis) {
        if (intervalMillis <= 0) throw new IllegalArgumentException("intervalMillis must be > 0, was " + intervalMillis);
        if (signalWindowMillis <= 0) {
            throw new IllegalArgumentException("signalWindowMillis must be > 0, was " + signalWindowMillis);
        }
        this.rules = new FaultRules(settings);
        this.intervalMillis = intervalMillis;
        this.signalWindowMillis = signalWindowMillis;
    }

    @Override
    public void open(OpenContext ctx) {
        var rc = getRuntimeContext();
        node = rc.getState(new ValueStateDescriptor<>("node", TypeInformation.of(NodeTrack.class)));
        active = rc.getMapState(new MapStateDescriptor<>("active", Types.STRING, TypeInformation.of(GpuFault.class)));
        usage = rc.getMapState(new MapStateDescriptor<>("usage", TypeInformation.of(SliceKey.class),
                PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
        signals = rc.getMapState(new MapStateDescriptor<>("signals", TypeInformation.of(SliceKey.class),
                PrimitiveArrayTypeInfo.DOUBLE_PRIMITIVE_ARRAY_TYPE_INFO));
        emit = f -> current.collect(f);
        activeView = new ActiveFaults() {
            @Override
            public GpuFault get(String key) {
                try {
                    return active.get(key);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public void put(String key, GpuFault fault) {
                try {
                    active.put(key, fault);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public void remove(String key) {
                try {
                    active.remove(key);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        };
        late = rc.getMetricGroup().counter("lateSamples");
        duplicates = rc.getMetricGroup().counter("duplicateSamples");
    }

    @Override
    public void processElement(GpuSample x, Context ctx, Collector<GpuFault> out) throws Exception {
        long now = x.timeMillis();
        if (now < ctx.timerService().currentWatermark()) {
            late.inc();
            ctx.output(LATE, x);
            return;
        }
        NodeTrack n = node.value();
        if (n == null) {
            n = new NodeTrack();
            node.update(n);
        }
        GpuTrack[] all = n.gpus;
        int slot = slotOf(all, x);
        GpuTrack t = slot < 0 ? null : all[slot];
        if (t == null) {
            t = new GpuTrack();
            t.uuid = x.uuid();
            t.gpu = x.gpu();
            if (slot < 0) {
                int at = x.gpu() < all.length && all[x.gpu()] == null ? x.gpu() : Math.max(x.gpu(), all.length);
                all = java.util.Arrays.copyOf(all, Math.max(all.length, at + 1));
                n.gpus = all;
                slot = at;
            }
            all[slot] = t;
        } else if (now == t.lastTime) {
            duplicates.inc();
            return;
        }
        // Out of order but within the bound (not late): it counts for usage and load, but the detectors, which
        // follow each GPU forward in time, only see samples newer than the GPU's last one.
        boolean inOrder = now > t.lastTime;
        if (inOrder) {
            current = out;
            if (t.silent) {
                t.silent = false;
                clear(ActiveFaults.key(t.uuid, GpuFault.Kind.GPU_STOPPED_REPORTING, ""), now, "GPU reporting again", out);
                clear(ActiveFaults.key(NODE_KEY, GpuFault.Kind.NODE_UNREACHABLE, ""), now, "node reporting again", out);
            }
            rules.onSample(t, x, activeView, emit);
            t.lastTime = now;
        }
        account(t, x, now, inOrder);
        schedule(n, ctx, now);
        // No update(): the job runs on the heap (hashmap) state backend (AnalyticsJob.configure), where the record
        // read above is the stored one (copied first when a snapshot is under way), so changing it in place is
        // the update; that saves a second state lookup per sample.
    }

    /** Where GPU {@code x} is in {@code all}: at its index when the UUID matches there, else searched; -1 if new. */
    private static int slotOf(GpuTrack[] all, GpuSample x) {
        int i = x.gpu();
        if (i < all.length && all[i] != null && all[i].uuid.equals(x.uuid())) return i;
        for (int k = 0; k < all.length; k++) if (all[k] != null && all[k].uuid.equals(x.uuid())) return k;
        return -1;
    }

    private void account(GpuTrack t, GpuSample x, long now, boolean inOrder) throws Exception {
        PodShare[] pods = x.pods();
        if (pods.length == 0) return;
        long minute = Math.floorDiv(now, MINUTE) * MINUTE;
        long windowEnd = Math.floorDiv(now, signalWindowMillis) * signalWindowMillis + signalWindowMillis;
        for (PodShare p : pods) {
            long alloc = UsageMath.allocatedMillis(x, p, intervalMillis);
            long used = UsageMath.usedMillis(x, alloc);
            long mem = UsageMath.memoryMiBMillis(x, p, intervalMillis);
            double memBytes = p.usedMemoryBytes() >= 0 ? p.usedMemoryBytes()
                    : pods.length == 1 && x.memoryUsedBytes() > 0 ? x.memoryUsedBytes() : 0;
            double avail = p.shareMemoryBytes() > 0 ? p.shareMemoryBytes()
                    : x.memoryTotalBytes() > 0 ? x.memoryTotalBytes() / pods.length : 0;
            double util = x.utilization() > 0 ? Math.min(1, x.utilization()) : 0;
            boolean tput = !Double.isNaN(x.throughput());
            if (pods.length == 1 && inOrder) {
                // The common case, one pod per GPU: add up in the GPU's own record and fold into the node's maps
                // once per minute / window, so a sample costs no map operations.
                if (!p.pod().equals(t.usagePod) || !p.namespace().equals(t.podNamespace)) {
                    foldUsage(t);
                    foldLoad(t);
                    t.usagePod = p.pod();
                    t.podNamespace = p.namespace();
                    t.podWorkload = WorkloadNames.of(p.pod());
                }
                if (t.usageMinute != minute) {
                    foldUsage(t);
                    t.usageMinute = minute;
                }
                if (t.signalWindow != windowEnd) {
                    foldLoad(t);
                    t.signalWindow = windowEnd;
                }
                t.usageAllocated += alloc;
                t.usageUsed += used;
                t.usageMemory += mem;
                t.usageSamples++;
                t.loadSamples++;
                t.loadAllocated += alloc;
                t.loadUtilization += util;
                t.loadMemory += memBytes * intervalMillis;
                t.loadAvailable += avail * intervalMillis;
                if (tput) {
                    t.loadThroughput += x.throughput();
                    t.loadThroughputSamples++;
                }
                continue;
            }
            SliceKey uk = new SliceKey(minute, UsageMath.group(p), UsageMath.user(p));
            long[] u = usage.get(uk);
            if (u == null) u = new long[4];
            add(u, alloc, used, mem);
            usage.put(uk, u);
            SliceKey sk = new SliceKey(windowEnd, p.namespace(), WorkloadNames.of(p.pod()));
            double[] s = signals.get(sk);
            if (s == null) s = new double[7];
            add(s, alloc, util, memBytes * intervalMillis, avail * intervalMillis, tput ? x.throughput() : 0, tput);
            signals.put(sk, s);
        }
    }

    private static void add(long[] u, long alloc, long used, long mem) {
        u[0] += alloc;
        u[1] += used;
        u[2] += mem;
        u[3] += 1;
    }

    private static void add(double[] s, long alloc, double util, double memMs, double availMs, double tput, boolean hasTput) {
        s[0] += 1;
        s[1] += alloc;
        s[2] += util;
        s[3] += memMs;
        s[4] += availMs;
        if (hasTput) {
            s[5] += tput;
            s[6] += 1;
        }
    }

    /** Moves a GPU's pending usage into the node's usage map. */
    private void foldUsage(GpuTrack t) throws Exception {
        if (t.usageSamples == 0) return;
        SliceKey k = new SliceKey(t.usageMinute, t.podNamespace.isEmpty() ? UsageMath.DEFAULT_GROUP : t.podNamespace,
                t.podWorkload);
        long[] u = usage.get(k);
        if (u == null) u = new long[4];
        u[0] += t.usageAllocated;
        u[1] += t.usageUsed;
        u[2] += t.usageMemory;
        u[3] += t.usageSamples;
        usage.put(k, u);
        t.usageAllocated = t.usageUsed = t.usageMemory = t.usageSamples = 0;
    }

    /** Moves a GPU's pending load into the node's signal map. */
    private void foldLoad(GpuTrack t) throws Exception {
        if (t.loadSamples == 0) return;
        SliceKey k = new SliceKey(t.signalWindow, t.podNamespace, t.podWorkload);
        double[] s = signals.get(k);
        if (s == null) s = new double[7];
        s[0] += t.loadSamples;
        s[1] += t.loadAllocated;
        s[2] += t.loadUtilization;
        s[3] += t.loadMemory;
        s[4] += t.loadAvailable;
        s[5] += t.loadThroughput;
        s[6] += t.loadThroughputSamples;
        signals.put(k, s);
        t.loadSamples = t.loadAllocated = t.loadUtilization = t.loadMemory = t.loadAvailable = 0;
        t.loadThroughput = t.loadThroughputSamples = 0;
    }

    private void schedule(NodeTrack n, Context ctx, long now) {
        long minuteEnd = Math.floorDiv(now, MINUTE) * MINUTE + MINUTE;
        long windowEnd = Math.floorDiv(now, signalWindowMillis) * signalWindowMillis + signalWindowMillis;
        if (n.minuteTimer != minuteEnd) {
            ctx.timerService().registerEventTimeTimer(minuteEnd);
            n.minuteTimer = minuteEnd;
        }
        if (n.windowTimer != windowEnd) {
            ctx.timerService().registerEventTimeTimer(windowEnd);
            n.windowTimer = windowEnd;
        }
        // One silence check pending per node: armed here when the node has none, re-armed by the check itself for
        // the GPU heard from longest ago, so a node that keeps reporting costs one such timer per silence period.
        if (n.silenceTimer == Long.MIN_VALUE) {
            n.silenceTimer = silenceCheck(now);
            ctx.timerService().registerEventTimeTimer(n.silenceTimer);
        }
    }

    /**
     * When to check whether a GPU last heard from at {@code last} is silent: on a grid of a fifth of the silence
     * period (at least a second), so a silent GPU is reported between silence and 1.2 x silence after its last
     * sample and the checks of a node's GPUs coincide.
     */
    private long silenceCheck(long last) {
        long step = Math.max(1000, rules.settings().silenceMillis() / 5);
        return Math.floorDiv(last + rules.settings().silenceMillis() + step - 1, step) * step;
    }

    @Override
    public void onTimer(long ts, OnTimerContext ctx, Collector<GpuFault> out) throws Exception {
        // Timers coincide on round times; only walk the maps a timer is due for.
        boolean minute = ts % MINUTE == 0, window = ts % signalWindowMillis == 0;
        NodeTrack n = node.value();
        if (n == null) return;
        if (minute || window) {
            for (GpuTrack t : n.gpus) {
                if (t == null) continue;
                if (minute && t.usageSamples > 0 && t.usageMinute + MINUTE <= ts) foldUsage(t);
                if (window && t.loadSamples > 0 && t.signalWindow <= ts) foldLoad(t);
            }
        }
        if (minute) flushUsage(ts, ctx);
        if (window) flushSignals(ts, ctx);
        // The end of a bounded input (a replay, a test) releases every timer: that is not every node going away.
        if (ts == n.silenceTimer && ctx.timerService().currentWatermark() != Long.MAX_VALUE) {
            checkSilence(n, ts, ctx.getCurrentKey(), out);
            long oldest = Long.MAX_VALUE;
            for (GpuTrack t : n.gpus) if (t != null && !t.silent) oldest = Math.min(oldest, t.lastTime);
            // Every GPU silent: the next sample arms the check again.
            n.silenceTimer = oldest == Long.MAX_VALUE ? Long.MIN_VALUE : Math.max(silenceCheck(oldest), ts + 1);
            if (n.silenceTimer != Long.MIN_VALUE) ctx.timerService().registerEventTimeTimer(n.silenceTimer);
        }
    }

    private void flushUsage(long ts, OnTimerContext ctx) throws Exception {
        List<Map.Entry<SliceKey, long[]>> due = new ArrayList<>();
        for (Map.Entry<SliceKey, long[]> e : usage.entries()) {
            if (e.getKey().time() + MINUTE <= ts) due.add(Map.entry(e.getKey(), e.getValue()));
        }
        if (due.isEmpty()) return;
        Map<SliceKey, long[]> groups = new TreeMap<>();
        for (Map.Entry<SliceKey, long[]> e : due) {
            SliceKey k = e.getKey();
            long[] u = e.getValue();
            usage.remove(k);
            ctx.output(USAGE, new UsageSlice(QuotaUsage.Scope.USER, k.scope(), k.name(), k.time(), u[0], u[1], u[2], u[3]));
            long[] g = groups.computeIfAbsent(new SliceKey(k.time(), k.scope(), ""), x -> new long[4]);
            for (int i = 0; i < 4; i++) g[i] += u[i];
        }
        for (Map.Entry<SliceKey, long[]> e : groups.entrySet()) {
            SliceKey k = e.getKey();
            long[] g = e.getValue();
            ctx.output(USAGE, new UsageSlice(QuotaUsage.Scope.GROUP, k.scope(), "", k.time(), g[0], g[1], g[2], g[3]));
        }
    }

    private void flushSignals(long ts, OnTimerContext ctx) throws Exception {
        List<Map.Entry<SliceKey, double[]>> due = new ArrayList<>();
        for (Map.Entry<SliceKey, double[]> e : signals.entries()) {
            if (e.getKey().time() <= ts) due.add(Map.entry(e.getKey(), e.getValue()));
        }
        for (Map.Entry<SliceKey, double[]> e : due) {
            SliceKey k = e.getKey();
            double[] s = e.getValue();
            signals.remove(k);
            if (k.scope().isEmpty() || k.name().isEmpty()) continue;
            ctx.output(SIGNALS, new SignalSlice(k.scope(), k.name(), k.time(), (long) s[0], (long) s[1], s[2], s[3],
                    s[4], s[5], (long) s[6]));
        }
    }

    private void checkSilence(NodeTrack n, long ts, String nodeName, Collector<GpuFault> out) throws Exception {
        long silence = rules.settings().silenceMillis();
        int gpus = 0, quiet = 0;
        long newest = Long.MIN_VALUE;
        for (GpuTrack t : n.gpus) {
            if (t == null) continue;
            gpus++;
            newest = Math.max(newest, t.lastTime);
            if (t.lastTime + silence <= ts) quiet++;
        }
        if (quiet == 0) return;
        String nodeKey = ActiveFaults.key(NODE_KEY, GpuFault.Kind.NODE_UNREACHABLE, "");
        if (quiet == gpus) {
            if (active.get(nodeKey) == null) {
                GpuFault f = GpuFault.active(GpuFault.Kind.NODE_UNREACHABLE, FaultRules.severity(GpuFault.Kind.NODE_UNREACHABLE),
                        nodeName, -1, "", "", "", "no sample from any of the node's " + gpus + " GPUs for "
                                + (ts - newest) / 1000 + " s", FaultRules.action(GpuFault.Kind.NODE_UNREACHABLE),
                        newest);
                active.put(nodeKey, f);
                out.collect(f);
            }
        }
        for (GpuTrack t : n.gpus) {
            if (t == null || t.lastTime + silence > ts) continue;
            if (quiet < gpus && !t.silent) {
                String k = ActiveFaults.key(t.uuid, GpuFault.Kind.GPU_STOPPED_REPORTING, "");
                GpuFault f = GpuFault.active(GpuFault.Kind.GPU_STOPPED_REPORTING,
                        FaultRules.severity(GpuFault.Kind.GPU_STOPPED_REPORTING), nodeName, t.gpu, t.uuid, "", "",
                        "no sample for " + (ts - t.lastTime) / 1000 + " s while the node's other GPUs report"
                                + " (fallen off the bus?)", FaultRules.action(GpuFault.Kind.GPU_STOPPED_REPORTING),
                        t.lastTime);
                active.put(k, f);
                out.collect(f);
            }
            t.silent = true;
        }
    }

    private void clear(String key, long now, String why, Collector<GpuFault> out) throws Exception {
        GpuFault f = active.get(key);
        if (f == null) return;
        active.remove(key);
        out.collect(f.resolve(now, why));
    }
}
