package io.gpufleet.analytics.typeinfo;

import io.gpufleet.analytics.decode.GpuSample;
import io.gpufleet.analytics.decode.PodShare;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/** {@link GpuSample} with its pods, for the shuffle by node at parallelism above 1 (and the late-sample output). */
public final class GpuSampleSerializer extends RecordSerializer<GpuSample> {
    private static final long serialVersionUID = 1L;
    public static final GpuSampleSerializer INSTANCE = new GpuSampleSerializer();
    private static final long[] NO_XIDS = new long[0];
    private static final PodShare[] NO_PODS = new PodShare[0];

    @Override
    public void serialize(GpuSample s, DataOutputView out) throws IOException {
        StringValue.writeString(s.node(), out);
        out.writeInt(s.gpu());
        StringValue.writeString(s.uuid(), out);
        StringValue.writeString(s.model(), out);
        out.writeLong(s.timeMillis());
        out.writeDouble(s.utilization());
        out.writeDouble(s.memoryUsedBytes());
        out.writeDouble(s.memoryTotalBytes());
        out.writeDouble(s.temperatureCelsius());
        out.writeDouble(s.powerWatts());
        out.writeDouble(s.powerLimitWatts());
        out.writeLong(s.clockEventReasons());
        out.writeDouble(s.eccDoubleBit());
        out.writeDouble(s.eccSingleBit());
        out.writeDouble(s.remappedRowsUncorrectable());
        out.writeInt(s.rowRemapFailure());
        out.writeInt(s.health());
        out.writeLong(s.lastXid());
        long[] xids = s.xidCounts();
        out.writeInt(xids.length);
        for (long v : xids) out.writeLong(v);
        PodShare[] pods = s.pods();
        out.writeInt(pods.length);
        for (PodShare p : pods) {
            StringValue.writeString(p.namespace(), out);
            StringValue.writeString(p.pod(), out);
            StringValue.writeString(p.container(), out);
            out.writeLong(p.usedMemoryBytes());
            out.writeLong(p.shareMemoryBytes());
            out.writeDouble(p.coreShare());
        }
        out.writeDouble(s.throughput());
    }

    @Override
    public GpuSample deserialize(DataInputView in) throws IOException {
        String node = StringValue.readString(in);
        int gpu = in.readInt();
        String uuid = StringValue.readString(in);
        String model = StringValue.readString(in);
        long time = in.readLong();
        double util = in.readDouble(), memUsed = in.readDouble(), memTotal = in.readDouble();
        double temp = in.readDouble(), power = in.readDouble(), powerLimit = in.readDouble();
        long clock = in.readLong();
        double dbe = in.readDouble(), sbe = in.readDouble(), remapped = in.readDouble();
        int remapFailure = in.readInt(), health = in.readInt();
        long lastXid = in.readLong();
        int nx = in.readInt();
        long[] xids = nx == 0 ? NO_XIDS : new long[nx];
        for (int i = 0; i < nx; i++) xids[i] = in.readLong();
        int np = in.readInt();
        PodShare[] pods = np == 0 ? NO_PODS : new PodShare[np];
        for (int i = 0; i < np; i++) {
            pods[i] = new PodShare(StringValue.readString(in), StringValue.readString(in), StringValue.readString(in),
                    in.readLong(), in.readLong(), in.readDouble());
        }
        double throughput = in.readDouble();
        return new GpuSample(node, gpu, uuid, model, time, util, memUsed, memTotal, temp, power, powerLimit, clock,
                dbe, sbe, remapped, remapFailure, health, lastXid, xids, pods, throughput);
    }

    @Override
    public TypeSerializerSnapshot<GpuSample> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Version 1 of the format above. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<GpuSample> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }

    /** Named by {@code @TypeInfo} on {@link GpuSample}, so {@code TypeInformation.of(GpuSample.class)} finds it. */
    public static final class Factory extends TypeInfoFactory<GpuSample> {
        @Override
        public TypeInformation<GpuSample> createTypeInfo(Type t, Map<String, TypeInformation<?>> params) {
            return new RecordTypeInfo<>(GpuSample.class, INSTANCE);
        }
    }
}
