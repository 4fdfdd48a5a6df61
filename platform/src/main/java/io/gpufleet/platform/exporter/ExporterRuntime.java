package io.gpufleet.platform.exporter;

import io.gpufleet.exporter.NodeExporter;
import io.gpufleet.exporter.attribution.AttributionConfig;
import io.gpufleet.exporter.attribution.KubernetesPodResolver;
import io.gpufleet.exporter.attribution.PodResolver;
import io.gpufleet.exporter.attribution.podresources.PodResourcesResolver;
import io.gpufleet.exporter.collect.CollectorSettings;
import io.gpufleet.exporter.config.ConfigException;
import io.gpufleet.exporter.config.ExporterConfig;
import io.gpufleet.exporter.health.HealthPolicy;
import io.gpufleet.exporter.http.ExporterHttpServer;
import io.gpufleet.exporter.http.TlsContexts;
import io.gpufleet.exporter.inventory.InventoryBuilder;
import io.gpufleet.exporter.inventory.NodeAnnotator;
import io.gpufleet.exporter.nvml.NvmlGpuSource;
import io.gpufleet.exporter.nvml.NvmlLibrary;
import io.gpufleet.exporter.publish.MetricsPublisher;
import io.gpufleet.exporter.publish.kafka.KafkaMetricsPublisher;
import io.gpufleet.exporter.publish.kafka.KafkaPublisherConfig;
import io.gpufleet.exporter.publish.otlp.OtlpMetricsEncoder;
import io.gpufleet.exporter.publish.otlp.OtlpMetricsPublisher;
import io.gpufleet.exporter.publish.otlp.OtlpPublisherConfig;
import io.gpufleet.exporter.sim.InvalidFieldException;
import io.gpufleet.exporter.sim.ScheduledFault;
import io.gpufleet.exporter.sim.SimulatedFleet;
import io.gpufleet.exporter.sim.SimulatedNode;
import io.gpufleet.exporter.sim.SimulationConfig;
import io.gpufleet.exporter.sim.SimulationHttpHandler;
import io.gpufleet.exporter.source.GpuSource;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Builds and runs the exporters a configuration asks for: one for this node's NVML GPUs, or one per
 * simulated node on consecutive ports. Closing it stops them all.
 */
public final class ExporterRuntime implements AutoCloseable {

    /** The exporter could not start (no NVML, port in use, bad TLS files): the message says why. */
    public static final class StartException extends Exception {
        public StartException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final List<NodeExporter> exporters;
    private final SimulatedFleet fleet;
    private final NodeAnnotator annotator;

    private ExporterRuntime(List<NodeExporter> exporters, SimulatedFleet fleet, NodeAnnotator annotator) {
        this.exporters = List.copyOf(exporters);
        this.fleet = fleet;
        this.annotator = annotator;
    }

    /**
     * Publishes this node's GPU inventory on its Node object for the scheduler, in the background. Reads every GPU
     * once first, before the collection loop owns the source.
     */
    private static NodeAnnotator annotateNode(String node, GpuSource source) {
        java.util.Map<Integer, io.gpufleet.exporter.source.GpuReading> readings = new java.util.HashMap<>();
        for (var g : source.gpus()) readings.put(g.index(), source.read(g));
        return new NodeAnnotator(new io.fabric8.kubernetes.client.KubernetesClientBuilder().build(), node,
                InventoryBuilder.build(source.gpus(), readings, source.topology()), true).start();
    }

    public static ExporterRuntime start(ExporterConfig config, Clock clock) throws StartException {
        return start(config, clock, 0, false);
    }

    /**
     * @param randomFaultsPerNodeHour simulated fleets only: random fault injection rate (the demo's)
     * @param backgroundLoad          simulated fleets only: gentle load on idle GPUs so numbers move
     */
    public static ExporterRuntime start(ExporterConfig config, Clock clock, double randomFaultsPerNodeHour,
                                        boolean backgroundLoad) throws StartException {
        NodeExporter.Settings base = settings(config);
        List<NodeExporter> started = new ArrayList<>();
        SimulatedFleet fleet = null;
        NodeAnnotator annotator = null;
        try {
            if (config.simulate() > 0) {
                fleet = SimulatedFleet.create(simulation(config, randomFaultsPerNodeHour, backgroundLoad), clock);
                SimulationHttpHandler control = new SimulationHttpHandler(fleet);
                int i = 0;
                for (SimulatedNode node : fleet.nodes()) {
                    int port = config.port() == 0 ? 0 : config.port() + i++;
                    NodeExporter e = exporter(config, node, node, base, port, clock);
                    e.http().addContext("/sim", control, "simulator control: faults and workloads (JSON)");
                    started.add(e.start());
                }
            } else {
                GpuSource nvml = openNvml(config, clock);
                boolean kube = config.kubernetesEnabled(System.getenv());
                // Checked before anything gRPC loads: off a Kubernetes node the socket is absent and costs nothing.
                java.util.Optional<PodResolver> devices = config.podResourcesSocketPath().flatMap(socket ->
                        PodResourcesResolver.openIfPresent(socket, PodResourcesResolver.DEFAULT_TIMEOUT));
                PodResolver pods;
                if (kube) {
                    KubernetesPodResolver k;
                    try {
                        k = KubernetesPodResolver.startFromEnvironment(new AttributionConfig(config.nodeName(),
                                Path.of(config.procRoot()), AttributionConfig.DEFAULT_PID_CACHE_EXPIRY));
                    } catch (RuntimeException e) {
                        devices.ifPresent(PodResolver::close);
                        throw e;
                    }
                    pods = devices.isPresent() ? k.withDevices(devices.get()) : k;
                } else {
                    pods = devices.orElse(PodResolver.NONE);
                }
                if (kube) annotator = annotateNode(config.nodeName(), nvml);
                started.add(exporter(config, nvml, pods, base, config.port(), clock).start());
            }
            return new ExporterRuntime(started, fleet, annotator);
        } catch (java.io.IOException e) {
            closeAll(started, fleet);
            throw new StartException("cannot listen on " + config.bindAddress() + ":" + config.port() + " ("
                    + e.getMessage() + "); choose another --port", e);
        } catch (InvalidFieldException e) {
            closeAll(started, fleet);
            throw new ConfigException("simulate-faults", e.getMessage());
        } catch (RuntimeException e) {
            closeAll(started, fleet);
            throw e;
        }
    }

    private static GpuSource openNvml(ExporterConfig config, Clock clock) throws StartException {
        try {
            NvmlLibrary lib = NvmlLibrary.load(config.nvmlLibrary());
            return NvmlGpuSource.open(lib, new NvmlGpuSource.Settings(config.nodeName(), Path.of("/"), clock));
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            throw new StartException("cannot read GPUs through NVML (" + config.nvmlLibrary() + "): " + e.getMessage()
                    + ". On a machine without NVIDIA GPUs use --simulate <gpus>.", e);
        }
    }

    private static NodeExporter exporter(ExporterConfig config, GpuSource source, PodResolver pods,
                                         NodeExporter.Settings base, int port, Clock clock) throws java.io.IOException {
        List<MetricsPublisher> publishers = new ArrayList<>();
        if (!config.kafkaBootstrap().isBlank()) {
            KafkaPublisherConfig kc = KafkaPublisherConfig.defaults(config.kafkaBootstrap())
                    .withTopic(config.kafkaTopic()).withMaxBufferedSnapshots(config.kafkaBuffer());
            publishers.add(new KafkaMetricsPublisher(kc, new OtlpMetricsEncoder()));
        }
        if (!config.otlpEndpoint().isBlank()) {
            OtlpPublisherConfig.Protocol protocol = config.otlpProtocol() == ExporterConfig.OtlpProtocol.GRPC
                    ? OtlpPublisherConfig.Protocol.GRPC : OtlpPublisherConfig.Protocol.HTTP_PROTOBUF;
            publishers.add(new OtlpMetricsPublisher(OtlpPublisherConfig.defaults(source.node(), protocol,
                    config.interval()).withEndpoint(config.otlpEndpoint()), clock));
        }
        NodeExporter.Settings s = new NodeExporter.Settings(base.bindAddress(), port, base.collection(), base.metrics(),
                base.health(), base.security());
        return new NodeExporter(source, pods, publishers, s, clock);
    }

    static NodeExporter.Settings settings(ExporterConfig c) throws StartException {
        ExporterHttpServer.Security security = ExporterHttpServer.Security.NONE;
        try {
            javax.net.ssl.SSLContext ssl = c.tls() ? TlsContexts.fromPem(Path.of(c.tlsCert()), Path.of(c.tlsKey())) : null;
            String user = null, password = null;
            if (c.basicAuth()) {
                user = c.basicAuthUser();
                password = Files.readAllLines(Path.of(c.basicAuthPasswordFile())).stream().findFirst().orElse("");
                if (password.isBlank()) throw new ConfigException("basic-auth-password-file", "the file is empty");
            }
            security = new ExporterHttpServer.Security(ssl, user, password);
        } catch (java.io.IOException | java.security.GeneralSecurityException e) {
            throw new StartException("cannot set up TLS or basic auth: " + e.getMessage(), e);
        }
        return new NodeExporter.Settings(c.bindAddress(), c.port(),
                new CollectorSettings(c.interval(), c.slowInterval(), CollectorSettings.DEFAULT.eventWait()),
                c.metrics(), new HealthPolicy(c.xidWindow(), c.slowdownPersistence()), security);
    }

    private static SimulationConfig simulation(ExporterConfig c, double faultRate, boolean backgroundLoad) {
        List<ScheduledFault> faults = c.simulateFaults().isBlank() ? List.of() : ScheduledFault.parseList(c.simulateFaults());
        return SimulationConfig.defaults().withSeed(c.seed()).withNodes(c.simulateNodes())
                .withGpusPerNode(c.simulate()).withFaults(faults).withRandomFaultsPerNodeHour(faultRate)
                .withBackgroundLoad(backgroundLoad);
    }

    private static void closeAll(List<NodeExporter> started, SimulatedFleet fleet) {
        for (NodeExporter e : started) e.close();
        if (fleet != null) fleet.close();
    }

    public List<NodeExporter> exporters() {
        return exporters;
    }

    public Optional<SimulatedFleet> fleet() {
        return Optional.ofNullable(fleet);
    }

    public void printUrls(PrintStream out) {
        for (NodeExporter e : exporters) {
            out.printf(Locale.ROOT, "  %-14s %2d GPUs  %s/metrics%n", e.source().node(), e.source().gpus().size(), e.url());
        }
    }

    @Override
    public void close() {
        if (annotator != null) annotator.close();
        closeAll(exporters, fleet);
    }
}
