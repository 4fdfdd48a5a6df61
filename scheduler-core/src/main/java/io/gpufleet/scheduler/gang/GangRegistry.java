package io.gpufleet.scheduler.gang;

import io.gpufleet.scheduler.model.PodGroup;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Gang bookkeeping, independent of the framework: the declared pod groups, the member pods known for each, and
 * which members currently hold a reservation (waiting at Permit or bound).
 */
public final class GangRegistry {
    private final Map<String, PodGroup> groups = new HashMap<>();
    private final Map<String, Set<String>> members = new HashMap<>();
    private final Map<String, Set<String>> reserved = new HashMap<>();

    /** Declares (or re-declares with the same spec) a group. */
    public void define(PodGroup g) {
        PodGroup old = groups.get(g.name());
        if (old != null && !old.equals(g)) throw new IllegalArgumentException("podGroup " + g.name() + " is already defined as " + old);
        groups.put(g.name(), g);
    }

    public PodGroup group(String name) {
        return groups.get(name);
    }

    /** Records that {@code pod} belongs to {@code group}. */
    public void addMember(String group, String pod) {
        members.computeIfAbsent(group, k -> new LinkedHashSet<>()).add(pod);
    }

    /** Forgets a member (the pod was deleted). */
    public void removeMember(String group, String pod) {
        Set<String> s = members.get(group);
        if (s != null) s.remove(pod);
        Set<String> r = reserved.get(group);
        if (r != null) r.remove(pod);
    }

    public int knownMembers(String group) {
        Set<String> s = members.get(group);
        return s == null ? 0 : s.size();
    }

    public void reserved(String group, String pod) {
        reserved.computeIfAbsent(group, k -> new LinkedHashSet<>()).add(pod);
    }

    public void unreserved(String group, String pod) {
        Set<String> s = reserved.get(group);
        if (s != null) s.remove(pod);
    }

    /** Members holding a reservation (waiting or bound). */
    public Set<String> reservedMembers(String group) {
        Set<String> s = reserved.get(group);
        return s == null ? Set.of() : Collections.unmodifiableSet(s);
    }
}
