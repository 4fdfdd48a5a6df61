package io.gpufleet.autoscaler.replay;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class InferenceBenchmarkTest {
    static Optional<Path> shared(String rel) {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path p = d.resolve("shared").resolve(rel);
            if (Files.exists(p)) return Optional.of(p);
        }
        return Optional.empty();
    }

    @Test
    void syntheticDailyWaveOrdersThePolicies() {
        // two days of a daily wave 60..300 rps with 10-min windows
        int windows = 2 * 144;
        double[] centres = new double[windows];
        double[] rates = new double[windows];
        for (int i = 0; i < windows; i++) {
            centres[i] = i * 600 + 300;
            rates[i] = 180 - 120 * Math.cos(2 * Math.PI * i / 144.0);
        }
        RateTrace tr = new RateTrace("wave", centres, rates, windows * 600);
        List<String> progress = new ArrayList<>();
        List<ReplayResult> r = InferenceBenchmark.run(tr, List.of(42L, 43L), InferenceBenchmark.standardPolicies(tr.perSecond()), progress::add);
        assertEquals(6, progress.size());
        ReplayResult peak = r.get(0), hpa = r.get(1), gp = r.get(2);
        assertEquals("static-peak", peak.policy());
        assertEquals(30 * 48.0, peak.gpuHours(), 1e-9, "ceil(300 / 10) replicas for 48 h");
        assertTrue(hpa.gpuHours() < 0.95 * peak.gpuHours(), "hpa follows the wave (mean 180 vs peak 300 at 70 % target)");
        assertTrue(gp.gpuHours() < hpa.gpuHours(), () -> "gpufleet " + gp + " vs hpa " + hpa);
        assertTrue(gp.violationPct() < 0.01, () -> "a smooth wave is forecastable: " + gp);
        // 30-s average / 7 per replica: hpa keeps about λ / 7 replicas, i.e. ≥ 1.3 × the λ-hours
        double lambdaHours = 0;
        for (double l : tr.perSecond()) lambdaHours += l / 10 / 3600;
        assertTrue(hpa.gpuHours() > 1.3 * lambdaHours && hpa.gpuHours() < 1.6 * lambdaHours, hpa::toString);
    }

    @Test
    void realServegenSliceReproducesStaticPeakAndRunsFast() throws Exception {
        Optional<Path> p = shared("traces/servegen-llm/agg_10min_m-large.csv");
        assumeTrue(p.isPresent(), "shared/traces not found above the working directory");
        RateTrace tr = TraceReader.read(p.get());
        assertEquals(1_209_600, tr.duration());
        // the whole trace's static-peak: ceil(583.0 / 10) = 59 replicas × 336 h = 19 824 GPU-h (reference figure)
        assertEquals(59, InferenceBenchmark.staticPeakReplicas(tr.perSecond()));
        assertEquals(31, InferenceBenchmark.initialReplicas(tr.perSecond()));
        RateTrace day = tr.head(86_400);
        List<ReplayResult> r = InferenceBenchmark.run(day, List.of(42L), InferenceBenchmark.standardPolicies(day.perSecond()), s -> { });
        assertTrue(r.get(1).gpuHours() < r.get(0).gpuHours());
        assertTrue(r.get(2).gpuHours() < r.get(1).gpuHours(), r::toString);
    }
}
