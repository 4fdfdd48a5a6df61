package io.gpufleet.analytics.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.analytics.decode.GpuSample;
import io.gpufleet.analytics.quota.UsageSlice;
import io.gpufleet.analytics.signals.SignalSlice;
import io.gpufleet.analytics.source.SyntheticFleet;
import io.gpufleet.analytics.testing.Collected;
import io.gpufleet.analytics.typeinfo.GpuSampleSerializer;
import io.gpufleet.analytics.typeinfo.RecordTypeInfo;
import io.gpufleet.analytics.typeinfo.SignalSliceSerializer;
import io.gpufleet.analytics.typeinfo.UsageSliceSerializer;
import io.gpufleet.contracts.QuotaUsage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.CompositeType;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.api.java.typeutils.ObjectArrayTypeInfo;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The job at parallelism 2 (samples shuffled by node, slices shuffled by quota group and workload) gives the same
 * quota totals as at parallelism 1 and as the generator's ground truth, and no record on the network or in state
 * is a generic (Kryo) type: the job runs with generic types disabled, so a fallback would fail it.
 */
class ParallelismTest {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    static final long DAY0 = 1_789_948_800_000L;
    static final long COUNT = 64L * 600; // ten minutes of 64 GPUs

    private static Map<String, QuotaUsage> run(int parallelism, String sink, List<TypeInformation<?>> types)
            throws Exception {
        SyntheticFleet fleet = new SyntheticFleet(8, 8, DAY0, 1000, 3, 50);
        AnalyticsConfig cfg = AnalyticsConfig.from(Map.of("checkpoint-interval", "500ms", "metrics-port", "-1",
                "parallelism", Integer.toString(parallelism)));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        AnalyticsJob.configure(env, cfg);
        var samples = env.fromSource(new DataGeneratorSource<>(fleet, COUNT, TypeInformation.of(GpuSample.class)),
                WatermarkStrategy.noWatermarks(), "synthetic fleet");
        AnalyticsJob.Streams s = AnalyticsJob.analyse(samples, cfg);
        s.quota().sinkTo(Collected.into(sink));
        s.faults().sinkTo(Collected.into(sink + "-faults"));
        s.signals().sinkTo(Collected.into(sink + "-signals"));
        for (Transformation<?> t : env.getTransformations()) collect(t, types);
        env.execute("parallelism " + parallelism);
        Map<String, QuotaUsage> day = new HashMap<>();
        for (QuotaUsage q : Collected.<QuotaUsage>get(sink)) {
            if (q.period() != QuotaUsage.Period.DAY || q.scope() != QuotaUsage.Scope.GROUP) continue;
            day.merge(q.quotaGroup(), q, (a, b) -> a.samples() >= b.samples() ? a : b);
        }
        return day;
    }

    /** Output types of a transformation and everything upstream of it. */
    private static void collect(Transformation<?> t, List<TypeInformation<?>> types) {
        types.add(t.getOutputType());
        for (Transformation<?> in : t.getInputs()) collect(in, types);
    }

    /** Whether a type or any type nested in it is a generic (Kryo-serialised) one. */
    private static boolean generic(TypeInformation<?> t) {
        if (t instanceof GenericTypeInfo) return true;
        if (t instanceof ObjectArrayTypeInfo<?, ?> a) return generic(a.getComponentInfo());
        if (t instanceof CompositeType<?> c) {
            for (int i = 0; i < c.getArity(); i++) if (generic(c.getTypeAt(i))) return true;
        }
        return false;
    }

    @Test
    void parallelismTwoGivesTheSameTotalsWithoutGenericTypes() throws Exception {
        List<TypeInformation<?>> types = new ArrayList<>();
        Map<String, QuotaUsage> one = run(1, "p1", new ArrayList<>());
        Map<String, QuotaUsage> two = run(2, "p2", types);

        Map<String, long[]> truth = new SyntheticFleet(8, 8, DAY0, 1000, 3, 50).groundTruth(COUNT);
        assertEquals(3, truth.size());
        assertEquals(0, SyntheticFleet.accountingError(truth, one), () -> one + " vs truth");
        assertEquals(0, SyntheticFleet.accountingError(truth, two), () -> two + " vs truth");
        for (String g : truth.keySet()) {
            assertEquals(one.get(g).allocatedGpuMillis(), two.get(g).allocatedGpuMillis(), g);
            assertEquals(one.get(g).usedGpuMillis(), two.get(g).usedGpuMillis(), g);
            assertEquals(one.get(g).memoryMiBMillis(), two.get(g).memoryMiBMillis(), g);
            assertEquals(one.get(g).samples(), two.get(g).samples(), g);
        }
        assertFalse(Collected.get("p2-signals").isEmpty(), "signals came through the shuffle");

        assertFalse(types.isEmpty());
        for (TypeInformation<?> t : types) assertFalse(generic(t), () -> "generic type in the job: " + t);
        assertTrue(types.stream().anyMatch(t -> t.getTypeClass() == GpuSample.class));
        RecordTypeInfo<?> sample = assertInstanceOf(RecordTypeInfo.class, TypeInformation.of(GpuSample.class));
        assertEquals(GpuSampleSerializer.INSTANCE, sample.createSerializer(null));
        assertEquals(UsageSliceSerializer.INSTANCE, TypeInformation.of(UsageSlice.class).createSerializer(null));
        assertEquals(SignalSliceSerializer.INSTANCE, TypeInformation.of(SignalSlice.class).createSerializer(null));
    }
}
