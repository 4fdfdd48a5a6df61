package io.gpufleet.exporter.nvml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PciBusIdTest {
    @Test
    void nvmlAndLegacyFormsAreTheSameDevice() {
        PciBusId extended = PciBusId.parse("00000000:17:00.0");
        PciBusId legacy = PciBusId.parse("0000:17:00.0");
        assertEquals(extended, legacy);
        assertEquals("00000000:17:00.0", legacy.nvmlForm());
        assertEquals("0000:17:00.0", extended.sysfsForm());
        assertEquals("0000:c1:1f.7", PciBusId.parse("00000000:C1:1F.7").sysfsForm());
        assertEquals("10000:01:00.0", PciBusId.parse("00010000:01:00.0").sysfsForm(), "VMD domains keep 5 digits");
    }

    @Test
    void roundTripsRandomAddresses() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < 2000; i++) {
            PciBusId id = new PciBusId(rnd.nextLong(0x1_0000_0000L), rnd.nextInt(256), rnd.nextInt(32), rnd.nextInt(8));
            assertEquals(id, PciBusId.parse(id.nvmlForm()));
            assertEquals(id, PciBusId.parse(id.sysfsForm()));
            assertEquals(id, PciBusId.parse(id.nvmlForm().toLowerCase()));
        }
    }

    @Test
    void badInputNamesTheText() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PciBusId.parse("GPU-17"));
        assertTrue(e.getMessage().contains("'GPU-17'"));
        assertThrows(IllegalArgumentException.class, () -> PciBusId.parse(""));
        assertThrows(IllegalArgumentException.class, () -> PciBusId.parse("0000:17:00.8"));
        assertThrows(IllegalArgumentException.class, () -> new PciBusId(0, 256, 0, 0));
    }

    @Test
    void numaNodeFromSysfs(@TempDir Path sys) throws Exception {
        Path dev = Files.createDirectories(sys.resolve("bus/pci/devices/0000:3b:00.0"));
        Files.writeString(dev.resolve("numa_node"), "1\n");
        assertEquals(1, PciBusId.parse("00000000:3B:00.0").numaNode(sys));
        Files.writeString(dev.resolve("numa_node"), "-1\n");
        assertEquals(-1, PciBusId.parse("00000000:3B:00.0").numaNode(sys));
        Files.writeString(dev.resolve("numa_node"), "garbage");
        assertEquals(-1, PciBusId.parse("00000000:3B:00.0").numaNode(sys));
        assertEquals(-1, PciBusId.parse("00000000:99:00.0").numaNode(sys), "no such device");
    }
}
