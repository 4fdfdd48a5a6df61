package io.gpufleet.exporter.publish.kafka;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A bounded hand-off between the collection loop and one sender thread, with exact accounting.
 *
 * <p>Items are either <em>queued</em> (waiting) or <em>in flight</em> (taken by the sender, not yet settled);
 * {@link #buffered()} counts both and never exceeds the capacity. When full, {@link #offer} drops the
 * <em>oldest queued</em> item to make room (fresh metrics are worth more than stale ones); only when every
 * buffered item is in flight is the new item itself rejected. Either way exactly one item is counted as
 * dropped per overflowing offer, so at all times {@code offered = sent + dropped + buffered}.
 *
 * <p>{@link #offer} never waits beyond a short lock; only {@link #take} blocks, and only the sender calls it.
 */
final class SnapshotBuffer<T> {
    private final int capacity;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Deque<T> queue = new ArrayDeque<>();
    private int inFlight;
    private long offered, sent, dropped;

    SnapshotBuffer(int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
        this.capacity = capacity;
    }

    /** Adds an item; returns false when it was rejected because everything buffered is in flight. */
    boolean offer(T item) {
        lock.lock();
        try {
            offered++;
            if (queue.size() + inFlight >= capacity) {
                dropped++;
                if (queue.isEmpty()) return false;
                queue.pollFirst();
            }
            queue.addLast(item);
            notEmpty.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Counts an item as offered and dropped without keeping it (the publisher is closing). */
    void reject() {
        lock.lock();
        try {
            offered++;
            dropped++;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Moves up to {@code max} queued items, oldest first, in flight; waits up to {@code timeout} for one.
     * Returns an empty list on timeout or interrupt.
     */
    List<T> take(int max, long timeout, TimeUnit unit) {
        lock.lock();
        try {
            long nanos = unit.toNanos(timeout);
            while (queue.isEmpty()) {
                if (nanos <= 0) return List.of();
                try {
                    nanos = notEmpty.awaitNanos(nanos);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return List.of();
                }
            }
            List<T> out = new ArrayList<>(Math.min(max, queue.size()));
            while (out.size() < max && !queue.isEmpty()) out.add(queue.pollFirst());
            inFlight += out.size();
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** In-flight items were delivered. */
    void sent(int n) {
        settle(n, true);
    }

    /** In-flight items failed for good. */
    void failed(int n) {
        settle(n, false);
    }

    /** In-flight items failed but may be retried: they go back to the head of the queue, in order. */
    void retry(List<T> items) {
        lock.lock();
        try {
            checkInFlight(items.size());
            inFlight -= items.size();
            for (int i = items.size() - 1; i >= 0; i--) queue.addFirst(items.get(i));
            if (!items.isEmpty()) notEmpty.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Gives up on everything queued (at shutdown); returns how many were dropped. */
    int dropQueued() {
        lock.lock();
        try {
            int n = queue.size();
            queue.clear();
            dropped += n;
            return n;
        } finally {
            lock.unlock();
        }
    }

    /** Waits up to {@code timeout} until something is queued; returns whether something is. */
    boolean awaitQueued(long timeout, TimeUnit unit) {
        lock.lock();
        try {
            long nanos = unit.toNanos(timeout);
            while (queue.isEmpty()) {
                if (nanos <= 0) return false;
                try {
                    nanos = notEmpty.awaitNanos(nanos);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Wakes a sender waiting in {@link #take} or {@link #awaitQueued}. */
    void wakeUp() {
        lock.lock();
        try {
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void settle(int n, boolean ok) {
        lock.lock();
        try {
            checkInFlight(n);
            inFlight -= n;
            if (ok) sent += n;
            else dropped += n;
        } finally {
            lock.unlock();
        }
    }

    private void checkInFlight(int n) {
        if (n < 0 || n > inFlight) throw new IllegalStateException("settling " + n + " items, " + inFlight + " in flight");
    }

    int capacity() {
        return capacity;
    }

    /** A consistent reading of the counters. */
    Counts counts() {
        lock.lock();
        try {
            return new Counts(offered, sent, dropped, queue.size() + inFlight, inFlight);
        } finally {
            lock.unlock();
        }
    }

    long buffered() {
        return counts().buffered();
    }

    record Counts(long offered, long sent, long dropped, long buffered, long inFlight) {}
}
