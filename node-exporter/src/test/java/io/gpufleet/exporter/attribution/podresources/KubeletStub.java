package io.gpufleet.exporter.attribution.podresources;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A grpc-java server on a unix socket serving {@code /v1.PodResourcesLister/List} like the kubelet: the response
 * bytes are whatever the test set last. Stoppable and restartable on the same path, as a kubelet restart is.
 */
final class KubeletStub implements AutoCloseable {
    /** What List answers: bytes of a ListPodResourcesResponse, or null to never answer (a hung kubelet). */
    final AtomicReference<byte[]> response = new AtomicReference<>(new byte[0]);
    final AtomicInteger calls = new AtomicInteger();
    private final Path socket;
    private final EventLoopGroup group;
    private Server server;

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    static final MethodDescriptor<byte[], byte[]> LIST = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("v1.PodResourcesLister/List")
            .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();

    @SuppressWarnings("deprecation")
    KubeletStub(Path socket) {
        this.socket = socket;
        this.group = new EpollEventLoopGroup(1);
    }

    KubeletStub start() throws IOException {
        Files.deleteIfExists(socket); // a kubelet removes a stale socket before it listens again
        ServerCallHandler<byte[], byte[]> handler = this::handle;
        ServerServiceDefinition service = ServerServiceDefinition.builder("v1.PodResourcesLister")
                .addMethod(LIST, handler).build();
        server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(group).workerEventLoopGroup(group)
                .withChildOption(ChannelOption.SO_KEEPALIVE, null) // no TCP keepalive on a unix socket
                .addService(service).build().start();
        return this;
    }

    private ServerCall.Listener<byte[]> handle(ServerCall<byte[], byte[]> call, Metadata headers) {
        call.request(1);
        return new ServerCall.Listener<>() {
            private boolean rejected;

            @Override
            public void onMessage(byte[] request) {
                if (request.length != 0) {
                    rejected = true;
                    call.close(Status.INVALID_ARGUMENT.withDescription("ListPodResourcesRequest has no fields"),
                            new Metadata());
                }
            }

            @Override
            public void onHalfClose() {
                calls.incrementAndGet();
                if (rejected) return;
                byte[] body = response.get();
                if (body == null) return; // hang: the client's deadline has to end the call
                call.sendHeaders(new Metadata());
                call.sendMessage(body);
                call.close(Status.OK, new Metadata());
            }
        };
    }

    /** Stops listening and drops open connections, as a kubelet going down does. */
    void stop() throws InterruptedException {
        if (server == null) return;
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
        server = null;
    }

    @Override
    public void close() throws InterruptedException {
        stop();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }
}
