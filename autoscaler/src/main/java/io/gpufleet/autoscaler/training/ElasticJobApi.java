package io.gpufleet.autoscaler.training;

import io.gpufleet.autoscaler.controller.TargetState;

import java.util.List;

/** What the resizer reads and writes of an elastic training job. */
public interface ElasticJobApi {
    /**
     * @param workers       Worker replicas in the spec
     * @param masters       Master replicas (members of the gang besides the workers)
     * @param elasticMin    {@code spec.elasticPolicy.minReplicas}
     * @param elasticMax    {@code spec.elasticPolicy.maxReplicas}
     * @param gpusPerWorker {@code nvidia.com/gpu} of the Worker template
     * @param finished      the job succeeded or failed: nothing to resize
     */
    record JobSpec(int workers, int masters, int elasticMin, int elasticMax, int gpusPerWorker, boolean finished) {}

    /** Throws when the job cannot be read or is not elastic. */
    JobSpec read(String namespace, String name);

    /** The job's worker pods with their nodes. */
    List<TargetState.Replica> workers(String namespace, String name);

    /** Sets the Worker replicas (absolute: applying it twice is applying it once). */
    void setWorkers(String namespace, String name, int workers);

    /** Sets the gang's minMember (absolute); nothing when the job has no gang object. */
    void setGangMinMember(String namespace, String name, int minMember);
}
