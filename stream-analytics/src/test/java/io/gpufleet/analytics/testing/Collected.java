package io.gpufleet.analytics.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;

/** A sink that collects into a JVM-wide list by name (MiniCluster tasks run in the test's JVM). */
public final class Collected {
    private Collected() {}

    private static final Map<String, ConcurrentLinkedQueue<Object>> LISTS = new ConcurrentHashMap<>();

    public static <T> Sink<T> into(String name) {
        LISTS.put(name, new ConcurrentLinkedQueue<>());
        return ctx -> new SinkWriter<>() {
            @Override
            public void write(T v, Context c) {
                LISTS.get(name).add(v);
            }

            @Override
            public void flush(boolean endOfInput) {}

            @Override
            public void close() {}
        };
    }

    @SuppressWarnings("unchecked")
    public static <T> List<T> get(String name) {
        return new ArrayList<>((ConcurrentLinkedQueue<T>) (ConcurrentLinkedQueue<?>) LISTS.get(name));
    }
}
