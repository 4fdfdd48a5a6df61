package io.gpufleet.exporter.publish.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SnapshotBufferTest {

    @Test
    void dropsOldestQueuedWhenFull() {
        SnapshotBuffer<Integer> b = new SnapshotBuffer<>(3);
        for (int i = 1; i <= 5; i++) assertTrue(b.offer(i));
        assertEquals(new SnapshotBuffer.Counts(5, 0, 2, 3, 0), b.counts());
        assertEquals(List.of(3, 4, 5), b.take(10, 0, TimeUnit.MILLISECONDS));
    }

    @Test
    void rejectsNewestWhenEverythingIsInFlight() {
        SnapshotBuffer<Integer> b = new SnapshotBuffer<>(2);
        b.offer(1);
        b.offer(2);
        assertEquals(List.of(1, 2), b.take(5, 0, TimeUnit.MILLISECONDS));
        assertFalse(b.offer(3), "nothing queued to drop: the new item is rejected");
        assertEquals(new SnapshotBuffer.Counts(3, 0, 1, 2, 2), b.counts());
        b.retry(List.of(1, 2));
        assertEquals(List.of(1), b.take(1, 0, TimeUnit.MILLISECONDS), "retried items return to the head in order");
        b.sent(1);
        assertEquals(new SnapshotBuffer.Counts(3, 1, 1, 1, 0), b.counts());
    }

    @Test
    void takeWaitsForAnItemAndTimesOut() throws Exception {
        SnapshotBuffer<Integer> b = new SnapshotBuffer<>(2);
        long t0 = System.nanoTime();
        assertEquals(List.of(), b.take(1, 50, TimeUnit.MILLISECONDS));
        assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(40));
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException ignored) {
                return;
            }
            b.offer(9);
        });
        t.start();
        assertEquals(List.of(9), b.take(1, 5, TimeUnit.SECONDS));
        t.join();
    }

    @Test
    void rejectsMisuse() {
        assertThrows(IllegalArgumentException.class, () -> new SnapshotBuffer<Integer>(0));
        SnapshotBuffer<Integer> b = new SnapshotBuffer<>(1);
        assertThrows(IllegalStateException.class, () -> b.sent(1));
        assertThrows(IllegalStateException.class, () -> b.retry(List.of(1)));
    }

    /** Property: against a reference model, for random operation sequences, contents and counts agree. */
    @Test
    void matchesReferenceModelUnderRandomOperations() {
        SplittableRandom rnd = new SplittableRandom(7L);
        for (int c = 0; c < 500; c++) {
            int cap = rnd.nextInt(1, 12);
            SnapshotBuffer<Integer> b = new SnapshotBuffer<>(cap);
            Deque<Integer> queue = new ArrayDeque<>();
            List<Integer> inFlight = new ArrayList<>();
            long offered = 0, sent = 0, dropped = 0;
            int next = 0;
            for (int step = 0; step < 200; step++) {
                switch (rnd.nextInt(5)) {
                    case 0, 1 -> {
                        int item = next++;
                        offered++;
                        boolean expectAccepted = true;
                        if (queue.size() + inFlight.size() >= cap) {
                            dropped++;
                            if (queue.isEmpty()) expectAccepted = false;
                            else queue.pollFirst();
                        }
                        if (expectAccepted) queue.addLast(item);
                        assertEquals(expectAccepted, b.offer(item), "case " + c);
                    }
                    case 2 -> {
                        int max = rnd.nextInt(1, 5);
                        List<Integer> expected = new ArrayList<>();
                        while (expected.size() < max && !queue.isEmpty()) expected.add(queue.pollFirst());
                        inFlight.addAll(expected);
                        assertEquals(expected, b.take(max, 0, TimeUnit.MILLISECONDS), "case " + c);
                    }
                    case 3 -> {
                        int n = inFlight.isEmpty() ? 0 : rnd.nextInt(inFlight.size() + 1);
                        List<Integer> settled = new ArrayList<>(inFlight.subList(0, n));
                        inFlight.subList(0, n).clear();
                        if (rnd.nextBoolean()) {
                            sent += n;
                            b.sent(n);
                        } else {
                            dropped += n;
                            b.failed(n);
                        }
                        assertEquals(n, settled.size());
                    }
                    default -> {
                        int n = inFlight.isEmpty() ? 0 : rnd.nextInt(inFlight.size() + 1);
                        List<Integer> back = new ArrayList<>(inFlight.subList(0, n));
                        inFlight.subList(0, n).clear();
                        for (int i = back.size() - 1; i >= 0; i--) queue.addFirst(back.get(i));
                        b.retry(back);
                    }
                }
                SnapshotBuffer.Counts counts = b.counts();
                assertEquals(new SnapshotBuffer.Counts(offered, sent, dropped, queue.size() + inFlight.size(), inFlight.size()),
                        counts, "case " + c + " step " + step);
                assertTrue(counts.buffered() <= cap);
                assertEquals(counts.offered(), counts.sent() + counts.dropped() + counts.buffered());
            }
        }
    }
}
