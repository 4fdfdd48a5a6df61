package io.gpufleet.exporter.nvml;

import static io.gpufleet.exporter.source.GpuField.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.gpufleet.exporter.source.GpuEvent;
import io.gpufleet.exporter.source.GpuField;
import io.gpufleet.exporter.source.GpuIdentity;
import io.gpufleet.exporter.source.GpuPair;
import io.gpufleet.exporter.source.GpuReading;
import io.gpufleet.exporter.source.NvLinkReading;
import io.gpufleet.exporter.source.PathLevel;
import io.gpufleet.exporter.source.ProcessReading;
import io.gpufleet.exporter.source.Topology;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real JNA binding end to end against the fake libnvidia-ml.so.1 (current-driver variant). */
class NvmlGpuSourceTest {
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-23T12:00:00Z"), ZoneOffset.UTC);
    static final String UUID0 = "GPU-af424309-ce2b-fbba-fa7e-be68500bd16c";
    static final String UUID1 = "GPU-af424309-ce2b-fbba-fa7e-be68500bd16d";
    static final String H100 = "NVIDIA H100 80GB HBM3";
    static final Set<GpuField> RETIRED = EnumSet.of(RETIRED_PAGES_SINGLE_BIT, RETIRED_PAGES_DOUBLE_BIT,
            RETIRED_PAGES_PENDING);

    @TempDir
    Path sys;
    FakeNvml.Control fake;
    NvmlGpuSource source;

    @BeforeEach
    void setUp() throws Exception {
        fake = FakeNvml.current();
        Path dev = Files.createDirectories(sys.resolve("bus/pci/devices/0000:17:00.0"));
        Files.writeString(dev.resolve("numa_node"), "1\n");
    }

    @AfterEach
    void tearDown() {
        if (source != null) source.close();
    }

    NvmlGpuSource open() {
        source = NvmlGpuSource.open(NvmlLibrary.load(FakeNvml.CURRENT.toString()),
                new NvmlGpuSource.Settings("node-a", sys, CLOCK));
        return source;
    }

    @Test
    void identityComesFromNvmlAndSysfs() {
        fake.fake_set_count(2);
        open();
        List<GpuIdentity> gpus = source.gpus();
        assertEquals(2, gpus.size());
        assertEquals(new GpuIdentity("node-a", 0, UUID0, H100, "00000000:17:00.0", "1653220012340", 1, 0), gpus.get(0));
        // No numa_node file for the second GPU: unknown.
        assertEquals(new GpuIdentity("node-a", 1, UUID1, H100, "00000000:37:00.0", "1653220012341", -1, 1), gpus.get(1));
        assertEquals("580.159.04", source.driverVersion());
        assertTrue(source.describe().contains("580.159.04"), source.describe());
        assertEquals("node-a", source.node());
    }

    @Test
    void currentDriverBindsTheVersionedSymbols() {
        NvmlLibrary lib = NvmlLibrary.load(FakeNvml.CURRENT.toString());
        assertEquals("nvmlInit_v2", lib.symbol(NvmlFunction.INIT).orElseThrow());
        assertEquals("nvmlDeviceGetCount_v2", lib.symbol(NvmlFunction.DEVICE_COUNT).orElseThrow());
        assertEquals("nvmlDeviceGetHandleByIndex_v2", lib.symbol(NvmlFunction.HANDLE_BY_INDEX).orElseThrow());
        assertEquals("nvmlDeviceGetPciInfo_v3", lib.symbol(NvmlFunction.PCI_INFO).orElseThrow());
        assertEquals("nvmlEventSetWait_v2", lib.symbol(NvmlFunction.EVENT_SET_WAIT).orElseThrow());
        assertEquals("nvmlDeviceGetComputeRunningProcesses_v3",
                lib.symbol(NvmlFunction.COMPUTE_PROCESSES_V3).orElseThrow());
        assertEquals("nvmlDeviceGetMemoryInfo_v2", lib.symbol(NvmlFunction.MEMORY_INFO_V2).orElseThrow());
        assertEquals("nvmlDeviceGetCurrentClocksEventReasons",
                lib.symbol(NvmlFunction.CLOCK_EVENT_REASONS).orElseThrow());
        assertEquals("nvmlDeviceGetTemperatureV", lib.symbol(NvmlFunction.TEMPERATURE_V).orElseThrow());
    }

    @Test
    void readingMatchesTheH100InBaseUnits() {
        open();
        GpuReading r = source.read(source.gpus().get(0));
        assertFalse(r.lost());
        assertEquals(CLOCK.millis(), r.timestampMillis());
        assertEquals(85520809984.0, r.value(MEMORY_TOTAL_BYTES));
        assertEquals(85017493504.0, r.value(MEMORY_FREE_BYTES));
        // v2 splits the driver's reservation out of the v1 "used" (503316480 on the real H100).
        assertEquals(20971520.0, r.value(MEMORY_USED_BYTES));
        assertEquals(482344960.0, r.value(MEMORY_RESERVED_BYTES));
        assertEquals(503316480.0, r.value(MEMORY_USED_BYTES) + r.value(MEMORY_RESERVED_BYTES));
        assertEquals(0.0, r.value(GPU_UTILIZATION_RATIO));
        assertEquals(0.0, r.value(MEMORY_UTILIZATION_RATIO));
        assertEquals(36.0, r.value(GPU_TEMPERATURE_CELSIUS));
        assertEquals(43.0, r.value(MEMORY_TEMPERATURE_CELSIUS));
        assertEquals(87.0, r.value(SLOWDOWN_TEMPERATURE_CELSIUS));
        assertEquals(72.402, r.value(POWER_USAGE_WATTS), 1e-9);
        assertEquals(700.0, r.value(POWER_LIMIT_WATTS), 1e-9);
        assertEquals(123456789.012, r.value(ENERGY_JOULES_TOTAL), 1e-6);
        assertEquals(345e6, r.value(SM_CLOCK_HERTZ));
        assertEquals(2619e6, r.value(MEMORY_CLOCK_HERTZ));
        assertEquals(0.0, r.value(PSTATE));
        assertEquals(1.0, r.value(CLOCK_EVENT_REASONS)); // GPU idle
        for (GpuField f : List.of(ECC_SINGLE_BIT_VOLATILE_TOTAL, ECC_DOUBLE_BIT_VOLATILE_TOTAL,
                ECC_SINGLE_BIT_AGGREGATE_TOTAL, ECC_DOUBLE_BIT_AGGREGATE_TOTAL, REMAPPED_ROWS_CORRECTABLE,
                REMAPPED_ROWS_UNCORRECTABLE, ROW_REMAP_PENDING, ROW_REMAP_FAILURE, PCIE_REPLAY_TOTAL, MIG_MODE,
                RECOVERY_ACTION)) {
            assertEquals(0.0, r.value(f), f.name());
        }
        assertEquals(5.0, r.value(PCIE_LINK_GENERATION));
        assertEquals(16.0, r.value(PCIE_LINK_WIDTH));
        // Page retirement is a pre-Ampere feature: absent with NVML's reason, nothing else is.
        for (GpuField f : RETIRED) assertEquals("NOT_SUPPORTED", r.errors().get(f), f.name());
        assertEquals(RETIRED, r.errors().keySet());
        for (GpuField f : GpuField.values()) {
            assertEquals(!RETIRED.contains(f) && !f.slow(), r.has(f), f.name());
        }
        assertEquals(List.of(), r.nvLinks(), "PCIe card: no NVLinks");
        assertEquals(List.of(), r.processes());
    }

    /** Seeded random values through every scripted counter: each lands in the right field, converted. */
    @Test
    void scriptedValuesConvertToBaseUnits() {
        fake.fake_fail("nvmlDeviceGetRetiredPages", 0);
        fake.fake_fail("nvmlDeviceGetRetiredPagesPendingStatus", 0);
        open();
        GpuIdentity gpu = source.gpus().get(0);
        SplittableRandom rnd = new SplittableRandom(20261123);
        for (int i = 0; i < 300; i++) {
            long total = 1L + rnd.nextLong(1L << 40), reserved = rnd.nextLong(1L << 30);
            long usedV2 = rnd.nextLong(1L << 36), free = rnd.nextLong(1L << 40);
            long util = rnd.nextInt(101), memUtil = rnd.nextInt(101), temp = rnd.nextInt(120);
            long memTemp = rnd.nextInt(120), slowdown = rnd.nextInt(80, 100);
            long mw = rnd.nextInt(1_000_000), limit = rnd.nextInt(1_000_000), mj = rnd.nextLong(Long.MAX_VALUE);
            long sm = rnd.nextInt(3000), mem = rnd.nextInt(4000), pstate = rnd.nextInt(16);
            long reasons = rnd.nextLong(0x200), sbe = rnd.nextLong(1L << 50), dbe = rnd.nextInt(100);
            long sbeAgg = rnd.nextLong(1L << 50), dbeAgg = rnd.nextInt(1000), rsbe = rnd.nextInt(64);
            long rdbe = rnd.nextInt(64), rpend = rnd.nextInt(2), corr = rnd.nextInt(512), unc = rnd.nextInt(512);
            long rowPend = rnd.nextInt(2), rowFail = rnd.nextInt(2), replay = rnd.nextLong(1L << 32);
            long gen = rnd.nextInt(1, 7), width = 1L << rnd.nextInt(5), mig = rnd.nextInt(2);
            long recovery = rnd.nextInt(6);
            Object[][] script = {
                {"memory.total", total}, {"memory.free", free}, {"memory.used", usedV2 + reserved},
                {"memory.reserved", reserved}, {"utilization.gpu", util}, {"utilization.memory", memUtil},
                {"temperature.gpu", temp}, {"temperature.memory", memTemp}, {"temperature.slowdown", slowdown},
                {"power.usage", mw}, {"power.limit", limit}, {"energy", mj}, {"clock.sm", sm}, {"clock.memory", mem},
                {"pstate", pstate}, {"clock_event_reasons", reasons}, {"ecc.sbe.volatile", sbe},
                {"ecc.dbe.volatile", dbe}, {"ecc.sbe.aggregate", sbeAgg}, {"ecc.dbe.aggregate", dbeAgg},
                {"retired.sbe", rsbe}, {"retired.dbe", rdbe}, {"retired.pending", rpend},
                {"remap.correctable", corr}, {"remap.uncorrectable", unc}, {"remap.pending", rowPend},
                {"remap.failure", rowFail}, {"pcie.replay", replay}, {"pcie.gen", gen}, {"pcie.width", width},
                {"mig.current", mig}, {"recovery_action", recovery},
            };
            for (Object[] kv : script) FakeNvml.set(fake, 0, (String) kv[0], (Long) kv[1]);
            GpuReading r = source.read(gpu);
            String c = "case " + i;
            assertEquals(Map.of(), r.errors(), c);
            assertEquals(total, r.value(MEMORY_TOTAL_BYTES), c);
            assertEquals(free, r.value(MEMORY_FREE_BYTES), c);
            assertEquals(usedV2, r.value(MEMORY_USED_BYTES), c);
            assertEquals(reserved, r.value(MEMORY_RESERVED_BYTES), c);
            assertEquals(util / 100.0, r.value(GPU_UTILIZATION_RATIO), 1e-12, c);
            assertEquals(memUtil / 100.0, r.value(MEMORY_UTILIZATION_RATIO), 1e-12, c);
            assertEquals(temp, r.value(GPU_TEMPERATURE_CELSIUS), c);
            assertEquals(memTemp, r.value(MEMORY_TEMPERATURE_CELSIUS), c);
            assertEquals(slowdown, r.value(SLOWDOWN_TEMPERATURE_CELSIUS), c);
            assertEquals(mw / 1000.0, r.value(POWER_USAGE_WATTS), 1e-9, c);
            assertEquals(limit / 1000.0, r.value(POWER_LIMIT_WATTS), 1e-9, c);
            assertEquals(mj / 1000.0, r.value(ENERGY_JOULES_TOTAL), mj / 1e15, c);
            assertEquals(sm * 1e6, r.value(SM_CLOCK_HERTZ), c);
            assertEquals(mem * 1e6, r.value(MEMORY_CLOCK_HERTZ), c);
            assertEquals(pstate, r.value(PSTATE), c);
            assertEquals(reasons, r.value(CLOCK_EVENT_REASONS), c);
            assertEquals(sbe, r.value(ECC_SINGLE_BIT_VOLATILE_TOTAL), c);
            assertEquals(dbe, r.value(ECC_DOUBLE_BIT_VOLATILE_TOTAL), c);
            assertEquals(sbeAgg, r.value(ECC_SINGLE_BIT_AGGREGATE_TOTAL), c);
            assertEquals(dbeAgg, r.value(ECC_DOUBLE_BIT_AGGREGATE_TOTAL), c);
            assertEquals(rsbe, r.value(RETIRED_PAGES_SINGLE_BIT), c);
            assertEquals(rdbe, r.value(RETIRED_PAGES_DOUBLE_BIT), c);
            assertEquals(rpend, r.value(RETIRED_PAGES_PENDING), c);
            assertEquals(corr, r.value(REMAPPED_ROWS_CORRECTABLE), c);
            assertEquals(unc, r.value(REMAPPED_ROWS_UNCORRECTABLE), c);
            assertEquals(rowPend, r.value(ROW_REMAP_PENDING), c);
            assertEquals(rowFail, r.value(ROW_REMAP_FAILURE), c);
            assertEquals(replay, r.value(PCIE_REPLAY_TOTAL), c);
            assertEquals(gen, r.value(PCIE_LINK_GENERATION), c);
            assertEquals(width, r.value(PCIE_LINK_WIDTH), c);
            assertEquals(mig, r.value(MIG_MODE), c);
            assertEquals(recovery, r.value(RECOVERY_ACTION), c);
        }
    }

    @Test
    void notSupportedFieldIsAbsentWithReasonAndNotRetried() {
        fake.fake_fail("nvmlDeviceGetPowerUsage", NvmlReturn.NOT_SUPPORTED);
        open();
        GpuIdentity gpu = source.gpus().get(0);
        for (int i = 0; i < 4; i++) {
            GpuReading r = source.read(gpu);
            assertFalse(r.has(POWER_USAGE_WATTS));
            assertEquals("NOT_SUPPORTED", r.errors().get(POWER_USAGE_WATTS));
            assertEquals(700.0, r.value(POWER_LIMIT_WATTS), 1e-9);
            assertEquals(36.0, r.value(GPU_TEMPERATURE_CELSIUS));
            assertEquals(85520809984.0, r.value(MEMORY_TOTAL_BYTES));
        }
        assertEquals(1, fake.fake_calls("nvmlDeviceGetPowerUsage"), "unsupported call asked once");
        assertEquals(4, fake.fake_calls("nvmlDeviceGetEnforcedPowerLimit"));
    }

    @Test
    void transientErrorIsReportedAndRetried() {
        fake.fake_fail("nvmlDeviceGetUtilizationRates", NvmlReturn.UNKNOWN);
        open();
        GpuIdentity gpu = source.gpus().get(0);
        GpuReading r = source.read(gpu);
        assertEquals("UNKNOWN", r.errors().get(GPU_UTILIZATION_RATIO));
        assertEquals("UNKNOWN", r.errors().get(MEMORY_UTILIZATION_RATIO));
        fake.fake_fail("nvmlDeviceGetUtilizationRates", 0);
        FakeNvml.set(fake, 0, "utilization.gpu", 81);
        r = source.read(gpu);
        assertEquals(0.81, r.value(GPU_UTILIZATION_RATIO), 1e-12);
        assertFalse(r.errors().containsKey(GPU_UTILIZATION_RATIO));
        assertEquals(2, fake.fake_calls("nvmlDeviceGetUtilizationRates"));
    }

    @Test
    void unsupportedCachePerGpu() {
        fake.fake_set_count(2);
        fake.fake_fail_device(1, "nvmlDeviceGetTotalEnergyConsumption", NvmlReturn.NOT_SUPPORTED);
        open();
        for (int i = 0; i < 3; i++) {
            assertEquals(123456789.012, source.read(source.gpus().get(0)).value(ENERGY_JOULES_TOTAL), 1e-6);
            assertEquals("NOT_SUPPORTED", source.read(source.gpus().get(1)).errors().get(ENERGY_JOULES_TOTAL));
        }
        assertEquals(3 + 1, fake.fake_calls("nvmlDeviceGetTotalEnergyConsumption"));
    }

    @Test
    void eachFieldValueHasItsOwnStatus() {
        fake.fake_fail("field:230", NvmlReturn.NOT_SUPPORTED);
        FakeNvml.set(fake, 0, "temperature.memory", 51);
        open();
        GpuReading r = source.read(source.gpus().get(0));
        assertEquals(51.0, r.value(MEMORY_TEMPERATURE_CELSIUS));
        assertEquals("NOT_SUPPORTED", r.errors().get(RECOVERY_ACTION));
        assertFalse(r.has(RECOVERY_ACTION));

        fake.fake_fail("field:230", 0);
        fake.fake_fail("field:82", NvmlReturn.NO_PERMISSION);
        FakeNvml.set(fake, 0, "recovery_action", 2);
        r = source.read(source.gpus().get(0));
        assertEquals("NO_PERMISSION", r.errors().get(MEMORY_TEMPERATURE_CELSIUS));
        // Recovery action was remembered as unsupported: still absent, not asked again.
        assertEquals("NOT_SUPPORTED", r.errors().get(RECOVERY_ACTION));
    }

    @Test
    void memoryV2VersionMismatchFallsBackToV1() {
        fake.fake_fail("nvmlDeviceGetMemoryInfo_v2", NvmlReturn.ARGUMENT_VERSION_MISMATCH);
        open();
        GpuReading r = source.read(source.gpus().get(0));
        assertEquals(503316480.0, r.value(MEMORY_USED_BYTES), "v1 used includes the reservation");
        assertEquals(85520809984.0, r.value(MEMORY_TOTAL_BYTES));
        assertEquals("ARGUMENT_VERSION_MISMATCH", r.errors().get(MEMORY_RESERVED_BYTES));
        source.read(source.gpus().get(0));
        assertEquals(1, fake.fake_calls("nvmlDeviceGetMemoryInfo_v2"));
        assertEquals(2, fake.fake_calls("nvmlDeviceGetMemoryInfo"));
    }

    @Test
    void temperatureVFallsBackToTheDeprecatedCall() {
        fake.fake_fail("nvmlDeviceGetTemperatureV", NvmlReturn.NOT_SUPPORTED);
        FakeNvml.set(fake, 0, "temperature.gpu", 64);
        open();
        assertEquals(64.0, source.read(source.gpus().get(0)).value(GPU_TEMPERATURE_CELSIUS));
        assertEquals(1, fake.fake_calls("nvmlDeviceGetTemperature"));
    }

    @Test
    void processesAreSizedThenReadWithHeadroom() {
        fake.fake_add_process(0, 4242, 1L << 30);
        fake.fake_add_process(0, 777, -1L); // NVML_VALUE_NOT_AVAILABLE
        open();
        GpuReading r = source.read(source.gpus().get(0));
        assertEquals(List.of(new ProcessReading(4242, 1L << 30), new ProcessReading(777, -1)), r.processes());
        for (int pid = 1000; pid < 1040; pid++) fake.fake_add_process(0, pid, pid * 1024L);
        r = source.read(source.gpus().get(0));
        assertEquals(42, r.processes().size());
        assertEquals(new ProcessReading(1039, 1039 * 1024L), r.processes().get(41));
        assertEquals(0, fake.fake_calls("nvmlDeviceGetComputeRunningProcesses"), "v3 preferred");
    }

    @Test
    void gpuLostMidRunStaysLostAndIsReportedOnce() throws Exception {
        fake.fake_set_count(2);
        open();
        GpuIdentity gpu0 = source.gpus().get(0), gpu1 = source.gpus().get(1);
        assertFalse(source.read(gpu1).lost());
        fake.fake_lose_gpu(1);
        GpuReading lost = source.read(gpu1);
        assertTrue(lost.lost());
        assertEquals(gpu1, lost.gpu());
        assertEquals("GPU_IS_LOST", lost.errors().get(POWER_USAGE_WATTS));
        assertEquals(GpuField.count(), lost.errors().size());
        assertFalse(source.read(gpu0).lost(), "the other GPU is fine");
        assertEquals(36.0, source.read(gpu0).value(GPU_TEMPERATURE_CELSIUS));

        List<GpuEvent> events = source.awaitEvents(Duration.ofSeconds(2));
        assertEquals(List.of(new GpuEvent(1, UUID1, GpuEvent.Kind.GPU_LOST, 0, CLOCK.millis())), events);

        // Even if the device answers again, the source keeps it lost (it needs a reset) and says so once.
        fake.fake_revive_gpu(1);
        assertTrue(source.read(gpu1).lost());
        GpuReading.Builder slow = new GpuReading.Builder(gpu1, 0);
        source.readSlow(gpu1, slow);
        assertEquals("GPU_IS_LOST", slow.build().errors().get(PCIE_TX_BYTES_PER_SECOND));
        assertEquals(List.of(), source.awaitEvents(Duration.ofMillis(50)));
    }

    @Test
    void lostGpuIsFoundThroughTheEventWait() throws Exception {
        fake.fake_set_count(2);
        open();
        fake.fake_lose_gpu(0);
        List<GpuEvent> events = source.awaitEvents(Duration.ofSeconds(2));
        assertEquals(List.of(new GpuEvent(0, UUID0, GpuEvent.Kind.GPU_LOST, 0, CLOCK.millis())), events);
        assertTrue(source.read(source.gpus().get(0)).lost());
        assertFalse(source.read(source.gpus().get(1)).lost());
    }

    @Test
    void xidArrivesThroughTheEventSetForTheRightGpu() throws Exception {
        fake.fake_set_count(2);
        open();
        assertEquals(0xBL, fake.fake_registered_events(0), "XID|DBE|SBE masked by supported 0xff9f");
        assertEquals(0xBL, fake.fake_registered_events(1));
        CompletableFuture<List<GpuEvent>> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return source.awaitEvents(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(100);
        long pushed = System.nanoTime();
        fake.fake_push_event(1, NvmlEvents.XID_CRITICAL, 79);
        List<GpuEvent> events = waiting.get(5, TimeUnit.SECONDS);
        long waitedMs = (System.nanoTime() - pushed) / 1_000_000;
        assertTrue(waitedMs < 2000, "woke " + waitedMs + " ms after the push");
        assertEquals(List.of(GpuEvent.xid(1, UUID1, 79, CLOCK.millis())), events);
    }

    @Test
    void eccEventsAndQueuedBurstsAreAllReturned() throws Exception {
        fake.fake_set_count(2);
        open();
        fake.fake_push_event(0, NvmlEvents.DOUBLE_BIT_ECC, 0);
        fake.fake_push_event(1, NvmlEvents.SINGLE_BIT_ECC, 0);
        fake.fake_push_event(0, NvmlEvents.XID_CRITICAL, 48);
        List<GpuEvent> events = source.awaitEvents(Duration.ofSeconds(1));
        assertEquals(List.of(new GpuEvent(0, UUID0, GpuEvent.Kind.DOUBLE_BIT_ECC, 0, CLOCK.millis()),
                new GpuEvent(1, UUID1, GpuEvent.Kind.SINGLE_BIT_ECC, 0, CLOCK.millis()),
                GpuEvent.xid(0, UUID0, 48, CLOCK.millis())), events);
    }

    @Test
    void registrationIsMaskedBySupportedTypes() throws Exception {
        fake.fake_set_count(2);
        FakeNvml.set(fake, 0, "events.supported", 0x8); // XID only
        open();
        assertEquals(0x8L, fake.fake_registered_events(0));
        fake.fake_push_event(0, NvmlEvents.DOUBLE_BIT_ECC, 0); // not registered: NVML drops it
        fake.fake_push_event(1, NvmlEvents.DOUBLE_BIT_ECC, 0);
        assertEquals(List.of(new GpuEvent(1, UUID1, GpuEvent.Kind.DOUBLE_BIT_ECC, 0, CLOCK.millis())),
                source.awaitEvents(Duration.ofSeconds(1)));
    }

    @Test
    void quietWaitTimesOutEmpty() throws Exception {
        open();
        long start = System.nanoTime();
        assertEquals(List.of(), source.awaitEvents(Duration.ofMillis(150)));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms >= 100 && ms < 2000, "waited " + ms + " ms");
    }

    @Test
    void failingWaitDoesNotSpin() throws Exception {
        fake.fake_fail("nvmlEventSetWait_v2", NvmlReturn.UNKNOWN);
        open();
        for (int i = 0; i < 2; i++) {
            long start = System.nanoTime();
            assertEquals(List.of(), source.awaitEvents(Duration.ofMillis(150)));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms >= 140, "returned after " + ms + " ms");
        }
    }

    @Test
    void nvlinksAreReadPerLinkUntilTheFirstUnsupportedOne() {
        fake.fake_set_count(2);
        for (int link = 0; link < 4; link++) {
            fake.fake_set_nvlink(0, link, 1, 1);
            fake.fake_set_nvlink(1, link, 1, 0);
        }
        fake.fake_set_nvlink(0, 4, 0, -1);
        fake.fake_set_nvlink_error(0, 2, 0, 5);
        fake.fake_set_nvlink_error(0, 2, 3, 9);
        open();
        GpuReading r = source.read(source.gpus().get(0));
        assertEquals(5, r.nvLinks().size());
        assertEquals(new NvLinkReading(2, true, 5, 0, 0, 9), r.nvLinks().get(2));
        assertEquals(new NvLinkReading(4, false, 0, 0, 0, 0), r.nvLinks().get(4));
        long probes = fake.fake_calls("nvmlDeviceGetNvLinkState");
        assertEquals(6, probes, "links 0..4 plus the first unsupported one");
        source.read(source.gpus().get(0));
        assertEquals(probes + 5, fake.fake_calls("nvmlDeviceGetNvLinkState"), "limit remembered");
    }

    @Test
    void topologyPairsNvlinkGpusAndFallsBackToPcieAncestors() {
        fake.fake_set_count(3);
        for (int link = 0; link < 4; link++) {
            fake.fake_set_nvlink(0, link, 1, 1);
            fake.fake_set_nvlink(1, link, 1, 0);
        }
        fake.fake_set_nvlink(0, 4, 0, 1); // inactive links do not count
        fake.fake_set_topology(0, 2, 20);
        fake.fake_set_topology(1, 2, 50);
        fake.fake_set_topology(0, 1, 30);
        open();
        Topology t = source.topology();
        assertEquals(List.of(new GpuPair(0, 1, PathLevel.NV, 4), new GpuPair(0, 2, PathLevel.PXB, 0),
                new GpuPair(1, 2, PathLevel.SYS, 0)), t.pairs());
        assertEquals(t, source.topology());
    }

    @Test
    void topologyThroughNvSwitches() {
        fake.fake_set_count(2);
        for (int link = 0; link < 3; link++) {
            fake.fake_set_nvlink(0, link, 1, -2);
            fake.fake_set_nvlink(1, link, 1, -2);
        }
        fake.fake_set_nvlink(1, 3, 1, -2);
        open();
        assertEquals(List.of(new GpuPair(0, 1, PathLevel.NV, 3)), source.topology().pairs());
    }

    @Test
    void readSlowConvertsPcieThroughputToBytesPerSecond() {
        open();
        GpuIdentity gpu = source.gpus().get(0);
        GpuReading.Builder b = new GpuReading.Builder(gpu, 1);
        source.readSlow(gpu, b);
        GpuReading r = b.build();
        assertEquals(2370 * 1024.0, r.value(PCIE_TX_BYTES_PER_SECOND));
        assertEquals(1650 * 1024.0, r.value(PCIE_RX_BYTES_PER_SECOND));
        fake.fake_fail("nvmlDeviceGetPcieThroughput", NvmlReturn.NOT_SUPPORTED);
        source.close();
        open();
        b = new GpuReading.Builder(gpu, 1);
        source.readSlow(gpu, b);
        assertEquals("NOT_SUPPORTED", b.build().errors().get(PCIE_RX_BYTES_PER_SECOND));
    }

    @Test
    void initFailureIsAClearError() {
        fake.fake_fail("nvmlInit_v2", 9);
        NvmlLibrary lib = NvmlLibrary.load(FakeNvml.CURRENT.toString());
        NvmlException e = assertThrows(NvmlException.class,
                () -> NvmlGpuSource.open(lib, new NvmlGpuSource.Settings("n", sys, CLOCK)));
        assertEquals(9, e.returnCode());
        assertTrue(e.getMessage().contains("nvmlInit_v2 failed: DRIVER_NOT_LOADED (Driver Not Loaded)"), e.getMessage());
    }

    @Test
    void countFailureShutsNvmlDownAgain() {
        fake.fake_fail("nvmlDeviceGetCount_v2", 18);
        NvmlLibrary lib = NvmlLibrary.load(FakeNvml.CURRENT.toString());
        NvmlException e = assertThrows(NvmlException.class,
                () -> NvmlGpuSource.open(lib, new NvmlGpuSource.Settings("n", sys, CLOCK)));
        assertTrue(e.getMessage().contains("LIB_RM_VERSION_MISMATCH"), e.getMessage());
        assertEquals(0, fake.fake_init_refs());
    }

    @Test
    void missingLibraryIsAClearError() {
        NvmlException e = assertThrows(NvmlException.class, () -> NvmlLibrary.load("/nonexistent/libnvidia-ml.so.1"));
        assertTrue(e.getMessage().contains("cannot load NVML library /nonexistent/libnvidia-ml.so.1"), e.getMessage());
        e = assertThrows(NvmlException.class, () -> NvmlLibrary.load("libnvidia-ml-gpufleet-absent.so.1"));
        assertTrue(e.getMessage().startsWith("cannot load NVML library libnvidia-ml-gpufleet-absent.so.1"),
                e.getMessage());
        assertEquals(-1, e.returnCode());
        e = assertThrows(NvmlException.class, () -> NvmlLibrary.load("libc.so.6"));
        assertTrue(e.getMessage().contains("exports none of [nvmlInit_v2, nvmlInit]"), e.getMessage());
    }

    /** JNA caches libraries by file name too: the driver's soname must never resolve to a loaded fake. */
    @Test
    void sonameLoadNeverPicksUpTheFake() {
        assertTrue(NvmlLibrary.load(FakeNvml.CURRENT.toString()).exports("fake_reset"));
        assertTrue(NvmlLibrary.load(FakeNvml.OLD_DRIVER.toString()).exports("fake_reset"));
        NvmlLibrary system;
        try {
            system = NvmlLibrary.load(NvmlLibrary.DEFAULT_LIBRARY);
        } catch (NvmlException e) {
            assertTrue(e.getMessage().startsWith("cannot load NVML library libnvidia-ml.so.1"), e.getMessage());
            return; // no driver on this host, as expected of a host without the real library
        }
        assertFalse(system.exports("fake_reset"), "the soname load returned the test's fake");
    }

    @Test
    void libraryLocationFromSystemPropertyOrDirectory() {
        String before = System.getProperty(NvmlLibrary.LIBRARY_PROPERTY);
        try {
            System.setProperty(NvmlLibrary.LIBRARY_PROPERTY, FakeNvml.CURRENT.getParent().toString());
            NvmlLibrary lib = NvmlLibrary.load();
            assertEquals(FakeNvml.CURRENT.toString(), lib.location());
            assertTrue(lib.has(NvmlFunction.MEMORY_INFO_V2));
        } finally {
            if (before == null) System.clearProperty(NvmlLibrary.LIBRARY_PROPERTY);
            else System.setProperty(NvmlLibrary.LIBRARY_PROPERTY, before);
        }
    }

    @Test
    void closeFreesTheEventSetAndShutsDown() {
        open();
        assertEquals(1, fake.fake_init_refs());
        assertEquals(0xBL, fake.fake_registered_events(0));
        source.close();
        source.close();
        assertEquals(0, fake.fake_init_refs());
        assertEquals(0L, fake.fake_registered_events(0));
        assertEquals(1, fake.fake_calls("nvmlEventSetFree"));
        GpuIdentity gpu = source.gpus().get(0);
        assertThrows(IllegalStateException.class, () -> source.read(gpu));
        source = null;
    }

    @Test
    void unknownGpuIsRejectedByName() {
        open();
        GpuIdentity stranger = new GpuIdentity("node-a", 5, "GPU-nope", "", "", "", -1, -1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> source.read(stranger));
        assertTrue(e.getMessage().contains("GPU-nope"));
    }

    /** The collector's three threads at once: reads stay consistent, events still arrive. */
    @Test
    void readSlowAndEventsRunConcurrently() throws Exception {
        fake.fake_set_count(2);
        open();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            AtomicInteger xids = new AtomicInteger();
            Future<?> reads = pool.submit(() -> {
                for (int i = 0; i < 500; i++) {
                    for (GpuIdentity g : source.gpus()) {
                        GpuReading r = source.read(g);
                        assertEquals(85520809984.0, r.value(MEMORY_TOTAL_BYTES));
                        assertEquals(36.0, r.value(GPU_TEMPERATURE_CELSIUS));
                    }
                }
            });
            Future<?> slow = pool.submit(() -> {
                for (int i = 0; i < 200; i++) {
                    GpuIdentity g = source.gpus().get(i % 2);
                    GpuReading.Builder b = new GpuReading.Builder(g, 0);
                    source.readSlow(g, b);
                    assertEquals(2370 * 1024.0, b.build().value(PCIE_TX_BYTES_PER_SECOND));
                }
            });
            Future<?> events = pool.submit(() -> {
                while (xids.get() < 20) {
                    try {
                        xids.addAndGet(source.awaitEvents(Duration.ofMillis(200)).size());
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            for (int i = 0; i < 20; i++) fake.fake_push_event(i % 2, NvmlEvents.XID_CRITICAL, 13);
            reads.get(30, TimeUnit.SECONDS);
            slow.get(30, TimeUnit.SECONDS);
            events.get(30, TimeUnit.SECONDS);
            assertEquals(20, xids.get());
        } finally {
            pool.shutdownNow();
        }
    }
}
