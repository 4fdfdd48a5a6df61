package io.gpufleet.autoscaler.hpa;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What HPA remembers between syncs of one target: recommendations (for stabilization windows) and scale
 * events (for rate-limiting policies). Immutable; each decision returns the next state.
 */
public record HpaState(List<Recommendation> recommendations, List<ScaleEvent> scaleUps, List<ScaleEvent> scaleDowns) {
    /** A recommendation recorded at a sync. */
    public record Recommendation(int replicas, Instant at) {}

    /** A change of the replica count by {@code change} (positive) at an instant. */
    public record ScaleEvent(int change, Instant at) {}

    public HpaState {
        recommendations = List.copyOf(recommendations);
        scaleUps = List.copyOf(scaleUps);
        scaleDowns = List.copyOf(scaleDowns);
    }

    /** A fresh controller. */
    public static HpaState empty() {
        return new HpaState(List.of(), List.of(), List.of());
    }

    /** Adds a recommendation, dropping those older than {@code keepSeconds} (the longest window). */
    HpaState record(int replicas, Instant now, long keepSeconds) {
        List<Recommendation> r = new ArrayList<>(recommendations.size() + 1);
        Instant cutoff = now.minusSeconds(keepSeconds);
        for (Recommendation x : recommendations) {
            if (x.at().isAfter(cutoff)) r.add(x);
        }
        r.add(new Recommendation(replicas, now));
        return new HpaState(r, scaleUps, scaleDowns);
    }

    /** Adds a scale event, dropping events older than {@code keepSeconds} (the longest policy period). */
    HpaState scaled(int from, int to, Instant now, long keepSeconds) {
        if (from == to) return this;
        Instant cutoff = now.minusSeconds(keepSeconds);
        List<ScaleEvent> up = new ArrayList<>();
        for (ScaleEvent e : scaleUps) if (e.at().isAfter(cutoff)) up.add(e);
        List<ScaleEvent> down = new ArrayList<>();
        for (ScaleEvent e : scaleDowns) if (e.at().isAfter(cutoff)) down.add(e);
        if (to > from) up.add(new ScaleEvent(to - from, now));
        else down.add(new ScaleEvent(from - to, now));
        return new HpaState(recommendations, up, down);
    }
}
