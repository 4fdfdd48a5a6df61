package io.gpufleet.analytics.testing;

import io.gpufleet.analytics.decode.GpuSample;
import io.gpufleet.analytics.decode.PodShare;

/** Crafted samples for detector tests: a healthy idle-free GPU unless told otherwise. */
public final class SampleBuilder {
    private String node = "node-a";
    private int gpu;
    private String uuid;
    private long time;
    private double util = 0.8, memUsed = 10L << 30, memTotal = 80L << 30, temp = 60, power = 300, powerLimit = 700;
    private long clock = 0;
    private double dbe = 0, sbe = 0;
    private int remapFail = 0, health = 0;
    private long lastXid;
    private long[] xids;
    private PodShare[] pods = {new PodShare("team-a", "train-abcde", "c", -1, 0, 0)};
    private double throughput = Double.NaN;

    public static SampleBuilder at(long time) {
        SampleBuilder b = new SampleBuilder();
        b.time = time;
        return b;
    }

    public SampleBuilder node(String n) { node = n; return this; }
    public SampleBuilder gpu(int g) { gpu = g; return this; }
    public SampleBuilder util(double u) { util = u; return this; }
    public SampleBuilder memUsed(double m) { memUsed = m; return this; }
    public SampleBuilder clock(long bits) { clock = bits; return this; }
    public SampleBuilder dbe(double v) { dbe = v; return this; }
    public SampleBuilder sbe(double v) { sbe = v; return this; }
    public SampleBuilder remapFailure(int v) { remapFail = v; return this; }
    public SampleBuilder health(int v) { health = v; return this; }
    public SampleBuilder lastXid(long v) { lastXid = v; return this; }
    public SampleBuilder xids(long... pairs) { xids = pairs; return this; }
    public SampleBuilder pods(PodShare... p) { pods = p; return this; }
    public SampleBuilder throughput(double t) { throughput = t; return this; }

    public GpuSample build() {
        return new GpuSample(node, gpu, uuid != null ? uuid : "GPU-" + node + "-" + gpu, "H100", time, util, memUsed,
                memTotal, temp, power, powerLimit, clock, dbe, sbe, 0, remapFail, health, lastXid, xids, pods,
                throughput);
    }
}
