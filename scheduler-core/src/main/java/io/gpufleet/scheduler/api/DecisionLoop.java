package io.gpufleet.scheduler.api;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that owns the scheduler. HTTP handlers, informers and the fault stream hand it work with
 * {@link #call} and get a future back; a periodic pass ({@link SchedulerService#tick}) schedules the queue. The
 * core is never touched by two threads.
 */
public final class DecisionLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DecisionLoop.class);

    private final SchedulerService service;
    private final ScheduledExecutorService exec;
    private final AtomicInteger backlog = new AtomicInteger();
    private volatile Thread thread;

    public DecisionLoop(SchedulerService service) {
        this.service = service;
        this.exec = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gpufleet-decision-loop");
            t.setDaemon(true);
            thread = t;
            return t;
        });
        // The service refuses use from any other thread from here on.
        run(SchedulerService::claim).join();
    }

    /** Starts the periodic pass over the queue. */
    public DecisionLoop start(Duration every) {
        long ms = Math.max(1, every.toMillis());
        exec.scheduleWithFixedDelay(() -> {
            try {
                service.tick();
            } catch (RuntimeException e) {
                LOG.error("scheduling pass failed", e);
            }
        }, ms, ms, TimeUnit.MILLISECONDS);
        return this;
    }

    /** Runs {@code f} on the loop; the future completes with its result or its exception. */
    public <T> CompletableFuture<T> call(Function<SchedulerService, T> f) {
        CompletableFuture<T> out = new CompletableFuture<>();
        backlog.incrementAndGet();
        try {
            exec.execute(() -> {
                backlog.decrementAndGet();
                try {
                    out.complete(f.apply(service));
                } catch (Throwable t) {
                    out.completeExceptionally(t);
                }
                service.metrics().backlog.set(backlog.get());
            });
        } catch (RejectedExecutionException e) {
            backlog.decrementAndGet();
            out.completeExceptionally(new ApiException(503, "scheduler is shutting down"));
        }
        return out;
    }

    public CompletableFuture<Void> run(Consumer<SchedulerService> f) {
        return call(s -> {
            f.accept(s);
            return null;
        });
    }

    /** Calls waiting for the loop now. */
    public int backlog() {
        return backlog.get();
    }

    public boolean isLoopThread() {
        return Thread.currentThread() == thread;
    }

    @Override
    public void close() {
        exec.shutdown();
        try {
            if (!exec.awaitTermination(5, TimeUnit.SECONDS)) exec.shutdownNow();
        } catch (InterruptedException e) {
            exec.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
