package io.gpufleet.analytics.typeinfo;

import io.gpufleet.analytics.signals.SignalSlice;
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

/** {@link SignalSlice}: the node operator's per-window load, shuffled to the signal smoother. */
public final class SignalSliceSerializer extends RecordSerializer<SignalSlice> {
    private static final long serialVersionUID = 1L;
    public static final SignalSliceSerializer INSTANCE = new SignalSliceSerializer();

    @Override
    public void serialize(SignalSlice s, DataOutputView out) throws IOException {
        StringValue.writeString(s.namespace(), out);
        StringValue.writeString(s.workload(), out);
        out.writeLong(s.windowEnd());
        out.writeLong(s.samples());
        out.writeLong(s.gpuMillis());
        out.writeDouble(s.utilizationSum());
        out.writeDouble(s.memoryUsedSum());
        out.writeDouble(s.memoryAvailSum());
        out.writeDouble(s.throughputSum());
        out.writeLong(s.throughputCount());
    }

    @Override
    public SignalSlice deserialize(DataInputView in) throws IOException {
        return new SignalSlice(StringValue.readString(in), StringValue.readString(in), in.readLong(), in.readLong(),
                in.readLong(), in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble(), in.readLong());
    }

    @Override
    public TypeSerializerSnapshot<SignalSlice> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Version 1 of the format above. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<SignalSlice> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }

    public static final class Factory extends TypeInfoFactory<SignalSlice> {
        @Override
        public TypeInformation<SignalSlice> createTypeInfo(Type t, Map<String, TypeInformation<?>> params) {
            return new RecordTypeInfo<>(SignalSlice.class, INSTANCE);
        }
    }
}
