package io.gpufleet.autoscaler.replay;

/**
 * The inference replay of AUTOSCALER.md on a simulated clock. Inside second t: (1) replicas whose cold start
 * ends become ready; (2) the second's arrivals join one FIFO queue; (3) ready × C requests leave it; (4)
 * arrivals and queue length are recorded; (5) at a sync the policy acts. A replica requested at the end of t
 * is billed from t + 1 and serves from t + 1 + S; a removed one stops being billed at t + 1; a scale-down
 * removes starting replicas first (newest first), then ready ones. A request arriving in a and leaving in d
 * violates the SLO when d − a > 2, counted in its arrival minute.
 */
public final class InferenceReplay {
    /** Requests per second one replica serves. */
    public static final int CAPACITY = 10;
    /** Cold start, seconds. */
    public static final int COLD_START = 120;
    /** Longest acceptable wait, seconds (d − a). */
    public static final int SLO_SECONDS = 2;
    public static final int MIN_REPLICAS = 1;
    public static final int MAX_REPLICAS = 1000;

    private InferenceReplay() {
    }

    /** Runs one policy over pre-drawn arrivals, starting with {@code initialReady} ready replicas. */
    public static ReplayResult run(String name, int[] arrivals, InferencePolicy policy, int initialReady) {
        return new Run(arrivals, policy, initialReady).execute(name);
    }

    private static final class Run implements ReplayView {
        final int[] arr;
        final int horizon;
        final InferencePolicy policy;
        final long[] cum;
        final long[] queueAt;
        final int[] rem;
        int t;
        int ready;
        int starting;
        // starting batches, oldest first: ready time and count
        int[] batchAt = new int[64];
        int[] batchCount = new int[64];
        int bh;
        int bt;

        Run(int[] arrivals, InferencePolicy policy, int initialReady) {
            this.arr = arrivals;
            this.horizon = arrivals.length;
            this.policy = policy;
            this.cum = new long[horizon + 1];
            this.queueAt = new long[horizon];
            this.rem = new int[horizon];
            this.ready = Math.max(MIN_REPLICAS, Math.min(MAX_REPLICAS, initialReady));
        }

        ReplayResult execute(String name) {
            int period = policy.periodSeconds();
            if (period <= 0) throw new IllegalArgumentException("policy " + name + ": period must be positive");
            long billed = 0;
            long served = 0;
            long violations = 0;
            long actions = 0;
            long coldStarts = 0;
            boolean[] violMinute = new boolean[horizon / 60 + 1];
            long queueLen = 0;
            int qh = 0;
            for (t = 0; t < horizon; t++) {
                while (bh < bt && batchAt[bh] <= t) {
                    ready += batchCount[bh];
                    starting -= batchCount[bh];
                    bh++;
                }
                billed += ready + starting;
                rem[t] = arr[t];
                queueLen += arr[t];
                long cap = (long) ready * CAPACITY;
                while (cap > 0 && qh <= t) {
                    if (rem[qh] == 0) {
                        qh++;
                        continue;
                    }
                    int take = (int) Math.min(rem[qh], cap);
                    if (t - qh > SLO_SECONDS) {
                        violations += take;
                        violMinute[qh / 60] = true;
                    }
                    served += take;
                    rem[qh] -= take;
                    cap -= take;
                    queueLen -= take;
                }
                cum[t + 1] = cum[t] + arr[t];
                queueAt[t] = queueLen;
                if ((t + 1) % period == 0) {
                    int current = ready + starting;
                    int desired = Math.max(MIN_REPLICAS, Math.min(MAX_REPLICAS, policy.decide(this)));
                    if (desired > current) {
                        addBatch(t + 1 + COLD_START, desired - current);
                        coldStarts += desired - current;
                        actions++;
                    } else if (desired < current) {
                        remove(current - desired);
                        actions++;
                    }
                }
            }
            int minutes = 0;
            for (boolean b : violMinute) if (b) minutes++;
            return new ReplayResult(name, billed / 3600.0, served, violations, minutes, actions, coldStarts);
        }

        private void addBatch(int at, int n) {
            if (bt == batchAt.length) {
                // compact, then grow if still full
                int live = bt - bh;
                if (bh > batchAt.length / 2) {
                    System.arraycopy(batchAt, bh, batchAt, 0, live);
                    System.arraycopy(batchCount, bh, batchCount, 0, live);
                } else {
                    batchAt = java.util.Arrays.copyOfRange(batchAt, bh, batchAt.length * 2 + bh);
                    batchCount = java.util.Arrays.copyOfRange(batchCount, bh, batchCount.length * 2 + bh);
                }
                bh = 0;
                bt = live;
            }
            batchAt[bt] = at;
            batchCount[bt] = n;
            bt++;
            starting += n;
        }

        private void remove(int n) {
            while (n > 0 && bt > bh) {
                int k = Math.min(n, batchCount[bt - 1]);
                batchCount[bt - 1] -= k;
                starting -= k;
                n -= k;
                if (batchCount[bt - 1] == 0) bt--;
            }
            ready -= n;
        }

        private void check(int s) {
            if (s > t || s < 0) throw new IllegalArgumentException("second " + s + " is not in the past (now " + t + ")");
        }

        @Override public int now() { return t; }
        @Override public int arrivals(int s) { check(s); return arr[s]; }
        @Override public long queue(int s) { check(s); return queueAt[s]; }

        @Override
        public double meanArrivals(int from, int to) {
            int a = Math.max(0, from);
            int b = Math.min(t, to);
            if (b < a) return 0;
            return (cum[b + 1] - cum[a]) / (double) (b - a + 1);
        }

        @Override public int ready() { return ready; }
        @Override public int starting() { return starting; }
        @Override public int capacityPerReplica() { return CAPACITY; }
        @Override public int coldStartSeconds() { return COLD_START; }
    }
}
