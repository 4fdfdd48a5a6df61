package io.gpufleet.autoscaler.training;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.gpufleet.autoscaler.controller.Fabric8Workloads;
import io.gpufleet.autoscaler.controller.TargetState;

import java.util.List;
import java.util.Map;

/**
 * {@link ElasticJobApi} for Kubeflow {@code kubeflow.org/v1} PyTorchJobs through fabric8 (generic resources, no
 * Kubeflow model classes): Worker replicas by JSON merge patch of {@code spec.pytorchReplicaSpecs.Worker.replicas};
 * the gang is the PodGroup of the job's name ({@code scheduling.x-k8s.io/v1alpha1}, scheduler-plugins'
 * coscheduling, by default), patched on {@code spec.minMember}. Worker pods carry the training operator's labels
 * {@code training.kubeflow.org/job-name} and {@code training.kubeflow.org/replica-type=worker}.
 */
public final class Fabric8PyTorchJobs implements ElasticJobApi {
    public static final ResourceDefinitionContext PYTORCH_JOB = new ResourceDefinitionContext.Builder()
            .withGroup("kubeflow.org").withVersion("v1").withKind("PyTorchJob").withPlural("pytorchjobs").withNamespaced(true).build();
    public static final ResourceDefinitionContext POD_GROUP = new ResourceDefinitionContext.Builder()
            .withGroup("scheduling.x-k8s.io").withVersion("v1alpha1").withKind("PodGroup").withPlural("podgroups").withNamespaced(true).build();

    private final KubernetesClient client;
    private final Fabric8Workloads pods;
    private final ResourceDefinitionContext podGroup;

    public Fabric8PyTorchJobs(KubernetesClient client) {
        this(client, POD_GROUP);
    }

    /** @param podGroup the gang resource (e.g. Volcano's {@code scheduling.volcano.sh/v1beta1} PodGroup) */
    public Fabric8PyTorchJobs(KubernetesClient client, ResourceDefinitionContext podGroup) {
        this.client = client;
        this.pods = new Fabric8Workloads(client);
        this.podGroup = podGroup;
    }

    @Override
    public JobSpec read(String ns, String name) {
        GenericKubernetesResource r = client.genericKubernetesResources(PYTORCH_JOB).inNamespace(ns).withName(name).get();
        if (r == null) throw new IllegalStateException("PyTorchJob " + ns + "/" + name + " not found");
        Map<String, Object> spec = map(r.getAdditionalProperties().get("spec"));
        Map<String, Object> elastic = map(spec.get("elasticPolicy"));
        Map<String, Object> replicaSpecs = map(spec.get("pytorchReplicaSpecs"));
        Map<String, Object> worker = map(replicaSpecs.get("Worker"));
        if (worker.isEmpty()) throw new IllegalStateException("PyTorchJob " + ns + "/" + name + ": no spec.pytorchReplicaSpecs.Worker");
        if (elastic.isEmpty()) throw new IllegalStateException("PyTorchJob " + ns + "/" + name + ": no spec.elasticPolicy (not elastic)");
        int workers = integer(worker.get("replicas"), 1);
        int masters = integer(map(replicaSpecs.get("Master")).get("replicas"), replicaSpecs.containsKey("Master") ? 1 : 0);
        int min = integer(elastic.get("minReplicas"), 1);
        int max = integer(elastic.get("maxReplicas"), workers);
        PodTemplateSpec template = client.getKubernetesSerialization().convertValue(worker.get("template"), PodTemplateSpec.class);
        boolean finished = false;
        Object conditions = map(r.getAdditionalProperties().get("status")).get("conditions");
        if (conditions instanceof List<?> l) {
            for (Object c : l) {
                Map<String, Object> m = map(c);
                if (("Succeeded".equals(m.get("type")) || "Failed".equals(m.get("type"))) && "True".equals(m.get("status"))) finished = true;
            }
        }
        return new JobSpec(workers, masters, min, Math.max(min, max), Fabric8Workloads.gpus(template), finished);
    }

    @Override
    public List<TargetState.Replica> workers(String namespace, String name) {
        return pods.replicas(namespace, workerSelector(name));
    }

    @Override
    public void setWorkers(String ns, String name, int workers) {
        client.genericKubernetesResources(PYTORCH_JOB).inNamespace(ns).withName(name).patch(PatchContext.of(PatchType.JSON_MERGE),
                "{\"spec\":{\"pytorchReplicaSpecs\":{\"Worker\":{\"replicas\":" + workers + "}}}}");
    }

    @Override
    public void setGangMinMember(String ns, String name, int minMember) {
        var pg = client.genericKubernetesResources(podGroup).inNamespace(ns).withName(name);
        if (pg.get() == null) return; // no gang scheduler in use for this job
        pg.patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"minMember\":" + minMember + "}}");
    }

    static LabelSelector workerSelector(String job) {
        return new LabelSelectorBuilder().addToMatchLabels("training.kubeflow.org/job-name", job)
                .addToMatchLabels("training.kubeflow.org/replica-type", "worker").build();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static int integer(Object o, int dflt) {
        return o instanceof Number n ? n.intValue() : dflt;
    }
}
