package io.gpufleet.exporter.nvml;

import static io.gpufleet.exporter.source.GpuField.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.exporter.source.GpuEvent;
import io.gpufleet.exporter.source.GpuField;
import io.gpufleet.exporter.source.GpuIdentity;
import io.gpufleet.exporter.source.GpuPair;
import io.gpufleet.exporter.source.GpuReading;
import io.gpufleet.exporter.source.PathLevel;
import io.gpufleet.exporter.source.ProcessReading;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same binding against a fake of an old driver that lacks the versioned and NVML 13 symbols: every
 * fallback is taken and the readings are those of the current driver (memory v1 aside).
 */
class NvmlOldDriverTest {
    @TempDir
    Path sys;
    FakeNvml.Control oldFake;
    FakeNvml.Control currentFake;
    NvmlGpuSource old;
    NvmlGpuSource current;

    @BeforeEach
    void setUp() {
        oldFake = FakeNvml.oldDriver();
        currentFake = FakeNvml.current();
        assertEquals(1, oldFake.fake_is_old_driver());
        assertEquals(0, currentFake.fake_is_old_driver());
    }

    @AfterEach
    void tearDown() {
        if (old != null) old.close();
        if (current != null) current.close();
    }

    private NvmlGpuSource open(Path lib) {
        return NvmlGpuSource.open(NvmlLibrary.load(lib.toString()),
                new NvmlGpuSource.Settings("node-old", sys, NvmlGpuSourceTest.CLOCK));
    }

    @Test
    void bindsTheOlderSymbols() {
        NvmlLibrary lib = NvmlLibrary.load(FakeNvml.OLD_DRIVER.toString());
        assertEquals("nvmlInit", lib.symbol(NvmlFunction.INIT).orElseThrow());
        assertEquals("nvmlDeviceGetCount", lib.symbol(NvmlFunction.DEVICE_COUNT).orElseThrow());
        assertEquals("nvmlDeviceGetHandleByIndex", lib.symbol(NvmlFunction.HANDLE_BY_INDEX).orElseThrow());
        assertEquals("nvmlDeviceGetPciInfo_v2", lib.symbol(NvmlFunction.PCI_INFO).orElseThrow());
        assertEquals("nvmlEventSetWait", lib.symbol(NvmlFunction.EVENT_SET_WAIT).orElseThrow());
        assertEquals("nvmlDeviceGetCurrentClocksThrottleReasons",
                lib.symbol(NvmlFunction.CLOCK_EVENT_REASONS).orElseThrow());
        assertEquals("nvmlDeviceGetComputeRunningProcesses",
                lib.symbol(NvmlFunction.COMPUTE_PROCESSES_V1).orElseThrow());
        assertFalse(lib.has(NvmlFunction.MEMORY_INFO_V2));
        assertFalse(lib.has(NvmlFunction.TEMPERATURE_V));
        assertFalse(lib.has(NvmlFunction.COMPUTE_PROCESSES_V3));
        assertEquals(NvmlReturn.FUNCTION_NOT_FOUND, lib.call(NvmlFunction.MEMORY_INFO_V2, null, null));
    }

    @Test
    void sameIdentityAndReadingsThroughTheFallbacks() {
        oldFake.fake_set_count(2);
        currentFake.fake_set_count(2);
        old = open(FakeNvml.OLD_DRIVER);
        current = open(FakeNvml.CURRENT);
        assertEquals(current.gpus().stream().map(g -> g.uuid()).toList(), old.gpus().stream().map(g -> g.uuid()).toList());
        assertEquals(current.gpus().stream().map(GpuIdentity::pciBusId).toList(),
                old.gpus().stream().map(GpuIdentity::pciBusId).toList());
        assertEquals("470.256.02", old.driverVersion());
        for (int i = 0; i < 2; i++) {
            GpuReading o = old.read(old.gpus().get(i));
            GpuReading c = current.read(current.gpus().get(i));
            for (GpuField f : GpuField.values()) {
                if (f == MEMORY_USED_BYTES || f == MEMORY_RESERVED_BYTES) continue;
                assertEquals(c.value(f), o.value(f), f.name());
                assertEquals(c.errors().get(f), o.errors().get(f), f.name());
            }
            // v1 lumps the driver's reservation into "used"; reserved needs the v2 call.
            assertEquals(503316480.0, o.value(MEMORY_USED_BYTES));
            assertEquals(c.value(MEMORY_USED_BYTES) + c.value(MEMORY_RESERVED_BYTES), o.value(MEMORY_USED_BYTES));
            assertEquals("FUNCTION_NOT_FOUND", o.errors().get(MEMORY_RESERVED_BYTES));
            assertEquals(Set.of(MEMORY_RESERVED_BYTES, RETIRED_PAGES_SINGLE_BIT, RETIRED_PAGES_DOUBLE_BIT,
                    RETIRED_PAGES_PENDING), o.errors().keySet());
            assertEquals(36.0, o.value(GPU_TEMPERATURE_CELSIUS));
            assertEquals(1.0, o.value(CLOCK_EVENT_REASONS));
        }
        assertTrue(oldFake.fake_calls("nvmlDeviceGetTemperature") >= 2);
        assertTrue(oldFake.fake_calls("nvmlDeviceGetCurrentClocksThrottleReasons") >= 2);
    }

    @Test
    void processesThroughTheV1Layout() {
        oldFake.fake_add_process(0, 31337, 3L << 30);
        oldFake.fake_add_process(0, 4, 1);
        old = open(FakeNvml.OLD_DRIVER);
        GpuReading r = old.read(old.gpus().get(0));
        assertEquals(List.of(new ProcessReading(31337, 3L << 30), new ProcessReading(4, 1)), r.processes());
        assertEquals(0, currentFake.fake_calls("nvmlDeviceGetComputeRunningProcesses"), "the two fakes are separate");
    }

    @Test
    void eventsThroughTheOldWait() throws Exception {
        oldFake.fake_set_count(2);
        old = open(FakeNvml.OLD_DRIVER);
        oldFake.fake_push_event(1, NvmlEvents.XID_CRITICAL, 79);
        assertEquals(List.of(GpuEvent.xid(1, old.gpus().get(1).uuid(), 79, NvmlGpuSourceTest.CLOCK.millis())),
                old.awaitEvents(Duration.ofSeconds(2)));
        assertTrue(oldFake.fake_calls("nvmlEventSetWait") >= 1);
    }

    @Test
    void topologyThroughTheUnversionedRemotePciCall() {
        oldFake.fake_set_count(2);
        oldFake.fake_set_nvlink(0, 0, 1, 1);
        oldFake.fake_set_nvlink(0, 1, 1, 1);
        oldFake.fake_set_nvlink(1, 0, 1, 0);
        oldFake.fake_set_nvlink(1, 1, 1, 0);
        old = open(FakeNvml.OLD_DRIVER);
        assertEquals(List.of(new GpuPair(0, 1, PathLevel.NV, 2)), old.topology().pairs());
    }
}
