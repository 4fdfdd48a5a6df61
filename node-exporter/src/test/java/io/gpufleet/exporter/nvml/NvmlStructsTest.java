package io.gpufleet.exporter.nvml;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.jna.Structure;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The JNA struct layouts match NVML.md's measured x86-64 layouts and the C compiler's, field by field. */
class NvmlStructsTest {

    private record Layout(String cName, Supplier<NvmlStructs.Struct> jna, int size, Map<String, Integer> offsets) {}

    private static Map<String, Integer> offsets(Object... nameOffset) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < nameOffset.length; i += 2) m.put((String) nameOffset[i], (Integer) nameOffset[i + 1]);
        return m;
    }

    /** Straight from the reference table (sizeof / offsets measured by compiling nvml.h). */
    private static final List<Layout> REFERENCE = List.of(
            new Layout("nvmlMemory_t", NvmlStructs.Memory::new, 24, offsets("total", 0, "free", 8, "used", 16)),
            new Layout("nvmlMemory_v2_t", NvmlStructs.MemoryV2::new, 40,
                    offsets("version", 0, "total", 8, "reserved", 16, "free", 24, "used", 32)),
            new Layout("nvmlUtilization_t", NvmlStructs.Utilization::new, 8, offsets("gpu", 0, "memory", 4)),
            new Layout("nvmlProcessInfo_v1_t", NvmlStructs.ProcessInfoV1::new, 16, offsets("pid", 0, "usedGpuMemory", 8)),
            new Layout("nvmlProcessInfo_t", NvmlStructs.ProcessInfo::new, 24,
                    offsets("pid", 0, "usedGpuMemory", 8, "gpuInstanceId", 16, "computeInstanceId", 20)),
            new Layout("nvmlEventData_t", NvmlStructs.EventData::new, 32,
                    offsets("device", 0, "eventType", 8, "eventData", 16, "gpuInstanceId", 24, "computeInstanceId", 28)),
            new Layout("nvmlPciInfo_t", NvmlStructs.PciInfo::new, 68,
                    offsets("busIdLegacy", 0, "domain", 16, "bus", 20, "device", 24, "pciDeviceId", 28,
                            "pciSubSystemId", 32, "busId", 36)),
            new Layout("nvmlTemperature_t", NvmlStructs.Temperature::new, 12,
                    offsets("version", 0, "sensorType", 4, "temperature", 8)),
            new Layout("nvmlFieldValue_t", NvmlStructs.FieldValue::new, 40,
                    offsets("fieldId", 0, "scopeId", 4, "timestamp", 8, "latencyUsec", 16, "valueType", 24,
                            "nvmlReturn", 28, "value", 32)));

    @Test
    void jnaLayoutsMatchTheReference() {
        for (Layout l : REFERENCE) {
            NvmlStructs.Struct s = l.jna().get();
            assertEquals(l.size(), s.size(), l.cName() + " size");
            assertEquals(List.copyOf(l.offsets().keySet()), fieldOrder(s), l.cName() + " field order");
            l.offsets().forEach((field, off) -> assertEquals(off, s.offsetOf(field), l.cName() + "." + field));
        }
    }

    @Test
    void jnaLayoutsMatchTheCompiledFake() {
        FakeNvml.Control fake = FakeNvml.current();
        for (Layout l : REFERENCE) {
            NvmlStructs.Struct s = l.jna().get();
            assertEquals(fake.fake_sizeof(l.cName()), s.size(), "sizeof(" + l.cName() + ")");
            for (String field : fieldOrder(s)) {
                assertEquals(fake.fake_offsetof(l.cName(), field), s.offsetOf(field),
                        "offsetof(" + l.cName() + ", " + field + ")");
            }
        }
    }

    @Test
    void versionWordsAreSizeOrVersionShifted() {
        assertEquals(0x02000028, NvmlStructs.MemoryV2.VERSION);
        assertEquals(0x0100000C, NvmlStructs.Temperature.VERSION);
        assertEquals(NvmlStructs.MemoryV2.VERSION, new NvmlStructs.MemoryV2().size() | 2 << 24);
    }

    @Test
    void fieldValueUnionDecodesByType() {
        NvmlStructs.FieldValue fv = new NvmlStructs.FieldValue();
        fv.valueType = NvmlStructs.FieldValue.TYPE_UNSIGNED_INT;
        fv.value = 0xDEAD_BEEF_FFFF_FFFEL; // only the low 4 bytes belong to uiVal
        assertEquals(4294967294.0, fv.asDouble());
        fv.valueType = NvmlStructs.FieldValue.TYPE_SIGNED_INT;
        assertEquals(-2.0, fv.asDouble());
        fv.valueType = NvmlStructs.FieldValue.TYPE_DOUBLE;
        fv.value = Double.doubleToLongBits(36.5);
        assertEquals(36.5, fv.asDouble());
        fv.valueType = NvmlStructs.FieldValue.TYPE_UNSIGNED_LONG_LONG;
        fv.value = -1L;
        assertEquals(18446744073709551615.0, fv.asDouble());
        fv.valueType = NvmlStructs.FieldValue.TYPE_SIGNED_LONG_LONG;
        assertEquals(-1.0, fv.asDouble());
    }

    @Test
    void pciBusIdFallsBackToTheLegacyField() {
        NvmlStructs.PciInfo pci = new NvmlStructs.PciInfo();
        byte[] legacy = "0000:17:00.0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(legacy, 0, pci.busIdLegacy, 0, legacy.length);
        assertEquals("0000:17:00.0", pci.busIdString(), "v1 calls fill only the 16-byte legacy id");
        byte[] extended = "00000000:17:00.0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(extended, 0, pci.busId, 0, extended.length);
        assertEquals("00000000:17:00.0", pci.busIdString());
        pci.clear();
        assertEquals("", pci.busIdString());
    }

    private static List<String> fieldOrder(Structure s) {
        return s.getClass().getAnnotation(Structure.FieldOrder.class) == null ? List.of()
                : List.of(s.getClass().getAnnotation(Structure.FieldOrder.class).value());
    }
}
