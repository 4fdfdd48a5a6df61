package io.gpufleet.autoscaler.replay;

import java.util.Arrays;

/**
 * A request-rate trace: rates at window centres. The rate of second t is the rate at t + 0.5, linearly
 * interpolated between centres and held flat before the first and after the last (AUTOSCALER.md).
 *
 * @param name     label for reports
 * @param centres  window centres in seconds from the trace start, strictly increasing
 * @param rates    requests/s at each centre
 * @param duration replay length in seconds (end of the last window)
 */
public record RateTrace(String name, double[] centres, double[] rates, int duration) {
    public RateTrace {
        if (centres.length == 0 || centres.length != rates.length) {
            throw new IllegalArgumentException("trace " + name + ": need as many rates as centres, at least one");
        }
        for (int i = 1; i < centres.length; i++) {
            if (!(centres[i] > centres[i - 1])) {
                throw new IllegalArgumentException("trace " + name + ": window centres must increase (row " + i + ")");
            }
        }
        if (duration <= 0) throw new IllegalArgumentException("trace " + name + ": duration must be positive");
    }

    /** λ(t) for every second of the replay. */
    public double[] perSecond() {
        double[] out = new double[duration];
        int j = 0;
        for (int t = 0; t < duration; t++) {
            double x = t + 0.5;
            while (j < centres.length && centres[j] <= x) j++;
            if (j == 0) {
                out[t] = rates[0];
            } else if (j == centres.length) {
                out[t] = rates[centres.length - 1];
            } else {
                double x0 = centres[j - 1];
                double x1 = centres[j];
                out[t] = rates[j - 1] + (rates[j] - rates[j - 1]) * (x - x0) / (x1 - x0);
            }
        }
        return out;
    }

    /** The same trace with every rate multiplied so the mean of λ over the replay is {@code mean}. */
    public RateTrace scaledToMean(double mean) {
        double[] l = perSecond();
        double sum = 0;
        for (double v : l) sum += v;
        double factor = mean / (sum / l.length);
        double[] r = Arrays.copyOf(rates, rates.length);
        for (int i = 0; i < r.length; i++) r[i] *= factor;
        return new RateTrace(name, centres, r, duration);
    }

    /** The first {@code seconds} of the trace. */
    public RateTrace head(int seconds) {
        return new RateTrace(name, centres, rates, Math.min(duration, seconds));
    }
}
