package io.gpufleet.analytics.quota;

import io.gpufleet.contracts.QuotaUsage;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Quota usage windows, keyed by quota group (group totals) or by group and user: sums the nodes' per-minute
 * {@link UsageSlice}s into one {@link QuotaUsage} per minute when event time passes the minute's end, and keeps a
 * running total per UTC day, emitted after every minute (period {@code DAY}, the window being the whole day).
 * All state is Flink keyed state, so totals survive a restore from checkpoint exactly.
 */
public final class QuotaWindowFunction extends KeyedProcessFunction<String, UsageSlice, QuotaUsage> {
    private static final long serialVersionUID = 1L;
    static final long MINUTE = 60_000;
    static final long DAY = 86_400_000;

    private transient MapState<Long, long[]> minutes;
    /** dayStart, allocated, used, memory, samples; and scope ordinal, to rebuild records. */
    private transient ValueState<long[]> day;
    private transient ValueState<String[]> identity;

    @Override
    public void open(OpenContext ctx) {
        minutes = getRuntimeContext().getMapState(new MapStateDescriptor<>("minutes", Types.LONG,
                org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
        day = getRuntimeContext().getState(new ValueStateDescriptor<>("day", org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
        identity = getRuntimeContext().getState(new ValueStateDescriptor<>("identity", org.apache.flink.api.common.typeinfo.BasicArrayTypeInfo.STRING_ARRAY_TYPE_INFO));
    }

    @Override
    public void processElement(UsageSlice s, Context ctx, Collector<QuotaUsage> out) throws Exception {
        if (identity.value() == null) {
            identity.update(new String[] {s.scope().name(), s.quotaGroup(), s.user()});
        }
        long[] m = minutes.get(s.minuteStart());
        if (m == null) m = new long[4];
        m[0] += s.allocatedGpuMillis();
        m[1] += s.usedGpuMillis();
        m[2] += s.memoryMiBMillis();
        m[3] += s.samples();
        minutes.put(s.minuteStart(), m);
        ctx.timerService().registerEventTimeTimer(s.minuteStart() + MINUTE);
    }

    @Override
    public void onTimer(long ts, OnTimerContext ctx, Collector<QuotaUsage> out) throws Exception {
        List<Long> due = new ArrayList<>();
        for (Iterator<Map.Entry<Long, long[]>> it = minutes.iterator(); it.hasNext(); ) {
            Map.Entry<Long, long[]> e = it.next();
            if (e.getKey() + MINUTE <= ts) due.add(e.getKey());
        }
        due.sort(null);
        String[] id = identity.value();
        QuotaUsage.Scope scope = QuotaUsage.Scope.valueOf(id[0]);
        for (long start : due) {
            long[] m = minutes.get(start);
            minutes.remove(start);
            out.collect(new QuotaUsage(scope, id[1], id[2], QuotaUsage.Period.MINUTE, start, start + MINUTE,
                    m[0], m[1], m[2], m[3]));
            long dayStart = Math.floorDiv(start, DAY) * DAY;
            long[] d = day.value();
            if (d == null || d[0] != dayStart) d = new long[] {dayStart, 0, 0, 0, 0};
            for (int i = 0; i < 4; i++) d[i + 1] += m[i];
            day.update(d);
            out.collect(new QuotaUsage(scope, id[1], id[2], QuotaUsage.Period.DAY, dayStart, dayStart + DAY,
                    d[1], d[2], d[3], d[4]));
        }
    }
}
