package io.gpufleet.analytics.decode;

import java.time.Clock;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Decodes OTLP records into {@link GpuSample}s right after the source (chained to it, so no bytes cross the
 * network). A refused record goes whole to the {@link #DEAD_LETTERS} side output and is counted; it never fails
 * the job. (It runs here rather than inside the Kafka deserializer because a deserializer cannot emit to a side
 * output.)
 */
public final class DecodeFunction extends ProcessFunction<byte[], GpuSample> {
    private static final long serialVersionUID = 1L;
    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));

    private final long maxFutureMillis;
    private transient OtlpSampleDecoder decoder;
    private transient Counter records;
    private transient Counter samples;
    private transient Counter refused;

    /** @param maxFutureMillis how far ahead of the wall clock a sample may be stamped */
    public DecodeFunction(long maxFutureMillis) {
        this.maxFutureMillis = maxFutureMillis;
    }

    @Override
    public void open(OpenContext ctx) {
        decoder = new OtlpSampleDecoder(Clock.systemUTC(), maxFutureMillis);
        records = getRuntimeContext().getMetricGroup().counter("otlpRecords");
        samples = getRuntimeContext().getMetricGroup().counter("decodedSamples");
        refused = getRuntimeContext().getMetricGroup().counter("deadLetters");
    }

    @Override
    public void processElement(byte[] value, Context ctx, Collector<GpuSample> out) {
        records.inc();
        try {
            samples.inc(decoder.decode(value, out::collect));
        } catch (MalformedRecordException e) {
            refused.inc();
            DeadLetters.count(e.reason());
            ctx.output(DEAD_LETTERS, new DeadLetter(e.reason(), e.getMessage(), value));
        }
    }
}
