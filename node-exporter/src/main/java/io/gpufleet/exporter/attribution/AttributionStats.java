package io.gpufleet.exporter.attribution;

/**
 * How pod attribution is doing, for the exporter's own metrics.
 *
 * @param informerConnected     the pod watch is open now; false while the API server is unreachable (answers then
 *                              come from the last known pods)
 * @param informerSynced        the first pod list has arrived
 * @param informerErrors        pod list failures since start, each retried with backoff (a dropped watch is
 *                              reopened by the client itself and shows in {@code informerConnected} instead)
 * @param podsOnNode            pods of this node in the cache
 * @param podsWithAssignment    running pods with a valid assignment annotation
 * @param gpuPodsWithoutAssignment running pods that request a GPU but carry no annotation (process-based only)
 * @param annotationParseErrors malformed assignment annotations seen (once per pod and annotation value)
 * @param pidCacheSize          pids cached by the process mapper
 * @param cgroupReadErrors      cgroup files that existed but could not be read
 * @param processesWithoutPod   GPU processes that mapped to no known pod
 */
public record AttributionStats(boolean informerConnected, boolean informerSynced, long informerErrors, int podsOnNode,
                               int podsWithAssignment, int gpuPodsWithoutAssignment, long annotationParseErrors,
                               int pidCacheSize, long cgroupReadErrors, long processesWithoutPod) {}
