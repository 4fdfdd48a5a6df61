package io.gpufleet.exporter.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * The GPU products the simulator knows, with the numbers NVML reports for them (memory as
 * {@code nvidia-smi} shows it, default power limit, clocks, slowdown threshold, PCIe link, NVLink count)
 * and which optional NVML features they have, so that an unsupported field is absent with
 * {@code NOT_SUPPORTED} exactly where a real driver would say so.
 */
public enum GpuModel {
    H100_SXM_80GB("h100-80gb", "NVIDIA H100 80GB HBM3", Arch.HOPPER, 81559, 548, 700, 70, 1980, 345, 2619, 1593,
            89, 5, 16, 18, true, true),
    A100_SXM_80GB("a100-80gb", "NVIDIA A100-SXM4-80GB", Arch.AMPERE, 81920, 570, 400, 55, 1410, 210, 1593, 1593,
            92, 4, 16, 12, true, true),
    A100_PCIE_40GB("a100-40gb", "NVIDIA A100-PCIE-40GB", Arch.AMPERE, 40960, 285, 250, 35, 1410, 210, 1215, 1215,
            92, 4, 16, 0, false, true),
    V100_SXM2_32GB("v100-32gb", "Tesla V100-SXM2-32GB", Arch.VOLTA, 32768, 274, 300, 40, 1530, 135, 877, 877,
            87, 3, 16, 6, false, true),
    V100_PCIE_16GB("v100-16gb", "Tesla V100-PCIE-16GB", Arch.VOLTA, 16384, 223, 250, 30, 1380, 135, 877, 877,
            87, 3, 16, 0, false, true),
    T4_16GB("t4", "Tesla T4", Arch.TURING, 15360, 255, 70, 10, 1590, 300, 5001, 405,
            93, 3, 16, 0, false, false),
    L4_24GB("l4", "NVIDIA L4", Arch.ADA, 23034, 371, 72, 16, 2040, 210, 6251, 405,
            90, 4, 16, 0, false, false);

    /** GPU architecture generation; decides page retirement (Volta, Turing) versus row remapping (Ampere+). */
    public enum Arch { VOLTA, TURING, AMPERE, ADA, HOPPER }

    private static final long MIB = 1024L * 1024L;

    private final String key;
    private final String productName;
    private final Arch arch;
    private final long memoryTotalBytes;
    private final long memoryReservedBytes;
    private final double powerLimitWatts;
    private final double idlePowerWatts;
    private final int maxSmClockMhz;
    private final int idleSmClockMhz;
    private final int maxMemoryClockMhz;
    private final int idleMemoryClockMhz;
    private final int slowdownTemperatureCelsius;
    private final int pcieGeneration;
    private final int pcieWidth;
    private final int nvLinks;
    private final boolean nvSwitch;
    private final boolean hbm;

    GpuModel(String key, String productName, Arch arch, long memoryTotalMib, long reservedMib, double powerLimitWatts,
             double idlePowerWatts, int maxSmClockMhz, int idleSmClockMhz, int maxMemoryClockMhz,
             int idleMemoryClockMhz, int slowdownTemperatureCelsius, int pcieGeneration, int pcieWidth, int nvLinks,
             boolean nvSwitch, boolean hbm) {
        this.key = key;
        this.productName = productName;
        this.arch = arch;
        this.memoryTotalBytes = memoryTotalMib * MIB;
        this.memoryReservedBytes = reservedMib * MIB;
        this.powerLimitWatts = powerLimitWatts;
        this.idlePowerWatts = idlePowerWatts;
        this.maxSmClockMhz = maxSmClockMhz;
        this.idleSmClockMhz = idleSmClockMhz;
        this.maxMemoryClockMhz = maxMemoryClockMhz;
        this.idleMemoryClockMhz = idleMemoryClockMhz;
        this.slowdownTemperatureCelsius = slowdownTemperatureCelsius;
        this.pcieGeneration = pcieGeneration;
        this.pcieWidth = pcieWidth;
        this.nvLinks = nvLinks;
        this.nvSwitch = nvSwitch;
        this.hbm = hbm;
    }

    /** Short name used in config and specs, e.g. {@code h100-80gb}. */
    public String key() {
        return key;
    }

    /** The product name NVML reports ({@code nvmlDeviceGetName}). */
    public String productName() {
        return productName;
    }

    public Arch arch() {
        return arch;
    }

    public long memoryTotalBytes() {
        return memoryTotalBytes;
    }

    /** Memory the driver keeps for itself (nvmlMemory_v2_t reserved). */
    public long memoryReservedBytes() {
        return memoryReservedBytes;
    }

    /** Memory a context-free GPU shows as used (driver bookkeeping). */
    public long baselineUsedBytes() {
        return 4 * MIB;
    }

    /** Memory workloads can hold: total less reserved and baseline. */
    public long usableMemoryBytes() {
        return memoryTotalBytes - memoryReservedBytes - baselineUsedBytes();
    }

    /** Default enforced power limit (TDP). */
    public double powerLimitWatts() {
        return powerLimitWatts;
    }

    public double idlePowerWatts() {
        return idlePowerWatts;
    }

    public int maxSmClockMhz() {
        return maxSmClockMhz;
    }

    public int idleSmClockMhz() {
        return idleSmClockMhz;
    }

    public int maxMemoryClockMhz() {
        return maxMemoryClockMhz;
    }

    public int idleMemoryClockMhz() {
        return idleMemoryClockMhz;
    }

    public int slowdownTemperatureCelsius() {
        return slowdownTemperatureCelsius;
    }

    public int pcieGeneration() {
        return pcieGeneration;
    }

    public int pcieWidth() {
        return pcieWidth;
    }

    /** PCIe bandwidth of the link in one direction, bytes per second (after 128b/130b encoding). */
    public double pcieBytesPerSecond() {
        double perLane = switch (pcieGeneration) {
            case 3 -> 0.985e9;
            case 4 -> 1.969e9;
            case 5 -> 3.938e9;
            default -> 0.5e9;
        };
        return perLane * pcieWidth;
    }

    /** NVLinks per GPU; 0 for PCIe products (NVML answers NOT_SUPPORTED for NVLink queries). */
    public int nvLinks() {
        return nvLinks;
    }

    /** Whether the product sits on an NVSwitch baseboard (HGX / DGX). */
    public boolean nvSwitch() {
        return nvSwitch;
    }

    /** HBM parts report a memory temperature; GDDR parts (T4, L4) do not. */
    public boolean hasMemoryTemperature() {
        return hbm;
    }

    /** Volta and Turing retire pages after ECC errors; Ampere and newer remap rows instead. */
    public boolean retiresPages() {
        return arch == Arch.VOLTA || arch == Arch.TURING;
    }

    public boolean remapsRows() {
        return !retiresPages();
    }

    /** MIG exists on A100 and H100 only. */
    public boolean supportsMig() {
        return this == H100_SXM_80GB || this == A100_SXM_80GB || this == A100_PCIE_40GB;
    }

    /** NVML's recovery-action field needs a Hopper-era driver and GPU. */
    public boolean reportsRecoveryAction() {
        return arch == Arch.HOPPER;
    }

    /**
     * Parses a comma-separated model mix, e.g. {@code h100-80gb,h100-80gb,t4}.
     *
     * @throws InvalidFieldException ({@code models}) naming the unknown entry
     */
    public static List<GpuModel> parseList(String text) {
        List<GpuModel> out = new ArrayList<>();
        if (text != null) {
            for (String part : text.split(",")) {
                if (part.isBlank()) continue;
                try {
                    out.add(parse(part));
                } catch (IllegalArgumentException e) {
                    throw new InvalidFieldException("models", e.getMessage());
                }
            }
        }
        if (out.isEmpty()) throw new InvalidFieldException("models", "must name at least one GPU model");
        return out;
    }

    /**
     * Finds a model by its {@link #key()}, its enum name or its product name, ignoring case.
     *
     * @throws IllegalArgumentException listing the known keys
     */
    public static GpuModel parse(String text) {
        if (text != null) {
            String t = text.trim();
            for (GpuModel m : values()) {
                if (m.key.equalsIgnoreCase(t) || m.name().equalsIgnoreCase(t) || m.productName.equalsIgnoreCase(t)) {
                    return m;
                }
            }
        }
        StringBuilder known = new StringBuilder();
        for (GpuModel m : values()) known.append(known.length() == 0 ? "" : ", ").append(m.key);
        throw new IllegalArgumentException("unknown GPU model '" + text + "' (known: " + known + ")");
    }
}
