package io.gpufleet.autoscaler.controller;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.gpufleet.autoscaler.hpa.PodStatus;
import io.gpufleet.autoscaler.policy.ScalingPolicy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@link Workloads} through fabric8 for Deployments and StatefulSets: spec replicas, the pod template's
 * {@code nvidia.com/gpu}, the pods its selector matches, and for each pod's node whether it is spot and under a
 * preemption notice.
 */
public final class Fabric8Workloads implements Workloads {
    static final String GPU = "nvidia.com/gpu";
    private final KubernetesClient client;

    public Fabric8Workloads(KubernetesClient client) {
        this.client = client;
    }

    private record Spec(int replicas, LabelSelector selector, PodTemplateSpec template) {}

    private Spec spec(ScalingPolicy p) {
        String ns = p.namespace();
        String name = p.target().name();
        return switch (p.target().kind()) {
            case Deployment -> Optional.ofNullable(client.apps().deployments().inNamespace(ns).withName(name).get())
                    .map(d -> new Spec(orZero(d.getSpec().getReplicas()), d.getSpec().getSelector(), d.getSpec().getTemplate()))
                    .orElseThrow(() -> new IllegalStateException("Deployment " + ns + "/" + name + " not found"));
            case StatefulSet -> Optional.ofNullable(client.apps().statefulSets().inNamespace(ns).withName(name).get())
                    .map(s -> new Spec(orZero(s.getSpec().getReplicas()), s.getSpec().getSelector(), s.getSpec().getTemplate()))
                    .orElseThrow(() -> new IllegalStateException("StatefulSet " + ns + "/" + name + " not found"));
            default -> throw new IllegalArgumentException("target kind " + p.target().kind() + " is resized by the training resizer");
        };
    }

    private static int orZero(Integer i) {
        return i == null ? 0 : i;
    }

    @Override
    public TargetState observe(ScalingPolicy policy) {
        Spec s = spec(policy);
        return new TargetState(s.replicas(), gpus(s.template()),
                s.selector() == null ? List.of() : replicas(policy.namespace(), s.selector()));
    }

    /** The pods the selector matches, each with its node's spot label and preemption notice. */
    public List<TargetState.Replica> replicas(String namespace, LabelSelector selector) {
        List<Pod> pods = client.pods().inNamespace(namespace).withLabelSelector(selector).list().getItems();
        Map<String, Node> nodes = new HashMap<>();
        List<TargetState.Replica> out = new ArrayList<>();
        for (Pod pod : pods) {
            String nodeName = pod.getSpec() == null || pod.getSpec().getNodeName() == null ? "" : pod.getSpec().getNodeName();
            Node node = nodeName.isEmpty() ? null : nodes.computeIfAbsent(nodeName, n -> client.nodes().withName(n).get());
            boolean spot = node != null && SpotNodes.isSpot(node.getMetadata().getLabels());
            out.add(new TargetState.Replica(status(pod), nodeName, spot, preempting(node), deletionCost(pod)));
        }
        return out;
    }

    @Override
    public Set<String> preemptingNodes() {
        Set<String> out = new HashSet<>();
        for (Node n : client.nodes().list().getItems()) {
            if (preempting(n)) out.add(n.getMetadata().getName());
        }
        return out;
    }

    private static boolean preempting(Node node) {
        return node != null && node.getSpec() != null && node.getSpec().getTaints() != null
                && node.getSpec().getTaints().stream().anyMatch(t -> SpotNodes.PREEMPTING_TAINT.equals(t.getKey()));
    }

    static PodStatus status(Pod pod) {
        String phase = pod.getStatus() == null || pod.getStatus().getPhase() == null ? "Pending" : pod.getStatus().getPhase();
        PodStatus.Phase ph = switch (phase) {
            case "Running" -> PodStatus.Phase.Running;
            case "Succeeded" -> PodStatus.Phase.Succeeded;
            case "Failed" -> PodStatus.Phase.Failed;
            default -> PodStatus.Phase.Pending;
        };
        boolean ready = pod.getStatus() != null && pod.getStatus().getConditions() != null
                && pod.getStatus().getConditions().stream().anyMatch(c -> isReady(c));
        return new PodStatus(pod.getMetadata().getName(), ph, ready, pod.getMetadata().getDeletionTimestamp() != null);
    }

    private static boolean isReady(PodCondition c) {
        return "Ready".equals(c.getType()) && "True".equals(c.getStatus());
    }

    private static int deletionCost(Pod pod) {
        Map<String, String> a = pod.getMetadata().getAnnotations();
        if (a == null || a.get(DELETION_COST) == null) return 0;
        try {
            return Integer.parseInt(a.get(DELETION_COST).trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Whole GPUs one pod of the template asks for (limits, else requests, summed over containers). */
    public static int gpus(PodTemplateSpec t) {
        if (t == null || t.getSpec() == null || t.getSpec().getContainers() == null) return 0;
        int sum = 0;
        for (Container c : t.getSpec().getContainers()) {
            if (c.getResources() == null) continue;
            Quantity q = c.getResources().getLimits() == null ? null : c.getResources().getLimits().get(GPU);
            if (q == null && c.getResources().getRequests() != null) q = c.getResources().getRequests().get(GPU);
            if (q != null) sum += Quantity.getAmountInBytes(q).intValue();
        }
        return sum;
    }

    @Override
    public void setDeletionCost(String namespace, String pod, int cost) {
        // A merge patch of one annotation: no read-modify-write race with the kubelet's status updates.
        String patch = "{\"metadata\":{\"annotations\":{\"" + DELETION_COST + "\":\"" + cost + "\"}}}";
        client.pods().inNamespace(namespace).withName(pod).patch(PatchContext.of(PatchType.JSON_MERGE), patch);
    }
}
