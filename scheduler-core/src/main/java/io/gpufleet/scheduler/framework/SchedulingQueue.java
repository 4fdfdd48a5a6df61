package io.gpufleet.scheduler.framework;

import io.gpufleet.scheduler.model.Request;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Pending work, one sub-queue per quota group (priority, then arrival, inside each). {@link #poll} compares the
 * heads of the sub-queues with the profile's {@link QueueSortPlugin}: O(groups) per pop. Members of a gang join
 * their gang's unit.
 */
final class SchedulingQueue {
    private static final Comparator<QueuedUnit> IN_GROUP =
            Comparator.comparingInt(QueuedUnit::priority).reversed().thenComparingLong(QueuedUnit::seq);

    private final Map<String, PriorityQueue<QueuedUnit>> byGroup = new LinkedHashMap<>();
    private final Map<String, QueuedUnit> gangUnits = new HashMap<>();
    private final QueueSortPlugin sort;
    private long seq;
    private int size;

    SchedulingQueue(QueueSortPlugin sort) {
        this.sort = sort;
    }

    void add(Request r, Instant now) {
        if (r.podGroup() != null) {
            QueuedUnit u = gangUnits.get(r.podGroup());
            if (u != null) {
                u.add(r);
                return;
            }
        }
        QueuedUnit u = new QueuedUnit(r, seq++, now);
        if (r.podGroup() != null) gangUnits.put(r.podGroup(), u);
        push(u);
    }

    /** Queued pods per quota group ("" for pods without one). */
    Map<String, Integer> podsByGroup() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (Map.Entry<String, PriorityQueue<QueuedUnit>> e : byGroup.entrySet()) {
            int n = 0;
            for (QueuedUnit u : e.getValue()) n += u.pods().size();
            if (n > 0) out.put(e.getKey(), n);
        }
        return out;
    }

    /** When the gang queued longest was first queued, or {@code null} when no gang is queued. */
    Instant oldestGang() {
        Instant oldest = null;
        for (QueuedUnit u : gangUnits.values()) if (oldest == null || u.firstQueued().isBefore(oldest)) oldest = u.firstQueued();
        return oldest;
    }

    /** Makes every unit ready now (a cluster event that may let backed-off work fit, as kube-scheduler does). */
    void readyAll(Instant now) {
        for (PriorityQueue<QueuedUnit> q : byGroup.values()) {
            for (QueuedUnit u : q) if (u.notBefore.isAfter(now)) u.notBefore = now;
        }
    }

    void push(QueuedUnit u) {
        byGroup.computeIfAbsent(u.quotaGroup(), k -> new PriorityQueue<>(IN_GROUP)).add(u);
        if (u.podGroup() != null) gangUnits.put(u.podGroup(), u);
        size++;
    }

    /** Removes and returns the next unit whose back-off has passed, or {@code null}. */
    QueuedUnit poll(Instant now) {
        QueuedUnit best = null;
        PriorityQueue<QueuedUnit> bestQ = null;
        for (PriorityQueue<QueuedUnit> q : byGroup.values()) {
            QueuedUnit head = firstReady(q, now);
            if (head == null) continue;
            if (best == null || sort.compare(head, best) < 0) {
                best = head;
                bestQ = q;
            }
        }
        if (best == null) return null;
        bestQ.remove(best);
        if (best.podGroup() != null) gangUnits.remove(best.podGroup());
        size--;
        return best;
    }

    private static QueuedUnit firstReady(PriorityQueue<QueuedUnit> q, Instant now) {
        QueuedUnit head = q.peek();
        if (head == null) return null;
        if (!head.notBefore.isAfter(now)) return head;
        // Back-off is rare; a linear look for a ready unit is fine.
        QueuedUnit best = null;
        for (QueuedUnit u : q) {
            if (!u.notBefore.isAfter(now) && (best == null || IN_GROUP.compare(u, best) < 0)) best = u;
        }
        return best;
    }

    /** Drops a pod that was deleted while queued. */
    boolean remove(String pod) {
        for (PriorityQueue<QueuedUnit> q : byGroup.values()) {
            for (QueuedUnit u : new ArrayList<>(q)) {
                if (u.pods().stream().anyMatch(r -> r.name().equals(pod))) {
                    q.remove(u);
                    size--;
                    List<Request> rest = new ArrayList<>(u.pods());
                    rest.removeIf(r -> r.name().equals(pod));
                    if (u.podGroup() != null) gangUnits.remove(u.podGroup());
                    if (!rest.isEmpty()) {
                        QueuedUnit nu = new QueuedUnit(rest.get(0), u.seq(), u.firstQueued());
                        for (int i = 1; i < rest.size(); i++) nu.add(rest.get(i));
                        nu.notBefore = u.notBefore;
                        nu.attempts = u.attempts;
                        push(nu);
                    }
                    return true;
                }
            }
        }
        return false;
    }

    boolean containsGang(String podGroup) {
        return gangUnits.containsKey(podGroup);
    }

    int size() {
        return size;
    }
}
