package io.gpufleet.exporter.source;

import java.util.ArrayList;
import java.util.List;

/** NVML clock-event (throttle) reason bits, with the names gpufleet exposes. */
public enum ClockEventReason {
    GPU_IDLE(0x1L, "gpu_idle"),
    APPLICATIONS_CLOCKS_SETTING(0x2L, "applications_clocks_setting"),
    SW_POWER_CAP(0x4L, "sw_power_cap"),
    HW_SLOWDOWN(0x8L, "hw_slowdown"),
    SYNC_BOOST(0x10L, "sync_boost"),
    SW_THERMAL_SLOWDOWN(0x20L, "sw_thermal_slowdown"),
    HW_THERMAL_SLOWDOWN(0x40L, "hw_thermal_slowdown"),
    HW_POWER_BRAKE_SLOWDOWN(0x80L, "hw_power_brake_slowdown"),
    DISPLAY_CLOCK_SETTING(0x100L, "display_clock_setting");

    private final long mask;
    private final String label;

    ClockEventReason(long mask, String label) {
        this.mask = mask;
        this.label = label;
    }

    public long mask() {
        return mask;
    }

    /** The value of the {@code reason} label. */
    public String label() {
        return label;
    }

    public boolean isSet(long bits) {
        return (bits & mask) != 0;
    }

    /** The reasons whose bits are set, in declaration order. */
    public static List<ClockEventReason> decode(long bits) {
        List<ClockEventReason> out = new ArrayList<>();
        for (ClockEventReason r : values()) {
            if (r.isSet(bits)) out.add(r);
        }
        return out;
    }

    /** Hardware slowdowns that signal a real problem; software caps are normal under load. */
    public boolean actionable() {
        return this == HW_SLOWDOWN || this == HW_THERMAL_SLOWDOWN || this == HW_POWER_BRAKE_SLOWDOWN;
    }
}
