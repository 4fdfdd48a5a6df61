package io.gpufleet.exporter.attribution.podresources;

import static io.gpufleet.exporter.attribution.podresources.PodResourcesWire.gpus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.gpufleet.exporter.attribution.podresources.PodResourcesWire.Container;
import io.gpufleet.exporter.attribution.podresources.PodResourcesWire.Devices;
import io.gpufleet.exporter.attribution.podresources.PodResourcesWire.Pod;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PodResourcesProtocolTest {

    private static List<DeviceAllocation> decode(byte[] bytes) throws IOException {
        return PodResourcesProtocol.decode(new ByteArrayInputStream(bytes));
    }

    @Test
    void decodesContainersAndDevicesSkippingFieldsItDoesNotRead() throws IOException {
        byte[] bytes = PodResourcesWire.response(List.of(
                new Pod("ml", "trainer-0",
                        new Container("main", gpus("GPU-a", "GPU-b"), new Devices("rdma/hca", List.of("mlx5_0"), 1)),
                        new Container("sidecar")),
                new Pod("web", "infer", List.of(new Container("server", List.of(gpus("GPU-c")), List.of(0L, 1L, 63L))),
                        true)));

        assertEquals(List.of(
                new DeviceAllocation("ml", "trainer-0", "main", "nvidia.com/gpu", List.of("GPU-a", "GPU-b")),
                new DeviceAllocation("ml", "trainer-0", "main", "rdma/hca", List.of("mlx5_0")),
                new DeviceAllocation("web", "infer", "server", "nvidia.com/gpu", List.of("GPU-c"))), decode(bytes),
                "a container without devices yields nothing; a pod whose name follows its containers still names them");
        assertEquals(List.of(), decode(new byte[0]), "an empty response is a node without pods");
    }

    @Test
    void decodesWhatTheWireWroteForRandomResponses() throws IOException {
        Random rnd = new Random(20261123);
        for (int n = 0; n < 300; n++) {
            List<Pod> pods = new ArrayList<>();
            List<DeviceAllocation> expected = new ArrayList<>();
            for (int p = rnd.nextInt(6); p > 0; p--) {
                String ns = "ns-" + rnd.nextInt(4);
                String name = "pod-" + rnd.nextInt(1000) + (rnd.nextBoolean() ? "-é" : "");
                List<Container> containers = new ArrayList<>();
                for (int c = rnd.nextInt(4); c > 0; c--) {
                    String cname = "c" + c;
                    List<Devices> devices = new ArrayList<>();
                    for (int d = rnd.nextInt(3); d > 0; d--) {
                        String[] ids = new String[rnd.nextInt(9)];
                        for (int i = 0; i < ids.length; i++) ids[i] = "GPU-" + Long.toHexString(rnd.nextLong());
                        String resource = rnd.nextBoolean() ? "nvidia.com/gpu" : "example.com/fpga";
                        devices.add(new Devices(resource, List.of(ids), rnd.nextInt(4)));
                        expected.add(new DeviceAllocation(ns, name, cname, resource, Arrays.asList(ids)));
                    }
                    List<Long> cpus = new ArrayList<>();
                    for (int i = rnd.nextInt(5); i > 0; i--) cpus.add((long) rnd.nextInt(256));
                    containers.add(new Container(cname, devices, cpus));
                }
                pods.add(new Pod(ns, name, containers, rnd.nextBoolean()));
            }
            assertEquals(expected, decode(PodResourcesWire.response(pods)), "case " + n);
        }
    }

    @Test
    void truncatedResponseIsAnError() {
        byte[] whole = PodResourcesWire.response(List.of(new Pod("ml", "p", new Container("c", gpus("GPU-a")))));
        byte[] cut = Arrays.copyOf(whole, whole.length - 3);
        assertThrows(IOException.class, () -> decode(cut));
    }
}
