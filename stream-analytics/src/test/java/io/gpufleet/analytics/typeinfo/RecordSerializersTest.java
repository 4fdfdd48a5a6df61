package io.gpufleet.analytics.typeinfo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.gpufleet.analytics.decode.GpuSample;
import io.gpufleet.analytics.decode.PodShare;
import io.gpufleet.analytics.quota.UsageSlice;
import io.gpufleet.analytics.signals.SignalSlice;
import io.gpufleet.contracts.QuotaUsage;
import java.io.IOException;
import java.util.Random;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** Seeded random records survive serialization unchanged, back to back in one buffer, and via copy(in, out). */
class RecordSerializersTest {
    private static final double[] ODD = {Double.NaN, Double.POSITIVE_INFINITY, -0.0, 0, 1e300, Double.MIN_VALUE};

    private static String str(Random r) {
        int n = r.nextInt(4) == 0 ? 0 : 1 + r.nextInt(40);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) b.append((char) (r.nextInt(8) == 0 ? 0x100 + r.nextInt(0x2000) : 'a' + r.nextInt(26)));
        return b.toString();
    }

    private static double dbl(Random r) {
        return r.nextInt(5) == 0 ? ODD[r.nextInt(ODD.length)] : r.nextDouble() * 1e12;
    }

    static GpuSample sample(Random r) {
        long[] xids = new long[2 * r.nextInt(3)];
        for (int i = 0; i < xids.length; i++) xids[i] = r.nextLong();
        PodShare[] pods = new PodShare[r.nextInt(4)];
        for (int i = 0; i < pods.length; i++) {
            pods[i] = new PodShare(str(r), str(r), str(r), r.nextLong(), r.nextLong(), dbl(r));
        }
        return new GpuSample(str(r), r.nextInt(), str(r), str(r), r.nextLong(), dbl(r), dbl(r), dbl(r), dbl(r), dbl(r),
                dbl(r), r.nextLong(), dbl(r), dbl(r), dbl(r), r.nextInt(3) - 1, r.nextInt(4) - 1, r.nextLong(),
                xids, pods, dbl(r));
    }

    private static <T> void roundTrip(TypeSerializer<T> ser, T[] values) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        for (T v : values) ser.serialize(v, out);
        DataInputDeserializer in = new DataInputDeserializer(out.getSharedBuffer(), 0, out.length());
        for (T v : values) assertEquals(v, ser.deserialize(in));
        assertEquals(0, in.available(), "nothing left over");
        // copy(in, out) moves one record's bytes without changing them.
        in = new DataInputDeserializer(out.getSharedBuffer(), 0, out.length());
        DataOutputSerializer copied = new DataOutputSerializer(64);
        for (int i = 0; i < values.length; i++) ser.copy(in, copied);
        in = new DataInputDeserializer(copied.getSharedBuffer(), 0, copied.length());
        for (T v : values) assertEquals(v, ser.deserialize(in));
        // The snapshot restores the same serializer (what a restore from a checkpoint does).
        DataOutputSerializer snap = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(snap, ser.snapshotConfiguration());
        TypeSerializerSnapshot<T> read = TypeSerializerSnapshot.readVersionedSnapshot(
                new DataInputDeserializer(snap.getSharedBuffer(), 0, snap.length()), RecordSerializersTest.class.getClassLoader());
        assertSame(ser, read.restoreSerializer());
    }

    @Test
    void gpuSamplesRoundTrip() throws IOException {
        Random r = new Random(42);
        for (int round = 0; round < 200; round++) {
            GpuSample[] values = new GpuSample[1 + r.nextInt(20)];
            for (int i = 0; i < values.length; i++) values[i] = sample(r);
            roundTrip(GpuSampleSerializer.INSTANCE, values);
        }
    }

    @Test
    void slicesRoundTrip() throws IOException {
        Random r = new Random(7);
        QuotaUsage.Scope[] scopes = QuotaUsage.Scope.values();
        for (int round = 0; round < 200; round++) {
            UsageSlice[] u = new UsageSlice[1 + r.nextInt(10)];
            SignalSlice[] s = new SignalSlice[u.length];
            for (int i = 0; i < u.length; i++) {
                u[i] = new UsageSlice(scopes[r.nextInt(scopes.length)], str(r), str(r), r.nextLong(), r.nextLong(),
                        r.nextLong(), r.nextLong(), r.nextLong());
                s[i] = new SignalSlice(str(r), str(r), r.nextLong(), r.nextLong(), r.nextLong(), dbl(r), dbl(r),
                        dbl(r), dbl(r), r.nextLong());
            }
            roundTrip(UsageSliceSerializer.INSTANCE, u);
            roundTrip(SignalSliceSerializer.INSTANCE, s);
        }
    }
}
