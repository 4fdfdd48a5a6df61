package io.gpufleet.autoscaler.actuate;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.RollableScalableResource;
import io.gpufleet.autoscaler.policy.ScalingPolicy.TargetKind;

/**
 * {@link ScaleApi} through fabric8: the scale subresource of Deployments and StatefulSets. Training jobs
 * (PyTorchJob, TrainingJob) are resized by the training replay's policy and are not scaled here.
 */
public final class Fabric8ScaleApi implements ScaleApi {
    private final KubernetesClient client;

    public Fabric8ScaleApi(KubernetesClient client) {
        this.client = client;
    }

    private RollableScalableResource<?> resource(String namespace, TargetKind kind, String name) {
        return switch (kind) {
            case Deployment -> client.apps().deployments().inNamespace(namespace).withName(name);
            case StatefulSet -> client.apps().statefulSets().inNamespace(namespace).withName(name);
            default -> throw new IllegalArgumentException("target kind " + kind + " has no scale subresource; use Deployment or StatefulSet");
        };
    }

    @Override
    public int replicas(String namespace, TargetKind kind, String name) {
        return resource(namespace, kind, name).scale().getSpec().getReplicas();
    }

    @Override
    public void setReplicas(String namespace, TargetKind kind, String name, int replicas) {
        resource(namespace, kind, name).scale(replicas);
    }
}
