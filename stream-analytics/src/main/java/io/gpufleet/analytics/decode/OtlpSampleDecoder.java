package io.gpufleet.analytics.decode;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.gpufleet.exporter.metrics.MetricCatalog;
import io.gpufleet.exporter.publish.otlp.GpuPoints;
import io.gpufleet.exporter.publish.otlp.OtlpMetricsEncoder;
import io.gpufleet.exporter.source.GpuField;
import java.io.IOException;
import java.time.Clock;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Streaming decoder of OTLP {@code ExportMetricsServiceRequest} bytes into {@link GpuSample}s. It walks the wire
 * format with {@link CodedInputStream} and builds no protobuf message objects: metric names and attribute keys are
 * matched as bytes, values land in arrays reused from record to record, and strings that repeat (node names,
 * UUIDs, pods) come from a cache. Metrics the jobs do not read are skipped unparsed.
 *
 * <p>Two shapes are understood, also mixed:
 * <ul>
 *   <li>gpufleet's exporter: one ResourceMetrics per GPU, identity as resource attributes
 *       ({@code host.name}, {@code gpu.index}, {@code gpu.uuid}, {@code gpu.model}, {@code k8s.*}), native names;</li>
 *   <li>an OpenTelemetry Collector in front of dcgm-exporter: identity on every data point ({@code Hostname},
 *       {@code gpu}, {@code UUID}, {@code modelName}, {@code pod}, {@code namespace}, {@code container}) and
 *       {@code DCGM_FI_DEV_*} names in DCGM's units (MiB, percent).</li>
 * </ul>
 *
 * <p>A record is accepted or refused as a whole: not protobuf, a known field with the wrong wire type, a NaN or
 * infinite value, a timestamp outside [2000-01-01, now + maxFuture], or no GPU identity all throw
 * {@link MalformedRecordException}, and no sample of that record is emitted.
 *
 * <p>Not thread-safe: one decoder per thread (one per Flink deserializer instance).
 */
public final class OtlpSampleDecoder {
    /** Metric the jobs read for a workload's own throughput, items per second (optional). */
    public static final String WORKLOAD_THROUGHPUT = "gpufleet_workload_throughput";

    static final long MIN_TIME_MILLIS = 946_684_800_000L; // 2000-01-01

    // Slot fields.
    private static final int F_UTIL = 0, F_MEM_USED = 1, F_MEM_TOTAL = 2, F_MEM_FREE = 3, F_MEM_RESERVED = 4,
            F_TEMP = 5, F_POWER = 6, F_POWER_LIMIT = 7, F_CLOCK = 8, F_DBE_VOL = 9, F_SBE_VOL = 10, F_DBE_AGG = 11,
            F_SBE_AGG = 12, F_REMAP_UNC = 13, F_REMAP_FAIL = 14, F_HEALTH = 15, F_LAST_XID = 16, F_THROUGHPUT = 17;
    private static final int NF = 18;

    // Metric handling kinds.
    private static final int K_PLAIN = 0, K_TEMP = 1, K_ECC = 2, K_REMAP = 3, K_XID_COUNT = 4, K_POD_USED = 5,
            K_POD_SHARE = 6, K_POD_CORE = 7;

    // Attribute keys.
    private static final int A_HOST = 0, A_INDEX = 1, A_UUID = 2, A_MODEL = 3, A_POD = 4, A_NS = 5, A_CONTAINER = 6,
            A_SENSOR = 7, A_TYPE = 8, A_COUNTER = 9, A_XID = 10;
    private static final int NA = 11;

    private static final ByteStrings.NameTable METRICS = new ByteStrings.NameTable(64);
    private static final int[] METRIC_KIND = new int[64];
    private static final int[] METRIC_FIELD = new int[64];
    private static final double[] METRIC_SCALE = new double[64];
    private static int metricCount;
    private static final ByteStrings.NameTable KEYS = new ByteStrings.NameTable(32);

    static {
        native_(GpuField.GPU_UTILIZATION_RATIO, F_UTIL);
        native_(GpuField.MEMORY_USED_BYTES, F_MEM_USED);
        native_(GpuField.MEMORY_TOTAL_BYTES, F_MEM_TOTAL);
        native_(GpuField.MEMORY_FREE_BYTES, F_MEM_FREE);
        native_(GpuField.MEMORY_RESERVED_BYTES, F_MEM_RESERVED);
        metric(MetricCatalog.spec(GpuField.GPU_TEMPERATURE_CELSIUS).name(), K_TEMP, F_TEMP, 1);
        native_(GpuField.POWER_USAGE_WATTS, F_POWER);
        native_(GpuField.POWER_LIMIT_WATTS, F_POWER_LIMIT);
        native_(GpuField.CLOCK_EVENT_REASONS, F_CLOCK);
        metric(MetricCatalog.spec(GpuField.ECC_DOUBLE_BIT_VOLATILE_TOTAL).name(), K_ECC, -1, 1);
        metric(MetricCatalog.spec(GpuField.REMAPPED_ROWS_UNCORRECTABLE).name(), K_REMAP, F_REMAP_UNC, 1);
        native_(GpuField.ROW_REMAP_FAILURE, F_REMAP_FAIL);
        metric(GpuPoints.HEALTH_STATUS.name(), K_PLAIN, F_HEALTH, 1);
        metric(GpuPoints.XID_ERRORS.name(), K_XID_COUNT, -1, 1);
        metric(GpuPoints.POD_MEMORY_USED.name(), K_POD_USED, -1, 1);
        metric(GpuPoints.POD_MEMORY_SHARE.name(), K_POD_SHARE, -1, 1);
        metric(GpuPoints.POD_CORE_SHARE.name(), K_POD_CORE, -1, 1);
        metric(WORKLOAD_THROUGHPUT, K_PLAIN, F_THROUGHPUT, 1);

        // dcgm-exporter names, converted from DCGM's units back to base units.
        dcgm(GpuField.GPU_UTILIZATION_RATIO, F_UTIL);
        dcgm(GpuField.MEMORY_USED_BYTES, F_MEM_USED);
        dcgm(GpuField.MEMORY_TOTAL_BYTES, F_MEM_TOTAL);
        dcgm(GpuField.MEMORY_FREE_BYTES, F_MEM_FREE);
        dcgm(GpuField.MEMORY_RESERVED_BYTES, F_MEM_RESERVED);
        dcgm(GpuField.GPU_TEMPERATURE_CELSIUS, F_TEMP);
        dcgm(GpuField.POWER_USAGE_WATTS, F_POWER);
        dcgm(GpuField.POWER_LIMIT_WATTS, F_POWER_LIMIT);
        dcgm(GpuField.CLOCK_EVENT_REASONS, F_CLOCK);
        metric("DCGM_FI_DEV_CLOCKS_EVENT_REASONS", K_PLAIN, F_CLOCK, 1); // the name newer dcgm-exporters use
        dcgm(GpuField.ECC_DOUBLE_BIT_VOLATILE_TOTAL, F_DBE_VOL);
        dcgm(GpuField.ECC_SINGLE_BIT_VOLATILE_TOTAL, F_SBE_VOL);
        dcgm(GpuField.ECC_DOUBLE_BIT_AGGREGATE_TOTAL, F_DBE_AGG);
        dcgm(GpuField.ECC_SINGLE_BIT_AGGREGATE_TOTAL, F_SBE_AGG);
        dcgm(GpuField.REMAPPED_ROWS_UNCORRECTABLE, F_REMAP_UNC);
        dcgm(GpuField.ROW_REMAP_FAILURE, F_REMAP_FAIL);
        metric(MetricCatalog.DCGM_XID, K_PLAIN, F_LAST_XID, 1);

        key(OtlpMetricsEncoder.HOST_NAME, A_HOST);
        key("Hostname", A_HOST);
        key(OtlpMetricsEncoder.GPU_INDEX, A_INDEX);
        key("gpu", A_INDEX);
        key(OtlpMetricsEncoder.GPU_UUID, A_UUID);
        key("UUID", A_UUID);
        key(OtlpMetricsEncoder.GPU_MODEL, A_MODEL);
        key("modelName", A_MODEL);
        key(OtlpMetricsEncoder.K8S_POD, A_POD);
        key(GpuPoints.POD, A_POD);
        key(OtlpMetricsEncoder.K8S_NAMESPACE, A_NS);
        key(GpuPoints.NAMESPACE, A_NS);
        key(OtlpMetricsEncoder.K8S_CONTAINER, A_CONTAINER);
        key(GpuPoints.CONTAINER, A_CONTAINER);
        key("sensor", A_SENSOR);
        key(GpuPoints.TYPE, A_TYPE);
        key("counter", A_COUNTER);
        key(GpuPoints.XID, A_XID);
    }

    private static void native_(GpuField f, int field) {
        MetricCatalog.Spec s = MetricCatalog.spec(f);
        if (!s.labels().isEmpty()) throw new IllegalStateException(s.name() + " has labels; needs its own kind");
        metric(s.name(), K_PLAIN, field, 1);
    }

    private static void dcgm(GpuField f, int field) {
        MetricCatalog.Spec s = MetricCatalog.spec(f);
        metric(s.dcgmName(), K_PLAIN, field, 1 / s.dcgmFactor());
    }

    private static void metric(String name, int kind, int field, double scale) {
        int code = metricCount++;
        METRICS.put(name, code);
        METRIC_KIND[code] = kind;
        METRIC_FIELD[code] = field;
        METRIC_SCALE[code] = scale;
    }

    private static void key(String name, int code) {
        KEYS.put(name, code);
    }

    private final Clock clock;
    private final long maxFutureMillis;
    private final ByteStrings.StringCache strings = new ByteStrings.StringCache();

    // Per record: GPU slots.
    private int slots;
    private double[] values = new double[16 * NF];
    private long[] times = new long[16];
    private String[] slotHost = new String[16], slotUuid = new String[16], slotModel = new String[16];
    private String[] slotPod = new String[16], slotNs = new String[16], slotContainer = new String[16];
    private int[] slotIndex = new int[16];
    // Pods and XIDs of all slots of the record, tagged with their slot.
    private int pods;
    private int[] podSlot = new int[8];
    private String[] podNs = new String[8], podName = new String[8], podContainer = new String[8];
    private long[] podUsed = new long[8], podShareMem = new long[8];
    private double[] podCore = new double[8];
    private int xids;
    private int[] xidSlot = new int[8];
    private long[] xidCode = new long[8], xidCount = new long[8];

    // Per ResourceMetrics: identity from resource attributes, and the slot its attribute-free points fill.
    private final String[] res = new String[NA];
    private long resIndex;
    private int resSlot;
    private int rmFirstSlot;

    // Per data point: attributes as byte ranges (string values) or numbers (int values).
    private final int[] attrOff = new int[NA];
    private final int[] attrLen = new int[NA];
    private final long[] attrInt = new long[NA];
    private final boolean[] attrSet = new boolean[NA];
    private byte[] buf;
    private int base;
    private int nameOff, nameLen;

    /**
     * @param clock           the clock timestamps are checked against
     * @param maxFutureMillis how far ahead of the clock a sample may be stamped before it counts as absurd
     */
    public OtlpSampleDecoder(Clock clock, long maxFutureMillis) {
        this.clock = clock;
        if (maxFutureMillis < 0) throw new IllegalArgumentException("maxFutureMillis must be >= 0, was " + maxFutureMillis);
        this.maxFutureMillis = maxFutureMillis;
    }

    /** A decoder on the system clock that allows samples up to one hour ahead of it. */
    public OtlpSampleDecoder() {
        this(Clock.systemUTC(), 3_600_000L);
    }

    /** Decodes a whole record. @return the number of samples emitted */
    public int decode(byte[] record, Consumer<GpuSample> out) throws MalformedRecordException {
        return decode(record, 0, record.length, out);
    }

    /**
     * Decodes {@code record[off, off+len)} and hands every GPU sample to {@code out}, in the order GPUs first
     * appear; nothing is emitted when the record is refused.
     *
     * @return the number of samples emitted
     * @throws MalformedRecordException when the record is refused, with a short reason
     */
    public int decode(byte[] record, int off, int len, Consumer<GpuSample> out) throws MalformedRecordException {
        if (record == null || len == 0) throw new MalformedRecordException("empty", "record is empty");
        buf = record;
        base = off;
        slots = 0;
        pods = 0;
        xids = 0;
        try {
            CodedInputStream in = CodedInputStream.newInstance(record, off, len);
            while (!in.isAtEnd()) {
                int tag = in.readTag();
                if (WireFormat.getTagFieldNumber(tag) == 1) {
                    int limit = enterMessage(in, tag, "resource_metrics");
                    resourceMetrics(in);
                    in.popLimit(limit);
                } else {
                    in.skipField(tag);
                }
            }
        } catch (InvalidProtocolBufferException e) {
            throw new MalformedRecordException("not_protobuf", "not an OTLP ExportMetricsServiceRequest: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new MalformedRecordException("not_protobuf", "unreadable record: " + e.getMessage(), e);
        } finally {
            buf = null;
        }
        if (slots == 0) throw new MalformedRecordException("no_samples", "record holds no GPU metrics");
        long now = clock.millis();
        for (int s = 0; s < slots; s++) {
            if (slotUuid[s] == null && slotIndex[s] < 0) {
                throw new MalformedRecordException("no_gpu_identity", "GPU metrics without gpu.uuid/UUID or gpu.index/gpu");
            }
            if (slotHost[s] == null) {
                throw new MalformedRecordException("no_gpu_identity", "GPU " + describe(s) + " without host.name/Hostname");
            }
            if (times[s] < MIN_TIME_MILLIS || times[s] > now + maxFutureMillis) {
                throw new MalformedRecordException("absurd_timestamp", "GPU " + describe(s) + " stamped at "
                        + times[s] + " ms, outside [" + MIN_TIME_MILLIS + ", now + " + maxFutureMillis + "]");
            }
        }
        for (int s = 0; s < slots; s++) out.accept(sample(s));
        return slots;
    }

    private String describe(int s) {
        return (slotHost[s] == null ? "?" : slotHost[s]) + "/" + (slotUuid[s] != null ? slotUuid[s] : slotIndex[s]);
    }

    private static int enterMessage(CodedInputStream in, int tag, String field) throws IOException, MalformedRecordException {
        if (WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
            throw new MalformedRecordException("wrong_schema", field + " is not a message (wire type "
                    + WireFormat.getTagWireType(tag) + ")");
        }
        int len = in.readRawVarint32();
        if (len < 0) throw new MalformedRecordException("not_protobuf", field + " has a negative length");
        return in.pushLimit(len);
    }

    private void resourceMetrics(CodedInputStream in) throws IOException, MalformedRecordException {
        Arrays.fill(res, null);
        resIndex = -1;
        resSlot = -1;
        rmFirstSlot = slots;
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> {
                    int limit = enterMessage(in, tag, "resource");
                    resource(in);
                    in.popLimit(limit);
                }
                case 2 -> {
                    int limit = enterMessage(in, tag, "scope_metrics");
                    scopeMetrics(in);
                    in.popLimit(limit);
                }
                default -> in.skipField(tag);
            }
        }
        // Resource identity completes the slots of this ResourceMetrics (the resource may come after its metrics).
        for (int s = rmFirstSlot; s < slots; s++) {
            if (slotHost[s] == null) slotHost[s] = res[A_HOST];
            if (s == resSlot) {
                slotUuid[s] = res[A_UUID];
                slotIndex[s] = (int) resIndex;
                slotModel[s] = res[A_MODEL];
                slotPod[s] = res[A_POD];
                slotNs[s] = res[A_NS];
                slotContainer[s] = res[A_CONTAINER];
            } else {
                if (slotModel[s] == null) slotModel[s] = res[A_MODEL];
                if (slotPod[s] == null) {
                    slotPod[s] = res[A_POD];
                    slotNs[s] = res[A_NS];
                    slotContainer[s] = res[A_CONTAINER];
                }
            }
        }
    }

    private void resource(CodedInputStream in) throws IOException, MalformedRecordException {
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            if (WireFormat.getTagFieldNumber(tag) == 1) {
                int limit = enterMessage(in, tag, "resource.attributes");
                clearAttrs();
                keyValue(in);
                in.popLimit(limit);
                for (int a = 0; a <= A_CONTAINER; a++) {
                    if (!attrSet[a]) continue;
                    if (a == A_INDEX) {
                        resIndex = attrIndex();
                    } else if (attrLen[a] >= 0) {
                        res[a] = strings.get(buf, attrOff[a], attrLen[a]);
                    }
                }
            } else {
                in.skipField(tag);
            }
        }
    }

    private void scopeMetrics(CodedInputStream in) throws IOException, MalformedRecordException {
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            if (WireFormat.getTagFieldNumber(tag) == 2) {
                int limit = enterMessage(in, tag, "metrics");
                metric(in);
                in.popLimit(limit);
            } else {
                in.skipField(tag);
            }
        }
    }

    private void metric(CodedInputStream in) throws IOException, MalformedRecordException {
        int code = -1;
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            int field = WireFormat.getTagFieldNumber(tag);
            if (field == 1) {
                if (WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    throw new MalformedRecordException("wrong_schema", "metric name is not a string");
                }
                int len = in.readRawVarint32();
                int pos = base + in.getTotalBytesRead();
                in.skipRawBytes(len);
                code = METRICS.get(buf, pos, len);
                if (code < 0) { // a metric the jobs do not read: skip the rest of it unparsed
                    in.skipRawBytes(in.getBytesUntilLimit());
                    return;
                }
                nameOff = pos;
                nameLen = len;
            } else if ((field == 5 || field == 7) && code >= 0) { // gauge or sum
                int limit = enterMessage(in, tag, field == 5 ? "gauge" : "sum");
                while (!in.isAtEnd()) {
                    int t = in.readTag();
                    if (WireFormat.getTagFieldNumber(t) == 1) {
                        int l = enterMessage(in, t, "data_points");
                        dataPoint(in, code);
                        in.popLimit(l);
                    } else {
                        in.skipField(t);
                    }
                }
                in.popLimit(limit);
            } else {
                // Descriptions, units, or data before the name (legal but unusual): names come first in practice.
                in.skipField(tag);
            }
        }
    }

    private void clearAttrs() {
        Arrays.fill(attrSet, false);
    }

    /** Reads one KeyValue into the attribute scratch (known keys only). */
    private void keyValue(CodedInputStream in) throws IOException, MalformedRecordException {
        int key = -1;
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            int field = WireFormat.getTagFieldNumber(tag);
            if (field == 1 && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                int len = in.readRawVarint32();
                int pos = base + in.getTotalBytesRead();
                in.skipRawBytes(len);
                key = KEYS.get(buf, pos, len);
            } else if (field == 2 && key >= 0) {
                int limit = enterMessage(in, tag, "attribute value");
                anyValue(in, key);
                in.popLimit(limit);
            } else {
                in.skipField(tag);
            }
        }
    }

    private void anyValue(CodedInputStream in, int key) throws IOException {
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            int field = WireFormat.getTagFieldNumber(tag);
            int wire = WireFormat.getTagWireType(tag);
            if (field == 1 && wire == WireFormat.WIRETYPE_LENGTH_DELIMITED) { // string_value
                int len = in.readRawVarint32();
                attrOff[key] = base + in.getTotalBytesRead();
                attrLen[key] = len;
                attrSet[key] = true;
                in.skipRawBytes(len);
            } else if (field == 3 && wire == WireFormat.WIRETYPE_VARINT) { // int_value
                attrInt[key] = in.readInt64();
                attrLen[key] = -1;
                attrSet[key] = true;
            } else {
                in.skipField(tag);
            }
        }
    }

    /** The GPU index attribute, int or decimal string; -1 when unreadable. */
    private long attrIndex() {
        return attrLen[A_INDEX] < 0 ? attrInt[A_INDEX] : ByteStrings.parseDecimal(buf, attrOff[A_INDEX], attrLen[A_INDEX]);
    }

    private String attrString(int a) {
        if (!attrSet[a]) return null;
        return attrLen[a] < 0 ? Long.toString(attrInt[a]) : strings.get(buf, attrOff[a], attrLen[a]);
    }

    private boolean attrIs(int a, String text) {
        return attrSet[a] && attrLen[a] >= 0 && ByteStrings.equalsAscii(buf, attrOff[a], attrLen[a], text);
    }

    private void dataPoint(CodedInputStream in, int code) throws IOException, MalformedRecordException {
        clearAttrs();
        long timeNanos = 0;
        double value = Double.NaN;
        boolean hasValue = false;
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 3 -> timeNanos = in.readFixed64();
                case 4 -> {
                    value = in.readDouble();
                    hasValue = true;
                }
                case 6 -> {
                    value = in.readSFixed64();
                    hasValue = true;
                }
                case 7 -> {
                    int limit = enterMessage(in, tag, "data point attributes");
                    keyValue(in);
                    in.popLimit(limit);
                }
                default -> in.skipField(tag);
            }
        }
        if (!hasValue) return;
        if (!Double.isFinite(value)) {
            throw new MalformedRecordException("nan_value", "metric "
                    + new String(buf, nameOff, nameLen, java.nio.charset.StandardCharsets.UTF_8) + " has value " + value);
        }
        int kind = METRIC_KIND[code];
        boolean podPoint = kind == K_POD_USED || kind == K_POD_SHARE || kind == K_POD_CORE;
        int slot = slotFor(!podPoint);
        times[slot] = Math.max(times[slot], Math.floorDiv(timeNanos, 1_000_000L));
        double v = value * METRIC_SCALE[code];
        double[] vals = values;
        int b = slot * NF;
        switch (kind) {
            case K_PLAIN -> vals[b + METRIC_FIELD[code]] = v;
            case K_TEMP -> {
                if (!attrSet[A_SENSOR] || attrIs(A_SENSOR, "gpu")) vals[b + F_TEMP] = v;
            }
            case K_ECC -> {
                boolean dbe = attrIs(A_TYPE, "double_bit");
                boolean sbe = attrIs(A_TYPE, "single_bit");
                boolean agg = attrIs(A_COUNTER, "aggregate");
                if (dbe) vals[b + (agg ? F_DBE_AGG : F_DBE_VOL)] = v;
                else if (sbe) vals[b + (agg ? F_SBE_AGG : F_SBE_VOL)] = v;
            }
            case K_REMAP -> {
                if (attrIs(A_TYPE, "uncorrectable")) vals[b + F_REMAP_UNC] = v;
            }
            case K_XID_COUNT -> {
                long xid = attrSet[A_XID] ? (attrLen[A_XID] < 0 ? attrInt[A_XID]
                        : ByteStrings.parseDecimal(buf, attrOff[A_XID], attrLen[A_XID])) : -1;
                if (xid > 0) addXid(slot, xid, (long) v);
            }
            default -> pod(slot, kind, v);
        }
    }

    /**
     * The slot of the current point: the GPU its own identity attributes name (heavy shape), else the GPU of the
     * enclosing resource. Pod labels on a pod point name the pod, not the GPU's identity.
     */
    private int slotFor(boolean podLabelsAreIdentity) {
        boolean own = attrSet[A_UUID] || attrSet[A_INDEX];
        if (!own) {
            if (resSlot < 0) resSlot = newSlot(null, null, -1);
            return resSlot;
        }
        String uuid = attrString(A_UUID);
        long index = attrSet[A_INDEX] ? attrIndex() : -1;
        String host = attrSet[A_HOST] ? attrString(A_HOST) : res[A_HOST];
        for (int s = slots - 1; s >= 0; s--) {
            if (uuid != null ? uuid.equals(slotUuid[s]) && (host == null || slotHost[s] == null || host.equals(slotHost[s]))
                    : slotIndex[s] == index && slotUuid[s] == null && java.util.Objects.equals(host, slotHost[s])) {
                fillIdentity(s, podLabelsAreIdentity);
                return s;
            }
        }
        int s = newSlot(host, uuid, (int) index);
        fillIdentity(s, podLabelsAreIdentity);
        return s;
    }

    private void fillIdentity(int s, boolean podLabelsAreIdentity) {
        if (slotIndex[s] < 0 && attrSet[A_INDEX]) slotIndex[s] = (int) attrIndex();
        if (slotModel[s] == null && attrSet[A_MODEL]) slotModel[s] = attrString(A_MODEL);
        if (podLabelsAreIdentity && slotPod[s] == null && attrSet[A_POD]) {
            slotPod[s] = attrString(A_POD);
            slotNs[s] = attrString(A_NS);
            slotContainer[s] = attrString(A_CONTAINER);
        }
    }

    private int newSlot(String host, String uuid, int index) {
        int s = slots++;
        if (s == times.length) growSlots();
        Arrays.fill(values, s * NF, s * NF + NF, Double.NaN);
        times[s] = Long.MIN_VALUE;
        slotHost[s] = host;
        slotUuid[s] = uuid;
        slotIndex[s] = index;
        slotModel[s] = null;
        slotPod[s] = null;
        slotNs[s] = null;
        slotContainer[s] = null;
        return s;
    }

    private void growSlots() {
        int n = times.length * 2;
        values = Arrays.copyOf(values, n * NF);
        times = Arrays.copyOf(times, n);
        slotHost = Arrays.copyOf(slotHost, n);
        slotUuid = Arrays.copyOf(slotUuid, n);
        slotModel = Arrays.copyOf(slotModel, n);
        slotPod = Arrays.copyOf(slotPod, n);
        slotNs = Arrays.copyOf(slotNs, n);
        slotContainer = Arrays.copyOf(slotContainer, n);
        slotIndex = Arrays.copyOf(slotIndex, n);
    }

    private void addXid(int slot, long code, long count) {
        for (int i = 0; i < xids; i++) {
            if (xidSlot[i] == slot && xidCode[i] == code) {
                xidCount[i] = count;
                return;
            }
        }
        if (xids == xidSlot.length) {
            int n = xids * 2;
            xidSlot = Arrays.copyOf(xidSlot, n);
            xidCode = Arrays.copyOf(xidCode, n);
            xidCount = Arrays.copyOf(xidCount, n);
        }
        xidSlot[xids] = slot;
        xidCode[xids] = code;
        xidCount[xids] = count;
        xids++;
    }

    private void pod(int slot, int kind, double v) {
        String ns = attrString(A_NS), pod = attrString(A_POD), container = attrString(A_CONTAINER);
        if (pod == null) return;
        ns = ns == null ? "" : ns;
        container = container == null ? "" : container;
        int p = findPod(slot, ns, pod, container);
        if (p < 0) p = addPod(slot, ns, pod, container);
        switch (kind) {
            case K_POD_USED -> podUsed[p] = (long) v;
            case K_POD_SHARE -> podShareMem[p] = (long) v;
            default -> podCore[p] = v;
        }
    }

    private int findPod(int slot, String ns, String pod, String container) {
        for (int i = 0; i < pods; i++) {
            if (podSlot[i] == slot && podName[i].equals(pod) && podNs[i].equals(ns) && podContainer[i].equals(container)) {
                return i;
            }
        }
        return -1;
    }

    private int addPod(int slot, String ns, String pod, String container) {
        if (pods == podSlot.length) {
            int n = pods * 2;
            podSlot = Arrays.copyOf(podSlot, n);
            podNs = Arrays.copyOf(podNs, n);
            podName = Arrays.copyOf(podName, n);
            podContainer = Arrays.copyOf(podContainer, n);
            podUsed = Arrays.copyOf(podUsed, n);
            podShareMem = Arrays.copyOf(podShareMem, n);
            podCore = Arrays.copyOf(podCore, n);
        }
        int p = pods++;
        podSlot[p] = slot;
        podNs[p] = ns;
        podName[p] = pod;
        podContainer[p] = container;
        podUsed[p] = -1;
        podShareMem[p] = 0;
        podCore[p] = 0;
        return p;
    }

    private GpuSample sample(int s) {
        double[] v = values;
        int b = s * NF;
        double total = v[b + F_MEM_TOTAL];
        if (Double.isNaN(total) && !Double.isNaN(v[b + F_MEM_USED]) && !Double.isNaN(v[b + F_MEM_FREE])) {
            double reserved = v[b + F_MEM_RESERVED];
            total = v[b + F_MEM_USED] + v[b + F_MEM_FREE] + (Double.isNaN(reserved) ? 0 : reserved);
        }
        double dbe = Double.isNaN(v[b + F_DBE_VOL]) ? v[b + F_DBE_AGG] : v[b + F_DBE_VOL];
        double sbe = Double.isNaN(v[b + F_SBE_VOL]) ? v[b + F_SBE_AGG] : v[b + F_SBE_VOL];

        int n = 0;
        for (int i = 0; i < xids; i++) if (xidSlot[i] == s) n++;
        long[] xc = null;
        if (n > 0) {
            xc = new long[2 * n];
            int j = 0;
            for (int i = 0; i < xids; i++) {
                if (xidSlot[i] == s) {
                    xc[j++] = xidCode[i];
                    xc[j++] = xidCount[i];
                }
            }
        }
        PodShare[] ps = pods(s);
        return new GpuSample(slotHost[s], Math.max(slotIndex[s], 0), slotUuid[s], slotModel[s], times[s],
                v[b + F_UTIL], v[b + F_MEM_USED], total, v[b + F_TEMP], v[b + F_POWER], v[b + F_POWER_LIMIT],
                flag(v[b + F_CLOCK]), dbe, sbe, v[b + F_REMAP_UNC], (int) flag(v[b + F_REMAP_FAIL]),
                (int) flag(v[b + F_HEALTH]), Double.isNaN(v[b + F_LAST_XID]) ? 0 : (long) v[b + F_LAST_XID], xc, ps,
                v[b + F_THROUGHPUT]);
    }

    private static long flag(double v) {
        return Double.isNaN(v) ? -1 : (long) v;
    }

    /** Pods of slot {@code s}: the GPU's identity pod first (merged with its pod points), then the others. */
    private PodShare[] pods(int s) {
        String idPod = slotPod[s];
        int n = 0;
        int idEntry = -1;
        for (int i = 0; i < pods; i++) {
            if (podSlot[i] != s) continue;
            n++;
            if (idPod != null && idEntry < 0 && podName[i].equals(idPod)
                    && podNs[i].equals(slotNs[s] == null ? "" : slotNs[s])) {
                idEntry = i;
            }
        }
        if (n == 0 && idPod == null) return null;
        int total = n + (idPod != null && idEntry < 0 ? 1 : 0);
        PodShare[] out = new PodShare[total];
        int j = 0;
        if (idPod != null) {
            out[j++] = idEntry >= 0 ? podShare(idEntry)
                    : new PodShare(slotNs[s], idPod, slotContainer[s], -1, 0, 0);
        }
        for (int i = 0; i < pods; i++) if (podSlot[i] == s && i != idEntry) out[j++] = podShare(i);
        return out;
    }

    private PodShare podShare(int i) {
        return new PodShare(podNs[i], podName[i], podContainer[i], podUsed[i], podShareMem[i], podCore[i]);
    }
}
