package io.gpufleet.exporter.attribution.podresources;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Writes {@code ListPodResourcesResponse} bytes field by field, as the kubelet's generated code does, including
 * fields gpufleet does not read (CPU ids, memory, topology, dynamic resources) so that skipping them is tested.
 */
final class PodResourcesWire {
    private PodResourcesWire() {}

    record Devices(String resource, List<String> ids, int numaNode) {}

    record Container(String name, List<Devices> devices, List<Long> cpuIds) {
        Container(String name, Devices... devices) {
            this(name, List.of(devices), List.of());
        }
    }

    record Pod(String namespace, String name, List<Container> containers, boolean nameLast) {
        Pod(String namespace, String name, Container... containers) {
            this(namespace, name, List.of(containers), false);
        }
    }

    static Devices gpus(String... ids) {
        return new Devices("nvidia.com/gpu", List.of(ids), 0);
    }

    static byte[] response(List<Pod> pods) {
        return message(out -> {
            for (Pod p : pods) out.writeBytes(1, ByteString.copyFrom(pod(p)));
        });
    }

    private static byte[] pod(Pod p) {
        return message(out -> {
            if (!p.nameLast()) {
                out.writeString(1, p.name());
                out.writeString(2, p.namespace());
            }
            for (Container c : p.containers()) out.writeBytes(3, ByteString.copyFrom(container(c)));
            if (p.nameLast()) {
                out.writeString(2, p.namespace());
                out.writeString(1, p.name());
            }
            out.writeUInt64(9, 7); // a field of some later kubelet
        });
    }

    private static byte[] container(Container c) {
        return message(out -> {
            out.writeString(1, c.name());
            for (Devices d : c.devices()) {
                out.writeBytes(2, ByteString.copyFrom(devices(d)));
            }
            if (!c.cpuIds().isEmpty()) {
                // cpu_ids = 3, packed int64
                byte[] packed = message(o -> {
                    for (long id : c.cpuIds()) o.writeInt64NoTag(id);
                });
                out.writeByteArray(3, packed);
            }
            // memory = 4: ContainerMemory { string memory_type = 1; uint64 size = 2; }
            out.writeBytes(4, ByteString.copyFrom(message(o -> {
                o.writeString(1, "memory");
                o.writeUInt64(2, 1L << 30);
            })));
        });
    }

    private static byte[] devices(Devices d) {
        return message(out -> {
            out.writeString(1, d.resource());
            for (String id : d.ids()) out.writeString(2, id);
            // topology = 3: TopologyInfo { repeated NUMANode nodes = 1; } NUMANode { int64 ID = 1; }
            byte[] numa = message(o -> o.writeInt64(1, d.numaNode()));
            out.writeBytes(3, ByteString.copyFrom(message(o -> o.writeByteArray(1, numa))));
        });
    }

    private interface Body {
        void write(CodedOutputStream out) throws IOException;
    }

    private static byte[] message(Body body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        try {
            body.write(out);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
