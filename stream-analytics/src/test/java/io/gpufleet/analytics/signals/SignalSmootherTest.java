package io.gpufleet.analytics.signals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.contracts.WorkloadSignal;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class SignalSmootherTest {
    @Test
    void slicesFromNodesAddUpAndWindowsAreSmoothed() throws Exception {
        try (var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new SignalSmoother(10_000, 0.5)),
                (KeySelector<SignalSlice, String>) SignalSlice::key, Types.STRING)) {
            h.open();
            double gib = 1L << 30;
            // Two nodes, one GPU each, 10 samples per window: utilization 0.2 and 0.6, 1 GiB each of 4 GiB.
            h.processElement(new SignalSlice("ns", "web", 10_000, 10, 10_000, 2.0, gib * 10_000, 4 * gib * 10_000, 0, 0), 10_000);
            h.processElement(new SignalSlice("ns", "web", 10_000, 10, 10_000, 6.0, gib * 10_000, 4 * gib * 10_000, 1000, 10), 10_000);
            h.processWatermark(10_000);
            List<WorkloadSignal> out = h.extractOutputValues();
            assertEquals(1, out.size());
            WorkloadSignal s = out.get(0);
            assertEquals(2, s.gpus());
            assertEquals(0.4, s.utilization(), 1e-9);
            assertEquals(2 * gib, s.memoryUsedBytes(), 1);
            assertEquals(0.25, s.memoryRatio(), 1e-9);
            assertEquals(100, s.throughput(), 1e-9);
            h.getOutput().clear();
            // Next window jumps to 1.0: the signal moves half way.
            h.processElement(new SignalSlice("ns", "web", 20_000, 20, 20_000, 20.0, 0, 8 * gib * 10_000, 0, 0), 20_000);
            h.processWatermark(20_000);
            s = h.extractOutputValues().get(0);
            assertEquals(0.7, s.utilization(), 1e-9);
            assertTrue(s.hasThroughput(), "the last reported throughput is kept");
        }
    }

    @Test
    void noThroughputWhenNeverReported() throws Exception {
        try (var h = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new SignalSmoother(10_000, 0.3)),
                (KeySelector<SignalSlice, String>) SignalSlice::key, Types.STRING)) {
            h.open();
            h.processElement(new SignalSlice("ns", "job", 10_000, 10, 10_000, 10, 0, 0, 0, 0), 10_000);
            h.processWatermark(10_000);
            assertFalse(h.extractOutputValues().get(0).hasThroughput());
        }
    }
}
