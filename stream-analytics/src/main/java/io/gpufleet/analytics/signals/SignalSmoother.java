package io.gpufleet.analytics.signals;

import io.gpufleet.contracts.WorkloadSignal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Load signals keyed by workload: adds up the nodes' {@link SignalSlice}s of a window, and when event time passes
 * the window's end emits a {@link WorkloadSignal} smoothed with an exponentially weighted moving average over
 * windows ({@code alpha} weight on the newest), so one noisy window does not make the autoscaler jump.
 */
public final class SignalSmoother extends KeyedProcessFunction<String, SignalSlice, WorkloadSignal> {
    private static final long serialVersionUID = 1L;

    private final long windowMillis;
    private final double alpha;
    private transient MapState<Long, double[]> windows;
    /** Smoothed utilization, memory used, memory ratio, throughput (NaN until reported). */
    private transient ValueState<double[]> smooth;

    public SignalSmoother(long windowMillis, double alpha) {
        if (windowMillis <= 0) throw new IllegalArgumentException("windowMillis must be > 0, was " + windowMillis);
        if (!(alpha > 0 && alpha <= 1)) throw new IllegalArgumentException("alpha must be within (0, 1], was " + alpha);
        this.windowMillis = windowMillis;
        this.alpha = alpha;
    }

    @Override
    public void open(OpenContext ctx) {
        windows = getRuntimeContext().getMapState(new MapStateDescriptor<>("windows", Types.LONG,
                org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo.DOUBLE_PRIMITIVE_ARRAY_TYPE_INFO));
        smooth = getRuntimeContext().getState(new ValueStateDescriptor<>("smooth", org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo.DOUBLE_PRIMITIVE_ARRAY_TYPE_INFO));
    }

    @Override
    public void processElement(SignalSlice s, Context ctx, Collector<WorkloadSignal> out) throws Exception {
        double[] w = windows.get(s.windowEnd());
        if (w == null) w = new double[7];
        w[0] += s.samples();
        w[1] += s.gpuMillis();
        w[2] += s.utilizationSum();
        w[3] += s.memoryUsedSum();
        w[4] += s.memoryAvailSum();
        w[5] += s.throughputSum();
        w[6] += s.throughputCount();
        windows.put(s.windowEnd(), w);
        ctx.timerService().registerEventTimeTimer(s.windowEnd());
    }

    @Override
    public void onTimer(long ts, OnTimerContext ctx, Collector<WorkloadSignal> out) throws Exception {
        List<Long> due = new ArrayList<>();
        for (Iterator<Map.Entry<Long, double[]>> it = windows.iterator(); it.hasNext(); ) {
            long end = it.next().getKey();
            if (end <= ts) due.add(end);
        }
        due.sort(null);
        String key = ctx.getCurrentKey();
        int slash = key.indexOf('/');
        for (long end : due) {
            double[] w = windows.get(end);
            windows.remove(end);
            if (w[0] == 0) continue;
            double util = clamp(w[2] / w[0]);
            // Byte-milliseconds over the window: memory held on average, summed over the workload's GPUs.
            double mem = w[3] / windowMillis;
            double ratio = w[4] > 0 ? clamp(w[3] / w[4]) : 0;
            double tput = w[6] > 0 ? w[5] / w[6] : Double.NaN;
            double[] sm = smooth.value();
            if (sm == null) {
                sm = new double[] {util, mem, ratio, tput};
            } else {
                sm[0] = ewma(sm[0], util);
                sm[1] = ewma(sm[1], mem);
                sm[2] = ewma(sm[2], ratio);
                sm[3] = Double.isNaN(tput) ? sm[3] : Double.isNaN(sm[3]) ? tput : ewma(sm[3], tput);
            }
            smooth.update(sm);
            int gpus = (int) Math.round(w[1] / windowMillis);
            out.collect(new WorkloadSignal(key.substring(0, slash), key.substring(slash + 1), end, gpus,
                    clamp(sm[0]), Math.max(0, sm[1]), clamp(sm[2]), sm[3]));
        }
    }

    private double ewma(double old, double now) {
        return alpha * now + (1 - alpha) * old;
    }

    private static double clamp(double v) {
        return v < 0 ? 0 : v > 1 ? 1 : v;
    }
}
