package io.gpufleet.analytics.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.analytics.decode.GpuSample;
import io.gpufleet.analytics.source.SyntheticFleet;
import io.gpufleet.analytics.testing.Collected;
import io.gpufleet.contracts.GpuFault;
import io.gpufleet.contracts.QuotaUsage;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Quota totals are exact across a failure: a task fails mid-run (after a checkpoint), the job restores from the
 * checkpoint and replays, and every group's daily total equals the generator's ground truth.
 */
class ExactlyOnceQuotaTest {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2).build());

    static final AtomicBoolean FAILED = new AtomicBoolean();
    static final long DAY0 = 1_789_948_800_000L;

    /** Fails the task once, some records after the first completed checkpoint. */
    static final class FailOnceAfterCheckpoint extends RichMapFunction<GpuSample, GpuSample> implements CheckpointListener {
        private transient volatile boolean checkpointed;
        private transient long seen;

        @Override
        public void open(OpenContext ctx) {
            seen = 0;
        }

        @Override
        public GpuSample map(GpuSample s) {
            if (checkpointed && !FAILED.get() && ++seen > 2_000) {
                FAILED.set(true);
                throw new IllegalStateException("injected task failure");
            }
            return s;
        }

        @Override
        public void notifyCheckpointComplete(long id) {
            checkpointed = true;
        }
    }

    @Test
    void totalsEqualGroundTruthAfterAFailureAndRestore() throws Exception {
        SyntheticFleet fleet = new SyntheticFleet(8, 8, DAY0, 1000, 3, 50);
        long count = 64L * 600; // ten minutes of 64 GPUs
        AnalyticsConfig cfg = AnalyticsConfig.from(Map.of("checkpoint-interval", "200ms", "metrics-port", "-1",
                "out-of-orderness", "0s"));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        AnalyticsJob.configure(env, cfg);
        var samples = env.fromSource(new DataGeneratorSource<>(fleet, count, RateLimiterStrategy.perSecond(15_000),
                        TypeInformation.of(GpuSample.class)), WatermarkStrategy.noWatermarks(), "synthetic fleet")
                .map(new FailOnceAfterCheckpoint()).name("fails once");
        AnalyticsJob.Streams s = AnalyticsJob.analyse(samples, cfg);
        s.quota().sinkTo(Collected.into("quota"));
        s.faults().sinkTo(Collected.into("faults"));
        env.execute("exactly-once quota");

        assertTrue(FAILED.get(), "the task failed once and the job recovered");
        Map<String, QuotaUsage> day = new HashMap<>();
        for (QuotaUsage q : Collected.<QuotaUsage>get("quota")) {
            if (q.period() != QuotaUsage.Period.DAY || q.scope() != QuotaUsage.Scope.GROUP) continue;
            day.merge(q.quotaGroup(), q, (a, b) -> a.samples() >= b.samples() ? a : b);
        }
        Map<String, long[]> truth = fleet.groundTruth(count);
        assertEquals(3, truth.size());
        assertEquals(0, SyntheticFleet.accountingError(truth, day), () -> day + " vs truth");
        // XID 79 every 50 ticks: 12 faults over 600 ticks, each reported once although replayed outputs may repeat.
        List<GpuFault> faults = Collected.get("faults");
        long distinct = faults.stream().filter(GpuFault::isActive).map(GpuFault::id).distinct().count();
        assertEquals(11, distinct, () -> faults.stream().map(GpuFault::id).toList().toString());
        assertTrue(faults.stream().allMatch(f -> f.kind() == GpuFault.Kind.XID_REBOOT_NODE),
                "the end of the input is not a node going away");
    }
}
