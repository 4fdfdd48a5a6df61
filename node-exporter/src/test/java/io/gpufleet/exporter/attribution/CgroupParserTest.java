package io.gpufleet.exporter.attribution;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CgroupParserTest {
    private static final String UID = "1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d";
    private static final String UID_ = UID.replace('-', '_');
    private static final String ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private static final ContainerRef BOTH = new ContainerRef(UID, ID);

    private record Case(String name, String content, Optional<ContainerRef> expected) {}

    private static Case c(String name, String content, ContainerRef expected) {
        return new Case(name, content, Optional.ofNullable(expected));
    }

    @Test
    void readsEveryKubeletAndRuntimeLayout() {
        List<Case> cases = List.of(
                c("v2 systemd containerd burstable", "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
                        + UID_ + ".slice/cri-containerd-" + ID + ".scope\n", BOTH),
                c("v2 systemd guaranteed", "0::/kubepods.slice/kubepods-pod" + UID_ + ".slice/cri-containerd-" + ID
                        + ".scope", BOTH),
                c("v2 systemd besteffort cri-o", "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod"
                        + UID_ + ".slice/crio-" + ID + ".scope", BOTH),
                c("v2 cgroupfs burstable", "0::/kubepods/burstable/pod" + UID + "/" + ID, BOTH),
                c("v2 cgroupfs guaranteed", "0::/kubepods/pod" + UID + "/" + ID, BOTH),
                c("v1 cgroupfs burstable", String.join("\n",
                        "12:memory:/kubepods/burstable/pod" + UID + "/" + ID,
                        "11:devices:/kubepods/burstable/pod" + UID + "/" + ID,
                        "1:name=systemd:/kubepods/burstable/pod" + UID + "/" + ID, ""), BOTH),
                c("v1 cgroupfs besteffort, host lines first", String.join("\n",
                        "13:rdma:/", "12:pids:/kubepods/besteffort/pod" + UID + "/" + ID), BOTH),
                c("v1 systemd docker", "11:cpuset:/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod"
                        + UID_ + ".slice/docker-" + ID + ".scope", BOTH),
                c("v1 systemd cri-o guaranteed", "5:memory:/kubepods.slice/kubepods-pod" + UID_ + ".slice/crio-" + ID
                        + ".scope", BOTH),
                c("v2 seen from inside another cgroup namespace", "0::/../../kubepods-besteffort-pod" + UID_
                        + ".slice/cri-containerd-" + ID + ".scope", BOTH),
                c("kind node (kubelet.slice prefix)", "0::/kubelet.slice/kubelet-kubepods.slice/"
                        + "kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod" + UID_
                        + ".slice/cri-containerd-" + ID + ".scope", BOTH),
                c("delegated sub-cgroup below the container", "0::/kubepods/burstable/pod" + UID + "/" + ID
                        + "/init.scope", BOTH),
                c("upper-case hex is normalised", "0::/kubepods/burstable/pod" + UID.toUpperCase() + "/"
                        + ID.toUpperCase(), BOTH),
                c("cri-o conmon: pod without container", "0::/kubepods.slice/kubepods-burstable.slice/"
                        + "kubepods-burstable-pod" + UID_ + ".slice/crio-conmon-" + ID + ".scope",
                        new ContainerRef(UID, "")),
                c("pod-level cgroup only", "0::/kubepods/burstable/pod" + UID, new ContainerRef(UID, "")),
                c("a line with the container wins over a pod-only line", String.join("\n",
                        "3:cpu:/kubepods/burstable/pod" + UID, "2:memory:/kubepods/burstable/pod" + UID + "/" + ID), BOTH),
                c("static pod (config hash uid)", "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod"
                        + "0123456789abcdef0123456789abcdef.slice/cri-containerd-" + ID + ".scope",
                        new ContainerRef("0123456789abcdef0123456789abcdef", ID)),
                c("host service", "0::/system.slice/sshd.service", null),
                c("docker container outside Kubernetes", "0::/system.slice/docker-" + ID + ".scope", null),
                c("root", "0::/", null),
                c("empty", "", null),
                c("not a cgroup file", "hello world", null),
                c("truncated line", "0:", null),
                c("short uid is not a pod", "0::/kubepods/burstable/pod1234/" + ID, null));
        for (Case k : cases) {
            assertEquals(k.expected(), CgroupParser.parse(k.content()), k.name());
        }
        assertEquals(Optional.empty(), CgroupParser.parse(null));
    }

    @Test
    void containerIdFromStatusStripsTheRuntimeScheme() {
        assertEquals(ID, CgroupParser.containerIdFromStatus("containerd://" + ID));
        assertEquals(ID, CgroupParser.containerIdFromStatus("cri-o://" + ID));
        assertEquals(ID, CgroupParser.containerIdFromStatus("docker://" + ID.toUpperCase()));
        assertEquals(ID, CgroupParser.containerIdFromStatus(ID));
        assertEquals("", CgroupParser.containerIdFromStatus(null));
        assertEquals("", CgroupParser.containerIdFromStatus(" "));
    }

    /** Every combination of version, driver, QoS and runtime, with random ids, reads back the ids it was built from. */
    @Test
    void generatedLayoutsReadBackTheirIds() {
        SplittableRandom rnd = new SplittableRandom(20261123L);
        String[] qos = {"", "burstable", "besteffort"};
        String[] runtimes = {"cri-containerd", "crio", "docker"};
        for (int i = 0; i < 5000; i++) {
            String uid = hex(rnd, 8) + "-" + hex(rnd, 4) + "-" + hex(rnd, 4) + "-" + hex(rnd, 4) + "-" + hex(rnd, 12);
            String id = hex(rnd, 64);
            String q = qos[rnd.nextInt(qos.length)];
            boolean systemd = rnd.nextBoolean();
            boolean v2 = rnd.nextBoolean();
            String path;
            if (systemd) {
                String qosSlice = q.isEmpty() ? "" : "/kubepods-" + q + ".slice";
                String podSlice = "kubepods-" + (q.isEmpty() ? "" : q + "-") + "pod" + uid.replace('-', '_') + ".slice";
                path = "/kubepods.slice" + qosSlice + "/" + podSlice + "/" + runtimes[rnd.nextInt(runtimes.length)] + "-"
                        + id + ".scope";
            } else {
                path = "/kubepods" + (q.isEmpty() ? "" : "/" + q) + "/pod" + uid + "/" + id;
            }
            StringBuilder content = new StringBuilder();
            if (v2) {
                content.append("0::").append(path).append('\n');
            } else {
                String[] controllers = {"memory", "cpu,cpuacct", "devices", "pids", "name=systemd"};
                int n = 1 + rnd.nextInt(controllers.length);
                for (int l = 0; l < n; l++) {
                    // Host-level lines (a controller not split per pod) mixed in at random places.
                    if (rnd.nextInt(4) == 0) content.append(20 + l).append(":rdma:/\n");
                    content.append(12 - l).append(':').append(controllers[l]).append(':').append(path).append('\n');
                }
            }
            String label = "case " + i + ": " + content;
            assertEquals(Optional.of(new ContainerRef(uid, id)), CgroupParser.parse(content.toString()), label);
        }
    }

    /** Random text never throws and never invents a pod. */
    @Test
    void randomTextYieldsNoPod() {
        SplittableRandom rnd = new SplittableRandom(7L);
        String alphabet = "0123456789abcdef:/-_.podkubesliceNn \n";
        for (int i = 0; i < 5000; i++) {
            StringBuilder sb = new StringBuilder();
            int len = rnd.nextInt(120);
            for (int j = 0; j < len; j++) sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            assertEquals(Optional.empty(), CgroupParser.parse(sb.toString()), sb.toString());
        }
    }

    private static String hex(SplittableRandom rnd, int n) {
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) sb.append(Character.forDigit(rnd.nextInt(16), 16));
        return sb.toString();
    }
}
