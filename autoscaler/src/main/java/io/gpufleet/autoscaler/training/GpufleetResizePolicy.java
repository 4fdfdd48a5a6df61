package io.gpufleet.autoscaler.training;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * gpufleet's elastic training policy. Mean completion time is dominated by the many small jobs and the
 * queue; sublinear scaling makes small allocations the most GPU-efficient under load and large ones free
 * speed when GPUs idle. So:
 * <ul>
 *   <li><b>Admit</b> in submission order (skipping a job that cannot fit even after shrinking, as rigid
 *       backfill does) at ceil(g/2) or more.</li>
 *   <li><b>Start large</b>: a job starts with up to 2g workers from GPUs no waiting job needs. A start is
 *       not a resize, so idle GPUs are used without paying the 60-s pause.</li>
 *   <li><b>Wait rather than shrink</b> when running jobs free enough GPUs within 10 minutes.</li>
 *   <li><b>Shrink in batches</b>: the jobs with the largest surplus above their minimum first, each taking
 *       enough for the jobs waiting behind too, so few jobs are resized and each once.</li>
 *   <li><b>Grow</b> only while no job waits: shortest remaining time first (what lowers the mean), only
 *       jobs with more than 1 h left and no resize in the last 30 minutes, straight to 2g.</li>
 * </ul>
 * A job's resize is one decision for its whole gang: the plan gives each job one new worker count.
 */
public final class GpufleetResizePolicy implements ResizePolicy {
    /**
     * Tunables.
     *
     * @param startLarge          start jobs with up to 2g workers from GPUs nobody waits for (else up to g)
     * @param waitForFreeSeconds  wait instead of shrinking when jobs finishing within this free enough GPUs
     * @param growMinRemaining    grow only jobs with more than this many seconds left
     * @param growCooldown        grow only jobs not resized within this many seconds
     * @param growShortestFirst   grow the shortest remaining first (else the longest)
     */
    public record Config(boolean startLarge, double waitForFreeSeconds, double growMinRemaining, double growCooldown,
                         boolean growShortestFirst) {}

    /** The configuration measured in the README. */
    public static final Config DEFAULT = new Config(true, 600, 3600, 1800, true);

    private final Config cfg;

    public GpufleetResizePolicy() {
        this(DEFAULT);
    }

    public GpufleetResizePolicy(Config cfg) {
        this.cfg = cfg;
    }

    @Override
    public Map<Integer, Integer> plan(double now, List<RunningJob> running, List<TrainingJob> waiting, int free) {
        Map<Integer, Integer> size = new HashMap<>();
        for (RunningJob r : running) size.put(r.job().id(), r.workers());
        Map<Integer, Integer> out = new HashMap<>();
        // GPUs that running jobs release within the wait horizon: a waiting job may wait for them instead of shrinking others
        int soonFree = 0;
        for (RunningJob r : running) if (r.remainingSeconds() < cfg.waitForFreeSeconds()) soonFree += r.workers();
        boolean someoneWaits = false;
        int minsBehind = 0;
        for (TrainingJob j : waiting) minsBehind += j.minWorkers();
        for (TrainingJob j : waiting) {
            int need = j.minWorkers();
            minsBehind -= need;
            if (free < need) {
                if (free + soonFree >= need) {
                    someoneWaits = true;
                    soonFree -= need - free;
                    continue;
                }
                int shrinkable = 0;
                for (RunningJob r : running) shrinkable += size.get(r.job().id()) - r.job().minWorkers();
                if (free + shrinkable < need) {
                    someoneWaits = true;
                    continue;
                }
                // fewest jobs resized: largest surplus first
                List<RunningJob> order = new ArrayList<>(running);
                order.sort(Comparator.comparingInt((RunningJob r) -> -(size.get(r.job().id()) - r.job().minWorkers())));
                for (RunningJob r : order) {
                    if (free >= need) break;
                    int id = r.job().id();
                    int surplus = size.get(id) - r.job().minWorkers();
                    if (surplus <= 0) continue;
                    // take what this and the jobs still waiting behind need, so the job is resized once
                    int take = Math.min(surplus, Math.max(need - free, Math.min(surplus, need - free + minsBehind)));
                    size.put(id, size.get(id) - take);
                    out.put(id, size.get(id));
                    free += take;
                }
            }
            int wStart = cfg.startLarge()
                    ? Math.max(need, Math.min(j.maxWorkers(), free - minsBehind))
                    : Math.max(need, Math.min(j.gpus(), free));
            wStart = Math.min(wStart, free);
            out.put(j.id(), wStart);
            free -= wStart;
        }
        if (!someoneWaits && free > 0) {
            List<RunningJob> order = new ArrayList<>(running);
            order.sort(Comparator.comparingDouble((RunningJob r) -> cfg.growShortestFirst() ? r.remainingSeconds() : -r.remainingSeconds()));
            for (RunningJob r : order) {
                if (free <= 0) break;
                int id = r.job().id();
                if (r.remainingSeconds() <= cfg.growMinRemaining() || now - r.lastResize() < cfg.growCooldown() || out.containsKey(id)) continue;
                int add = Math.min(free, r.job().maxWorkers() - size.get(id));
                if (add <= 0) continue;
                out.put(id, size.get(id) + add);
                free -= add;
            }
        }
        return out;
    }
}
