package io.gpufleet.autoscaler.replay;

/** A {@link ReplayView} over fixed per-second arrivals (no queue, no replicas), with the present set by the test. */
final class ArrayView implements ReplayView {
    private final int[] arrivals;
    private final long[] cum;
    int now;

    ArrayView(int[] arrivals) {
        this.arrivals = arrivals;
        this.cum = new long[arrivals.length + 1];
        for (int i = 0; i < arrivals.length; i++) cum[i + 1] = cum[i] + arrivals[i];
    }

    ArrayView at(int second) {
        now = second;
        return this;
    }

    @Override public int now() { return now; }
    @Override public int arrivals(int s) { return arrivals[s]; }
    @Override public long queue(int s) { return 0; }

    @Override
    public double meanArrivals(int from, int to) {
        int a = Math.max(0, from);
        int b = Math.min(now, to);
        return b < a ? 0 : (cum[b + 1] - cum[a]) / (double) (b - a + 1);
    }

    @Override public int ready() { return 0; }
    @Override public int starting() { return 0; }
    @Override public int capacityPerReplica() { return 10; }
    @Override public int coldStartSeconds() { return 120; }
}
