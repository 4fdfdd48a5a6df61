package io.gpufleet.autoscaler.policy;

import java.util.List;

/**
 * What loading produced. When {@link #errors()} is non-empty {@link #policies()} is empty: a file with
 * any error yields no policy, so a bad file changes nothing that is running.
 */
public record PolicyLoadResult(List<ScalingPolicy> policies, List<PolicyError> errors) {
    public PolicyLoadResult {
        policies = List.copyOf(policies);
        errors = List.copyOf(errors);
    }

    /** True when there were no errors. */
    public boolean ok() {
        return errors.isEmpty();
    }
}
