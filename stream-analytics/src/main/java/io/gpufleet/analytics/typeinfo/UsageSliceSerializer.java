package io.gpufleet.analytics.typeinfo;

import io.gpufleet.analytics.quota.UsageSlice;
import io.gpufleet.contracts.QuotaUsage;
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

/** {@link UsageSlice}: the node operator's per-minute usage, shuffled to the quota windows. */
public final class UsageSliceSerializer extends RecordSerializer<UsageSlice> {
    private static final long serialVersionUID = 1L;
    public static final UsageSliceSerializer INSTANCE = new UsageSliceSerializer();
    private static final QuotaUsage.Scope[] SCOPES = QuotaUsage.Scope.values();

    @Override
    public void serialize(UsageSlice u, DataOutputView out) throws IOException {
        out.writeByte(u.scope().ordinal());
        StringValue.writeString(u.quotaGroup(), out);
        StringValue.writeString(u.user(), out);
        out.writeLong(u.minuteStart());
        out.writeLong(u.allocatedGpuMillis());
        out.writeLong(u.usedGpuMillis());
        out.writeLong(u.memoryMiBMillis());
        out.writeLong(u.samples());
    }

    @Override
    public UsageSlice deserialize(DataInputView in) throws IOException {
        return new UsageSlice(SCOPES[in.readByte()], StringValue.readString(in), StringValue.readString(in),
                in.readLong(), in.readLong(), in.readLong(), in.readLong(), in.readLong());
    }

    @Override
    public TypeSerializerSnapshot<UsageSlice> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Version 1 of the format above. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<UsageSlice> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }

    public static final class Factory extends TypeInfoFactory<UsageSlice> {
        @Override
        public TypeInformation<UsageSlice> createTypeInfo(Type t, Map<String, TypeInformation<?>> params) {
            return new RecordTypeInfo<>(UsageSlice.class, INSTANCE);
        }
    }
}
