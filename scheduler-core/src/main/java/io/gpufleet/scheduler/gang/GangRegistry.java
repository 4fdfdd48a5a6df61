package io.gpufleet.scheduler.gang;

import io.gpufleet.scheduler.model.PodGroup;
import io.gpufleet.scheduler.model.Request;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Gang bookkeeping, independent of the framework: the declared pod groups, the member pods known for each, and
 * which members currently hold a reservation (waiting at Permit or bound). A member is known by name as soon as
 * its pod exists; its request is known once it reached the scheduler, which is what gang reclaim plans with.
 */
public final class GangRegistry {
    private final Map<String, PodGroup> groups = new HashMap<>();
    private final Map<String, Map<String, Request>> members = new HashMap<>();
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

    /** Records that {@code pod} belongs to {@code group} (its request not known yet). */
    public void addMember(String group, String pod) {
        members.computeIfAbsent(group, k -> new LinkedHashMap<>()).putIfAbsent(pod, null);
    }

    /** Records a member with its request. */
    public void addMember(String group, Request pod) {
        members.computeIfAbsent(group, k -> new LinkedHashMap<>()).put(pod.name(), pod);
    }

    /** Forgets a member (the pod was deleted). */
    public void removeMember(String group, String pod) {
        Map<String, Request> s = members.get(group);
        if (s != null) s.remove(pod);
        Set<String> r = reserved.get(group);
        if (r != null) r.remove(pod);
    }

    public int knownMembers(String group) {
        Map<String, Request> s = members.get(group);
        return s == null ? 0 : s.size();
    }

    /** Members without a reservation whose requests are known, in the order they became known. */
    public List<Request> unreservedMembers(String group) {
        Map<String, Request> s = members.get(group);
        if (s == null) return List.of();
        Set<String> held = reservedMembers(group);
        List<Request> out = new ArrayList<>();
        for (Request r : s.values()) if (r != null && !held.contains(r.name())) out.add(r);
        return out;
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
