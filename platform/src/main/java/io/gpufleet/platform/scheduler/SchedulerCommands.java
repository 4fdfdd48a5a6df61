package io.gpufleet.platform.scheduler;

import io.gpufleet.scheduler.api.SchedulerServer;
import io.gpufleet.scheduler.cli.FleetClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * The scheduler's commands. Their options belong to scheduler-core (its server and client validate them and
 * print their own help with {@code --help}) and pass through unchanged.
 */
public final class SchedulerCommands {
    private SchedulerCommands() {}

    /** {@code fleet scheduler}: the scheduler API (extender, REST, metrics) over a simulated cluster or Kubernetes. */
    @Command(name = "scheduler", description = {"Run the scheduler API: Kubernetes scheduler-extender endpoints, the REST "
            + "API under /api/v1 and /metrics (default port 8888).",
            "Embedded (simulated cluster) by default; --kube schedules and binds pods in Kubernetes. --help lists the options."})
    public static final class Server implements Callable<Integer> {
        @Unmatched
        List<String> args = new ArrayList<>();

        @Override
        public Integer call() {
            return SchedulerServer.run(args.toArray(new String[0]), System.out);
        }
    }

    /** {@code fleet jobs}: submit, list, get and delete jobs through the REST API. */
    @Command(name = "jobs", description = {"Submit, list, get and delete jobs: fleet jobs submit|list|get|delete ...",
            "Server and token from --server/--token or FLEET_SERVER/FLEET_TOKEN. --help lists the options."})
    public static final class Jobs implements Callable<Integer> {
        @Unmatched
        List<String> args = new ArrayList<>();

        @Override
        public Integer call() {
            return FleetClient.jobs(args.toArray(new String[0]), System.out);
        }
    }

    /** {@code fleet top}: nodes, GPUs and quota groups as tables. */
    @Command(name = "top", description = {"Show allocation and health: fleet top nodes|gpus|quotas.",
            "Server and token from --server/--token or FLEET_SERVER/FLEET_TOKEN."})
    public static final class Top implements Callable<Integer> {
        @Unmatched
        List<String> args = new ArrayList<>();

        @Override
        public Integer call() {
            return FleetClient.top(args.toArray(new String[0]), System.out);
        }
    }
}
