package io.gpufleet.platform.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.gpufleet.autoscaler.policy.PolicyLoadResult;
import io.gpufleet.autoscaler.policy.PolicyLoader;
import io.gpufleet.autoscaler.policy.ScalingPolicy;
import io.gpufleet.contracts.Ports;
import io.gpufleet.scheduler.api.TokenFile;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every manifest in deploy/ parses with fabric8 (typed where Kubernetes defines the kind, generic for the operators'
 * kinds), and the manifests agree with each other and with the code: images are the documented ones at the project's
 * version, Services target ports their pods declare, ServiceMonitors scrape named ports as the jobs the alerts and
 * dashboards read, containers listen on the contract ports, RBAC names existing accounts and roles without
 * wildcards, and the ScalingPolicy CRD accepts exactly what the autoscaler's loader accepts.
 */
class DeployManifestsTest {
    /** API groups whose kinds fabric8 models: a typo in their apiVersion or kind would parse as a generic resource. */
    private static final Set<String> TYPED_GROUPS = Set.of("v1", "apps/v1", "rbac.authorization.k8s.io/v1",
            "apiextensions.k8s.io/v1", "scheduling.k8s.io/v1", "coordination.k8s.io/v1");
    /** Configuration files that use apiVersion/kind but are not API objects (no metadata). */
    private static final Set<String> CONFIG_KINDS = Set.of("KubeSchedulerConfiguration");
    private static final Pattern UP_JOB = Pattern.compile("up\\{job=\\\\?\"([^\"\\\\]+)\\\\?\"");

    private static KubernetesClient client;
    private static Map<Path, List<HasMetadata>> manifests;
    private static List<HasMetadata> all;

    /** A pod template of a workload: where a Service's selector and ports are checked. */
    record Pods(String owner, String namespace, Map<String, String> labels, List<Container> containers,
                String serviceAccount) {}

    @BeforeAll
    static void loadEveryManifest() {
        // No request is ever sent: the client only parses.
        client = new KubernetesClientBuilder().withConfig(Config.empty()).build();
        manifests = new LinkedHashMap<>();
        for (Path f : manifestFiles()) manifests.put(f, load(f));
        all = manifests.values().stream().flatMap(List::stream).toList();
    }

    @AfterAll
    static void close() {
        client.close();
    }

    static List<Path> manifestFiles() {
        try (Stream<Path> s = Files.walk(ObserveFiles.root().resolve("deploy"))) {
            return s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<HasMetadata> load(Path f) {
        try (InputStream in = Files.newInputStream(f)) {
            return client.load(in).items();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            throw new AssertionError(f + " does not parse: " + e.getMessage(), e);
        }
    }

    @Test
    void everyManifestParsesAndKubernetesKindsAreTyped() {
        assertTrue(manifests.size() >= 12, "manifest files: " + manifests.keySet());
        for (Map.Entry<Path, List<HasMetadata>> e : manifests.entrySet()) {
            assertFalse(e.getValue().isEmpty(), e.getKey() + ": no object");
            for (HasMetadata o : e.getValue()) {
                String where = e.getKey().getFileName() + ": " + o.getKind();
                assertNotNull(o.getApiVersion(), where + " has no apiVersion");
                assertNotNull(o.getKind(), e.getKey() + ": an object has no kind");
                if (CONFIG_KINDS.contains(o.getKind())) continue;
                assertTrue(o.getMetadata() != null && o.getMetadata().getName() != null, where + " has no name");
                if (TYPED_GROUPS.contains(o.getApiVersion())) {
                    assertFalse(o instanceof GenericKubernetesResource, where + " " + o.getMetadata().getName()
                            + ": not a kind of " + o.getApiVersion() + " (misspelt kind or apiVersion?)");
                }
            }
        }
        for (String kind : List.of("DaemonSet", "Deployment", "CustomResourceDefinition", "FlinkDeployment", "ServiceMonitor",
                "PrometheusRule", "ScalingPolicy", "KubeSchedulerConfiguration")) {
            assertTrue(all.stream().anyMatch(o -> o.getKind().equals(kind)), "no " + kind + " in deploy/");
        }
    }

    @Test
    void aBrokenManifestFailsToParse() {
        String broken = "apiVersion: v1\nkind: Service\nmetadata: {name: x\nspec: [\n";
        assertThrows(RuntimeException.class, () -> client.load(new ByteArrayInputStream(broken.getBytes(StandardCharsets.UTF_8))).items());
        String misspelt = "apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: x}\n";
        HasMetadata o = client.load(new ByteArrayInputStream(misspelt.getBytes(StandardCharsets.UTF_8))).items().get(0);
        assertTrue(o instanceof GenericKubernetesResource, "a misspelt kind is generic, which the test above rejects");
    }

    @Test
    void imagesAreTheDocumentedOnesAtTheProjectVersion() throws IOException {
        String version = projectVersion();
        String gpufleet = "gpufleet/gpufleet:" + version;
        String flink = "gpufleet/gpufleet-flink:" + version;
        Set<String> used = new TreeSet<>();
        for (Pods p : podTemplates()) {
            for (Container c : p.containers()) {
                if (c.getImage() == null) continue; // the operator fills in FlinkDeployment's own image
                used.add(c.getImage());
                assertEquals(gpufleet, c.getImage(), p.owner() + " / " + c.getName());
            }
        }
        for (GenericKubernetesResource f : generic("FlinkDeployment")) {
            used.add(f.get("spec", "image"));
            assertEquals(flink, f.get("spec", "image"), "FlinkDeployment " + f.getMetadata().getName());
        }
        assertEquals(Set.of(gpufleet, flink), used, "images in deploy/");
        String dockerfile = Files.readString(ObserveFiles.root().resolve("deploy/Dockerfile"));
        String readme = Files.readString(ObserveFiles.root().resolve("deploy/README.md"));
        for (String image : used) {
            assertTrue(dockerfile.contains("-t " + image + " "), "deploy/Dockerfile builds " + image);
            assertTrue(readme.contains(image), "deploy/README.md documents " + image);
        }
    }

    @Test
    void servicesTargetPortsTheirPodsDeclare() {
        List<Pods> templates = podTemplates();
        int checked = 0;
        for (Service s : typed(Service.class)) {
            Map<String, String> selector = s.getSpec().getSelector();
            String where = "Service " + s.getMetadata().getNamespace() + "/" + s.getMetadata().getName();
            assertTrue(selector != null && !selector.isEmpty(), where + " has no selector");
            List<Pods> selected = templates.stream().filter(p -> p.namespace().equals(s.getMetadata().getNamespace())
                    && p.labels().entrySet().containsAll(selector.entrySet())).toList();
            assertFalse(selected.isEmpty(), where + " selects no pods of deploy/ (" + selector + ")");
            for (ServicePort sp : s.getSpec().getPorts()) {
                for (Pods p : selected) {
                    ContainerPort cp = containerPort(p, sp.getTargetPort());
                    assertNotNull(cp, where + " port " + sp.getName() + ": targetPort " + sp.getTargetPort()
                            + " is not a port of " + p.owner());
                    assertEquals(cp.getContainerPort(), sp.getPort(), where + " port " + sp.getName()
                            + " differs from the container's");
                    checked++;
                }
            }
        }
        assertTrue(checked >= 5, "service ports checked: " + checked);
    }

    @Test
    void containersListenOnTheContractPorts() {
        Map<String, Integer> byCommand = Map.of("exporter", Ports.EXPORTER, "scheduler", Ports.SCHEDULER_API,
                "autoscaler", Ports.AUTOSCALER_METRICS);
        Set<String> seen = new HashSet<>();
        for (Pods p : podTemplates()) {
            for (Container c : p.containers()) {
                List<String> args = c.getArgs() == null ? List.of() : c.getArgs();
                if (args.isEmpty() || !byCommand.containsKey(args.get(0))) continue;
                seen.add(args.get(0));
                int port = byCommand.get(args.get(0));
                assertEquals(List.of(port), c.getPorts().stream().map(ContainerPort::getContainerPort).toList(),
                        p.owner() + ": " + args.get(0) + " listens on " + port);
                for (String flag : List.of("--port", "--metrics-port")) {
                    int i = args.indexOf(flag);
                    if (i >= 0) assertEquals(Integer.toString(port), args.get(i + 1), p.owner() + ": " + flag);
                }
            }
        }
        assertEquals(byCommand.keySet(), seen, "components with a container in deploy/");

        // kube-scheduler's extender reaches the scheduler's Service.
        GenericKubernetesResource config = generic("KubeSchedulerConfiguration").get(0);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> extenders = (List<Map<String, Object>>) config.getAdditionalProperties().get("extenders");
        URI url = URI.create((String) extenders.get(0).get("urlPrefix"));
        String[] host = url.getHost().split("\\.");
        Service target = typed(Service.class).stream().filter(s -> s.getMetadata().getName().equals(host[0])
                && s.getMetadata().getNamespace().equals(host[1])).findFirst()
                .orElseThrow(() -> new AssertionError("the extender's " + url + " names no Service of deploy/"));
        assertTrue(target.getSpec().getPorts().stream().anyMatch(p -> p.getPort() == url.getPort()), url + ": port");
    }

    @Test
    void theExportersHostPathsBackItsPathFlagsReadOnly() {
        DaemonSet ds = typed(DaemonSet.class).stream()
                .filter(d -> d.getMetadata().getName().equals("gpufleet-exporter")).findFirst().orElseThrow();
        var spec = ds.getSpec().getTemplate().getSpec();
        Container c = spec.getContainers().get(0);
        Map<String, io.fabric8.kubernetes.api.model.HostPathVolumeSource> hostPaths = new HashMap<>();
        for (var v : spec.getVolumes()) if (v.getHostPath() != null) hostPaths.put(v.getName(), v.getHostPath());
        // flag → host path it must reach, and the hostPath type that makes a missing one fail the pod visibly
        Map<String, String[]> flags = Map.of("--proc-root", new String[]{"/proc", null},
                "--pod-resources-socket", new String[]{"/var/lib/kubelet/pod-resources", "Directory"});
        for (var f : flags.entrySet()) {
            int i = c.getArgs().indexOf(f.getKey());
            assertTrue(i >= 0, "exporter sets " + f.getKey());
            String path = c.getArgs().get(i + 1);
            var mount = c.getVolumeMounts().stream().filter(m -> path.startsWith(m.getMountPath())).findFirst()
                    .orElseThrow(() -> new AssertionError(f.getKey() + " " + path + " lies under no volume mount"));
            assertEquals(Boolean.TRUE, mount.getReadOnly(), mount.getName() + " is read-only");
            var host = hostPaths.get(mount.getName());
            assertNotNull(host, mount.getName() + " is a hostPath");
            assertEquals(f.getValue()[0], host.getPath(), mount.getName());
            assertEquals(f.getValue()[1], host.getType(), mount.getName() + " type");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void serviceMonitorsScrapeNamedPortsAsTheJobsTheRulesAndDashboardsRead() {
        Set<String> jobs = new TreeSet<>();
        for (GenericKubernetesResource m : generic("ServiceMonitor")) {
            String where = "ServiceMonitor " + m.getMetadata().getName();
            Map<String, String> matchLabels = m.get("spec", "selector", "matchLabels");
            List<String> namespaces = m.get("spec", "namespaceSelector", "matchNames");
            String jobLabel = m.get("spec", "jobLabel");
            List<Service> selected = typed(Service.class).stream()
                    .filter(s -> namespaces.contains(s.getMetadata().getNamespace()) && s.getMetadata().getLabels() != null
                            && s.getMetadata().getLabels().entrySet().containsAll(matchLabels.entrySet())).toList();
            assertEquals(1, selected.size(), where + " selects " + selected.size() + " Services");
            Service s = selected.get(0);
            Set<String> portNames = new HashSet<>();
            s.getSpec().getPorts().forEach(p -> portNames.add(p.getName()));
            for (Map<String, Object> endpoint : (List<Map<String, Object>>) m.get("spec", "endpoints")) {
                assertTrue(portNames.contains((String) endpoint.get("port")), where + ": port " + endpoint.get("port")
                        + " is not one of " + portNames);
            }
            String job = jobLabel == null ? s.getMetadata().getName() : s.getMetadata().getLabels().get(jobLabel);
            assertNotNull(job, where + ": the Service has no label " + jobLabel);
            jobs.add(job);
        }
        StringBuilder readers = new StringBuilder();
        for (Path f : ObserveFiles.ruleFiles()) readers.append(ObserveFiles.read(f));
        for (Path f : ObserveFiles.dashboardFiles()) readers.append(ObserveFiles.read(f));
        Set<String> read = new TreeSet<>();
        Matcher matcher = UP_JOB.matcher(readers);
        while (matcher.find()) read.add(matcher.group(1));
        assertEquals(Set.of("gpufleet-exporter", "gpufleet-scheduler", "gpufleet-analytics", "gpufleet-autoscaler"), read,
                "jobs the alerts and dashboards read");
        assertEquals(read, jobs, "jobs the ServiceMonitors produce");
    }

    @Test
    void rbacNamesExistingAccountsAndRolesWithoutWildcards() {
        Set<String> accounts = new HashSet<>();
        all.stream().filter(o -> o.getKind().equals("ServiceAccount"))
                .forEach(o -> accounts.add(o.getMetadata().getNamespace() + "/" + o.getMetadata().getName()));
        for (Pods p : podTemplates()) {
            assertTrue(accounts.contains(p.namespace() + "/" + p.serviceAccount()), p.owner() + ": service account "
                    + p.serviceAccount() + " is not in deploy/");
        }
        for (GenericKubernetesResource f : generic("FlinkDeployment")) {
            assertTrue(accounts.contains(f.getMetadata().getNamespace() + "/" + f.get("spec", "serviceAccount")), "FlinkDeployment account");
        }
        Map<String, List<PolicyRule>> roles = new HashMap<>();
        typed(ClusterRole.class).forEach(r -> roles.put("ClusterRole/" + r.getMetadata().getName(), r.getRules()));
        typed(Role.class).forEach(r -> roles.put("Role/" + r.getMetadata().getNamespace() + "/" + r.getMetadata().getName(), r.getRules()));
        for (Map.Entry<String, List<PolicyRule>> r : roles.entrySet()) {
            for (PolicyRule rule : r.getValue()) {
                for (List<String> l : List.of(rule.getVerbs(), rule.getResources(), rule.getApiGroups())) {
                    assertFalse(l.contains("*"), r.getKey() + ": wildcard in " + rule);
                }
            }
        }
        List<Map.Entry<String, List<Subject>>> bindings = new ArrayList<>();
        for (ClusterRoleBinding b : typed(ClusterRoleBinding.class)) {
            assertTrue(roles.containsKey("ClusterRole/" + b.getRoleRef().getName()), b.getMetadata().getName() + ": roleRef");
            bindings.add(Map.entry(b.getMetadata().getName(), b.getSubjects()));
        }
        for (RoleBinding b : typed(RoleBinding.class)) {
            RoleRef ref = b.getRoleRef();
            String key = ref.getKind().equals("Role") ? "Role/" + b.getMetadata().getNamespace() + "/" + ref.getName() : "ClusterRole/" + ref.getName();
            assertTrue(roles.containsKey(key), b.getMetadata().getName() + ": roleRef " + key);
            bindings.add(Map.entry(b.getMetadata().getName(), b.getSubjects()));
        }
        for (Map.Entry<String, List<Subject>> b : bindings) {
            for (Subject s : b.getValue()) {
                assertTrue(accounts.contains(s.getNamespace() + "/" + s.getName()), b.getKey() + ": subject " + s.getName());
            }
        }
    }

    /** The autoscaler may write replica counts, elastic training jobs, one pod annotation and events: nothing else. */
    @Test
    void autoscalerWritesOnlyWhatItActsOn() {
        ClusterRole role = typed(ClusterRole.class).stream().filter(r -> r.getMetadata().getName().equals("gpufleet-autoscaler"))
                .findFirst().orElseThrow();
        Set<String> writes = new TreeSet<>();
        Set<String> readOnly = Set.of("get", "list", "watch");
        for (PolicyRule rule : role.getRules()) {
            for (String verb : rule.getVerbs()) {
                if (readOnly.contains(verb)) continue;
                for (String g : rule.getApiGroups()) for (String r : rule.getResources()) writes.add(g + ":" + r + ":" + verb);
            }
        }
        assertEquals(new TreeSet<>(List.of("apps:deployments/scale:update", "apps:deployments/scale:patch",
                "apps:statefulsets/scale:update", "apps:statefulsets/scale:patch", "kubeflow.org:pytorchjobs:patch",
                ":pods:patch", ":events:create", ":events:patch")), writes);
        Role lease = typed(Role.class).stream().filter(r -> r.getMetadata().getName().equals("gpufleet-autoscaler-lease"))
                .findFirst().orElseThrow();
        assertEquals(List.of("leases"), lease.getRules().get(0).getResources(), "the Lease is namespaced, in its own namespace");
    }

    @Test
    void scalingPolicyCrdAcceptsWhatTheAutoscalerLoads() {
        CustomResourceDefinition crd = typed(CustomResourceDefinition.class).stream()
                .filter(c -> c.getSpec().getNames().getKind().equals(ScalingPolicy.KIND)).findFirst().orElseThrow();
        CustomResourceDefinitionVersion v = crd.getSpec().getVersions().get(0);
        assertEquals(ScalingPolicy.API_VERSION, crd.getSpec().getGroup() + "/" + v.getName());
        JSONSchemaProps schema = v.getSchema().getOpenAPIV3Schema();

        // Every ScalingPolicy of deploy/ (examples and the autoscaler's ConfigMap) loads without an error, and every
        // field it sets is declared in the CRD's schema.
        Map<String, String> documents = new LinkedHashMap<>();
        for (Map.Entry<Path, List<HasMetadata>> e : manifests.entrySet()) {
            for (HasMetadata o : e.getValue()) {
                if (o.getKind().equals(ScalingPolicy.KIND)) documents.put(e.getKey().getFileName() + " " + o.getMetadata().getName(),
                        Serialization.asYaml(o));
                if (o instanceof ConfigMap cm && cm.getMetadata().getName().equals("gpufleet-autoscaler-policies")) {
                    cm.getData().forEach((k, text) -> documents.put("ConfigMap " + k, text));
                }
            }
        }
        assertTrue(documents.size() >= 3, "policies: " + documents.keySet());
        int policies = 0;
        for (Map.Entry<String, String> d : documents.entrySet()) {
            PolicyLoadResult r = PolicyLoader.load(d.getKey(), d.getValue());
            assertTrue(r.errors().isEmpty(), d.getKey() + ": " + r.errors());
            policies += r.policies().size();
            for (Object doc : ObserveFiles.yamlDocuments(d.getValue())) {
                @SuppressWarnings("unchecked")
                Object spec = ((Map<String, Object>) doc).get("spec");
                List<String> undeclared = new ArrayList<>();
                undeclared(spec, schema.getProperties().get("spec"), "spec", undeclared);
                assertEquals(List.of(), undeclared, d.getKey() + ": fields the CRD does not declare");
            }
        }
        assertEquals(documents.size(), policies);

        // The schema walk does see an undeclared field.
        List<String> found = new ArrayList<>();
        undeclared(Map.of("targetRef", Map.of("kind", "Deployment", "nmae", "x")), schema.getProperties().get("spec"), "spec", found);
        assertEquals(List.of("spec.targetRef.nmae"), found);
    }

    @Test
    void theAutoscalersSchedulerTokenIsOneTheSchedulerAccepts() {
        Secret tokens = typed(Secret.class).stream().filter(s -> s.getMetadata().getName().equals("gpufleet-scheduler-tokens"))
                .findFirst().orElseThrow();
        TokenFile file = TokenFile.parse(tokens.getStringData().get("tokens.yaml"), "gpufleet-scheduler-tokens");
        Secret autoscaler = typed(Secret.class).stream()
                .filter(s -> s.getMetadata().getName().equals("gpufleet-autoscaler-scheduler-token")).findFirst().orElseThrow();
        assertNotNull(file.lookup(autoscaler.getStringData().get("token")), "the autoscaler's token is in the scheduler's tokens");
    }

    /** Adds the paths of {@code value}'s object fields that {@code schema} does not declare. */
    @SuppressWarnings("unchecked")
    static void undeclared(Object value, JSONSchemaProps schema, String path, List<String> out) {
        if (schema == null) return;
        if (value instanceof Map<?, ?> m && schema.getProperties() != null && !schema.getProperties().isEmpty()) {
            for (Map.Entry<String, Object> e : ((Map<String, Object>) m).entrySet()) {
                JSONSchemaProps child = schema.getProperties().get(e.getKey());
                if (child == null) out.add(path + "." + e.getKey());
                else undeclared(e.getValue(), child, path + "." + e.getKey(), out);
            }
        } else if (value instanceof List<?> l && schema.getItems() != null) {
            for (int i = 0; i < l.size(); i++) undeclared(l.get(i), schema.getItems().getSchema(), path + "[" + i + "]", out);
        }
    }

    private static ContainerPort containerPort(Pods p, IntOrString target) {
        for (Container c : p.containers()) {
            for (ContainerPort cp : c.getPorts() == null ? List.<ContainerPort>of() : c.getPorts()) {
                boolean match = target.getStrVal() != null ? target.getStrVal().equals(cp.getName())
                        : target.getIntVal().equals(cp.getContainerPort());
                if (match) return cp;
            }
        }
        return null;
    }

    /** Pod templates of the workloads in deploy/: Deployments, DaemonSets, StatefulSets and FlinkDeployments. */
    static List<Pods> podTemplates() {
        List<Pods> out = new ArrayList<>();
        for (HasMetadata o : all) {
            PodTemplateSpec t = o instanceof Deployment d ? d.getSpec().getTemplate()
                    : o instanceof DaemonSet d ? d.getSpec().getTemplate()
                    : o instanceof StatefulSet s ? s.getSpec().getTemplate() : null;
            if (t != null) {
                out.add(new Pods(o.getKind() + " " + o.getMetadata().getName(), o.getMetadata().getNamespace(),
                        t.getMetadata().getLabels(), t.getSpec().getContainers(), t.getSpec().getServiceAccountName()));
            }
        }
        // The Flink operator starts JobManager and TaskManager pods from the FlinkDeployment's podTemplate.
        for (GenericKubernetesResource f : generic("FlinkDeployment")) {
            PodTemplateSpec t = Serialization.unmarshal(Serialization.asJson(f.get("spec", "podTemplate")), PodTemplateSpec.class);
            out.add(new Pods("FlinkDeployment " + f.getMetadata().getName(), f.getMetadata().getNamespace(),
                    t.getMetadata().getLabels(), t.getSpec().getContainers(), f.get("spec", "serviceAccount")));
        }
        return out;
    }

    private static <T> List<T> typed(Class<T> type) {
        return all.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private static List<GenericKubernetesResource> generic(String kind) {
        return all.stream().filter(o -> o instanceof GenericKubernetesResource && o.getKind().equals(kind))
                .map(o -> (GenericKubernetesResource) o).toList();
    }

    /** The root pom's version without -SNAPSHOT: the tag images are built with. */
    static String projectVersion() throws IOException {
        String pom = Files.readString(ObserveFiles.root().resolve("pom.xml"));
        Matcher m = Pattern.compile("<artifactId>gpufleet-parent</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
        assertTrue(m.find(), "root pom version");
        return m.group(1).replace("-SNAPSHOT", "");
    }
}
