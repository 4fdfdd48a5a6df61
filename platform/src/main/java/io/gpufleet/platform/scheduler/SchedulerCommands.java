package io.gpufleet.platform.scheduler;

import io.gpufleet.scheduler.api.SchedulerServer;
import io.gpufleet.scheduler.cli.FleetClient;
import io.gpufleet.platform.PassThroughCommand;
import java.io.PrintStream;
import picocli.CommandLine.Command;

/**
 * The scheduler's commands. Their options belong to scheduler-core (its server and client validate them and
 * print their own help with {@code --help}) and pass through unchanged.
 */
public final class SchedulerCommands {
    private SchedulerCommands() {}

    static final String SERVER_HELP = """
            usage: fleet scheduler [--port 8888] [--host 0.0.0.0] [--tokens FILE] [--tls-cert PEM --tls-key PEM]
                                   [--kube [--scheduler-name gpufleet]] [--nodes 16] [--seed 42]
                                   [--body-limit BYTES] [--tick-ms 200] [--extender-open]
                                   [--faults-bootstrap host:port] [--profile FILE]
              --tokens         YAML file: tokens: [{token, user, namespaces, role: admin|user}]
              --kube           schedule and bind pods with this schedulerName in Kubernetes (kubeconfig or in-cluster)
              --nodes, --seed  embedded mode: the simulated cluster the API serves
              --extender-open  let kube-scheduler call /scheduler/* without a token
              --faults-bootstrap  follow Kafka topic gpufleet.faults: GPUs with active faults leave the pool
              --profile        YAML scheduling profile instead of the built-in default (plugins, weights, sampling)
            See scheduler-core/API.md for the endpoints.""";

    static final String CLIENT_HELP = """
            usage: fleet jobs submit --name train --namespace team-a --gpus 4 [--replicas 2 --gang] [--cpu 8]
                                     [--memory 64Gi] [--gpu-memory 20Gi --gpu-core 50] [--model A100-SXM4-80GB]
                                     [--quota-group g] [--priority 10] [--dataset imagenet] [--selector k=v]
                   fleet jobs submit -f job.yaml
                   fleet jobs list [--namespace team-a]
                   fleet jobs get team-a/train        fleet jobs delete team-a/train
                   fleet top nodes | gpus | quotas
              --server URL (or FLEET_SERVER, default http://localhost:8888)   --token T (or FLEET_TOKEN)
              --ca-cert PEM   trust a server certificate       -o json   print the server's JSON""";

    /** {@code fleet scheduler}: the scheduler API (extender, REST, metrics) over a simulated cluster or Kubernetes. */
    @Command(name = "scheduler", description = {"Run the scheduler API: Kubernetes scheduler-extender endpoints, the REST "
            + "API under /api/v1 and /metrics (default port 8888).",
            "Embedded (simulated cluster) by default; --kube schedules and binds pods in Kubernetes. --help lists the options."})
    public static final class Server extends PassThroughCommand {
        @Override
        protected int run(String[] args, PrintStream out) {
            return SchedulerServer.run(args, out);
        }

        @Override
        protected String help() {
            return SERVER_HELP;
        }
    }

    /** {@code fleet jobs}: submit, list, get and delete jobs through the REST API. */
    @Command(name = "jobs", description = {"Submit, list, get and delete jobs: fleet jobs submit|list|get|delete ...",
            "Server and token from --server/--token or FLEET_SERVER/FLEET_TOKEN. --help lists the options."})
    public static final class Jobs extends PassThroughCommand {
        @Override
        protected int run(String[] args, PrintStream out) {
            return FleetClient.jobs(args, out);
        }

        @Override
        protected String help() {
            return CLIENT_HELP;
        }
    }

    /** {@code fleet top}: nodes, GPUs and quota groups as tables. */
    @Command(name = "top", description = {"Show allocation and health: fleet top nodes|gpus|quotas.",
            "Server and token from --server/--token or FLEET_SERVER/FLEET_TOKEN."})
    public static final class Top extends PassThroughCommand {
        @Override
        protected int run(String[] args, PrintStream out) {
            return FleetClient.top(args, out);
        }

        @Override
        protected String help() {
            return CLIENT_HELP;
        }
    }
}
