package io.gpufleet.autoscaler.training;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The reference's simple elastic rule (AUTOSCALER.md): admit in submission order once ceil(g/2) GPUs are free
 * or can be freed by shrinking, shrinking the jobs with the highest w/g first; start a job with up to g
 * workers; grow only while no job waits, longest remaining work first, only jobs with more than 1 h left
 * and no resize in the last 30 min, up to 2g.
 */
public final class SimpleElasticRule implements ResizePolicy {
    @Override
    public Map<Integer, Integer> plan(double now, List<RunningJob> running, List<TrainingJob> waiting, int free) {
        Map<Integer, Integer> size = new HashMap<>();
        Map<Integer, RunningJob> byId = new HashMap<>();
        for (RunningJob r : running) {
            size.put(r.job().id(), r.workers());
            byId.put(r.job().id(), r);
        }
        Map<Integer, Integer> out = new HashMap<>();
        boolean someoneWaits = false;
        for (TrainingJob j : waiting) {
            int need = j.minWorkers();
            if (free < need) {
                int shrinkable = 0;
                for (Map.Entry<Integer, Integer> e : size.entrySet()) {
                    shrinkable += e.getValue() - byId.get(e.getKey()).job().minWorkers();
                }
                if (free + shrinkable < need) {
                    someoneWaits = true;
                    continue;
                }
                List<RunningJob> order = new ArrayList<>(running);
                order.sort(Comparator.comparingDouble((RunningJob r) -> -(double) size.get(r.job().id()) / r.job().gpus()));
                for (RunningJob r : order) {
                    if (free >= need) break;
                    int id = r.job().id();
                    int take = Math.min(size.get(id) - r.job().minWorkers(), need - free);
                    if (take <= 0) continue;
                    size.put(id, size.get(id) - take);
                    out.put(id, size.get(id));
                    free += take;
                }
            }
            int wStart = Math.max(need, Math.min(j.gpus(), free));
            out.put(j.id(), wStart);
            free -= wStart;
        }
        if (!someoneWaits && free > 0) {
            List<RunningJob> order = new ArrayList<>(running);
            order.sort(Comparator.comparingDouble((RunningJob r) -> -r.remainingSeconds()));
            for (RunningJob r : order) {
                if (free <= 0) break;
                int id = r.job().id();
                if (r.remainingSeconds() <= 3600 || now - r.lastResize() < 1800 || out.containsKey(id)) continue;
                int add = Math.min(free, r.job().maxWorkers() - size.get(id));
                if (add <= 0) continue;
                out.put(id, size.get(id) + add);
                free -= add;
            }
        }
        return out;
    }
}
