package io.gpufleet.platform.autoscaler;

import io.gpufleet.autoscaler.controller.AutoscalerController;
import io.gpufleet.platform.PassThroughCommand;
import java.io.PrintStream;
import picocli.CommandLine.Command;

/**
 * {@code fleet autoscaler}: the autoscaling controller against a Kubernetes cluster. Its options ({@code --policies},
 * {@code --scheduler-url}, {@code --prometheus-url}, {@code --dry-run}, ...; {@code --help}) belong to the autoscaler,
 * which validates them up front, and pass through unchanged.
 */
@Command(name = "autoscaler", description = {"Run the autoscaling controller: ScalingPolicies (YAML) for Deployments, "
        + "StatefulSets and PyTorchJobs, GPU-aware, with leader election.", "Options: see fleet autoscaler --help."})
public final class AutoscalerCommand extends PassThroughCommand {

    @Override
    protected int run(String[] args, PrintStream out) {
        return AutoscalerController.run(args, out);
    }
}
