package io.gpufleet.scheduler.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * Bounded load from clients on loopback against the extender filter and the job submit endpoints: reports
 * requests/s and latency percentiles (API.md quotes them) and requires zero errors.
 */
class LoadTest {
    static final int CLIENTS = 8;

    record Result(String endpoint, int requests, double perSecond, double p50ms, double p99ms, int errors) {
        @Override
        public String toString() {
            return String.format("RESULT load endpoint=%s requests=%d clients=%d rps=%.0f p50_ms=%.2f p99_ms=%.2f errors=%d",
                    endpoint, requests, CLIENTS, perSecond, p50ms, p99ms, errors);
        }
    }

    static Result run(String endpoint, int requests, IntFunction<HttpRequest> req, int expect) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        long[] lat = new long[requests];
        AtomicInteger next = new AtomicInteger(), errors = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        long t0 = System.nanoTime();
        List<Future<?>> fs = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            fs.add(pool.submit(() -> {
                for (int i; (i = next.getAndIncrement()) < requests; ) {
                    long s = System.nanoTime();
                    try {
                        HttpResponse<String> r = client.send(req.apply(i), HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() != expect) errors.incrementAndGet();
                    } catch (Exception e) {
                        errors.incrementAndGet();
                    }
                    lat[i] = System.nanoTime() - s;
                }
                return null;
            }));
        }
        for (Future<?> f : fs) f.get();
        double secs = (System.nanoTime() - t0) / 1e9;
        pool.shutdown();
        Arrays.sort(lat);
        return new Result(endpoint, requests, requests / secs, lat[requests / 2] / 1e6, lat[(int) (requests * 0.99)] / 1e6, errors.get());
    }

    @Test
    void filterAndSubmitUnderBoundedLoad() throws Exception {
        try (SchedulerServer s = SchedulerServer.start(new ServerConfig(0, "127.0.0.1", null, null, null, false, "gpufleet", 64, 3,
                1 << 20, Duration.ofMillis(200), true))) {
            String base = "http://127.0.0.1:" + s.port();
            StringBuilder names = new StringBuilder();
            for (int i = 0; i < 64; i++) names.append(i == 0 ? "" : ",").append("\"node-").append(i).append('"');
            String filter = "{\"Pod\":{\"metadata\":{\"name\":\"p\",\"namespace\":\"team-a\",\"uid\":\"u\"},\"spec\":{\"containers\":[{\"name\":\"c\","
                    + "\"resources\":{\"requests\":{\"nvidia.com/gpu\":\"1\",\"cpu\":\"2\",\"memory\":\"8Gi\"}}}]}},\"NodeNames\":[" + names + "]}";
            // warm-up (JIT), not measured
            run("filter", 300, i -> post(base + "/scheduler/filter", filter), 200);
            Result f = run("filter", 2000, i -> post(base + "/scheduler/filter", filter), 200);
            Result j = run("submit", 800, i -> post(base + "/api/v1/jobs", "{\"name\":\"load-" + i + "\",\"namespace\":\"team-"
                    + (i % 2 == 0 ? "a" : "b") + "\",\"resources\":{\"gpufleet.io/gpu-memory\":\"1Gi\",\"gpufleet.io/gpu-core\":\"5\",\"cpu\":\"100m\"}}"), 201);
            System.out.println(f);
            System.out.println(j);
            assertEquals(0, f.errors(), f.toString());
            assertEquals(0, j.errors(), j.toString());
            assertTrue(f.perSecond() > 50 && j.perSecond() > 20, f + " / " + j);
        }
    }

    static HttpRequest post(String url, String body) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }
}
