package io.gpufleet.exporter.attribution.podresources;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The wire format of {@code v1.PodResourcesLister/List}, read with protobuf's {@link CodedInputStream} so that no
 * generated code is needed for the three messages used:
 * <pre>
 * ListPodResourcesResponse { repeated PodResources pod_resources = 1; }
 * PodResources             { string name = 1; string namespace = 2; repeated ContainerResources containers = 3; }
 * ContainerResources       { string name = 1; repeated ContainerDevices devices = 2; ... }
 * ContainerDevices         { string resource_name = 1; repeated string device_ids = 2; TopologyInfo topology = 3; }
 * </pre>
 * Every other field (CPU ids, memory, dynamic resources, topology, fields of later kubelets) is skipped.
 */
public final class PodResourcesProtocol {
    private PodResourcesProtocol() {}

    /** The request carries no fields. */
    public enum ListRequest { INSTANCE }

    public static final String SERVICE = "v1.PodResourcesLister";
    public static final String LIST_METHOD = MethodDescriptor.generateFullMethodName(SERVICE, "List");

    /** The client's view of the method: empty request out, containers' devices in. */
    public static final MethodDescriptor<ListRequest, List<DeviceAllocation>> LIST =
            MethodDescriptor.<ListRequest, List<DeviceAllocation>>newBuilder()
                    .setType(MethodDescriptor.MethodType.UNARY)
                    .setFullMethodName(LIST_METHOD)
                    .setRequestMarshaller(new EmptyRequestMarshaller())
                    .setResponseMarshaller(new ResponseMarshaller())
                    .build();

    /** Decodes a {@code ListPodResourcesResponse}: one allocation per container and resource. */
    public static List<DeviceAllocation> decode(InputStream in) throws IOException {
        CodedInputStream c = CodedInputStream.newInstance(in);
        List<DeviceAllocation> out = new ArrayList<>();
        int tag;
        while ((tag = c.readTag()) != 0) {
            if (tag == lengthDelimited(1)) {
                int limit = c.pushLimit(c.readRawVarint32());
                readPod(c, out);
                c.popLimit(limit);
            } else if (!c.skipField(tag)) {
                break;
            }
        }
        return out;
    }

    private static void readPod(CodedInputStream c, List<DeviceAllocation> out) throws IOException {
        String name = "";
        String namespace = "";
        List<byte[]> containers = new ArrayList<>();
        int tag;
        // Containers are kept raw until the end: protobuf allows the pod's name and namespace after them.
        while ((tag = c.readTag()) != 0) {
            switch (tag) {
                case 1 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> name = c.readStringRequireUtf8();
                case 2 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> namespace = c.readStringRequireUtf8();
                case 3 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> containers.add(c.readByteArray());
                default -> c.skipField(tag);
            }
        }
        for (byte[] container : containers) readContainer(CodedInputStream.newInstance(container), namespace, name, out);
    }

    private static void readContainer(CodedInputStream c, String namespace, String pod, List<DeviceAllocation> out)
            throws IOException {
        String name = "";
        List<byte[]> devices = new ArrayList<>();
        int tag;
        while ((tag = c.readTag()) != 0) {
            switch (tag) {
                case 1 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> name = c.readStringRequireUtf8();
                case 2 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> devices.add(c.readByteArray());
                default -> c.skipField(tag);
            }
        }
        for (byte[] d : devices) {
            CodedInputStream dc = CodedInputStream.newInstance(d);
            String resource = "";
            List<String> ids = new ArrayList<>();
            while ((tag = dc.readTag()) != 0) {
                switch (tag) {
                    case 1 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> resource = dc.readStringRequireUtf8();
                    case 2 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> ids.add(dc.readStringRequireUtf8());
                    default -> dc.skipField(tag);
                }
            }
            out.add(new DeviceAllocation(namespace, pod, name, resource, ids));
        }
    }

    private static int lengthDelimited(int field) {
        return field << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;
    }

    private static final class EmptyRequestMarshaller implements MethodDescriptor.Marshaller<ListRequest> {
        @Override
        public InputStream stream(ListRequest value) {
            return new ByteArrayInputStream(new byte[0]);
        }

        @Override
        public ListRequest parse(InputStream stream) {
            return ListRequest.INSTANCE;
        }
    }

    private static final class ResponseMarshaller implements MethodDescriptor.Marshaller<List<DeviceAllocation>> {
        @Override
        public InputStream stream(List<DeviceAllocation> value) {
            throw new UnsupportedOperationException("the exporter only reads PodResources responses");
        }

        @Override
        public List<DeviceAllocation> parse(InputStream stream) {
            try {
                return decode(stream);
            } catch (IOException e) {
                // grpc-java turns a throwing parser into an INTERNAL status on the call.
                throw new UncheckedIOException("malformed ListPodResourcesResponse: " + e.getMessage(), e);
            }
        }
    }
}
