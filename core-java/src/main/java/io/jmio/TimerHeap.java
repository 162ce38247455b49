package io.jmio;

import java.util.Arrays;

/**
 * The {@link EventLoop}'s pending timeouts: a 4-ary min-heap ordered by deadline, then by
 * insertion. Each timeout remembers its index, so cancelling removes it in O(log n) instead of
 * leaving a tombstone. Deadlines are kept inline in a {@code long[]} beside the timeouts, so the
 * comparisons of a sift read one array instead of chasing a pointer per node into scattered
 * objects; a 4-ary heap is shallower than a binary one and a node's four children share a cache
 * line. Both matter with a million timers. Loop thread only.
 *
 * <p>The arrays shrink again when the heap empties out, so the memory of a burst of timers
 * returns after they fire.
 */
final class TimerHeap {
    private static final int ARITY = 4;
    private static final int MIN_CAPACITY = 64;

    private Timeout[] heap = new Timeout[MIN_CAPACITY];
    private long[] deadlines = new long[MIN_CAPACITY];
    private int size;
    private long nextSequence;

    int size() {
        return size;
    }

    /** The earliest timeout, or null. */
    Timeout peek() {
        return size == 0 ? null : heap[0];
    }

    void add(Timeout timeout) {
        if (size == heap.length) {
            resize(heap.length * 2);
        }
        timeout.sequence = nextSequence++;
        siftUp(size++, timeout);
    }

    /** Removes {@code timeout} if it is in this heap. */
    void remove(Timeout timeout) {
        int index = timeout.heapIndex;
        if (index < 0 || index >= size || heap[index] != timeout) {
            return;
        }
        timeout.heapIndex = -1;
        Timeout last = heap[--size];
        heap[size] = null;
        if (index != size) {
            // The last leaf takes the hole; it may belong above or below it.
            if (index > 0 && before(last.deadline, last, deadlines[(index - 1) / ARITY], heap[(index - 1) / ARITY])) {
                siftUp(index, last);
            } else {
                siftDown(index, last);
            }
        }
        if (heap.length > MIN_CAPACITY && size < heap.length / 4) {
            resize(heap.length / 2);
        }
    }

    /** Removes and returns the earliest timeout. The heap must not be empty. */
    Timeout poll() {
        Timeout first = heap[0];
        remove(first);
        return first;
    }

    /** Empties the heap and returns what it held, in no particular order. */
    Timeout[] clear() {
        Timeout[] all = Arrays.copyOf(heap, size);
        for (Timeout timeout : all) {
            timeout.heapIndex = -1;
        }
        heap = new Timeout[MIN_CAPACITY];
        deadlines = new long[MIN_CAPACITY];
        size = 0;
        return all;
    }

    private void resize(int capacity) {
        heap = Arrays.copyOf(heap, capacity);
        deadlines = Arrays.copyOf(deadlines, capacity);
    }

    private void siftUp(int index, Timeout timeout) {
        while (index > 0) {
            int parent = (index - 1) / ARITY;
            if (!before(timeout.deadline, timeout, deadlines[parent], heap[parent])) {
                break;
            }
            place(index, heap[parent], deadlines[parent]);
            index = parent;
        }
        place(index, timeout, timeout.deadline);
    }

    private void siftDown(int index, Timeout timeout) {
        for (;;) {
            int first = index * ARITY + 1;
            if (first >= size) {
                break;
            }
            int end = Math.min(first + ARITY, size);
            int least = first;
            for (int child = first + 1; child < end; child++) {
                if (before(deadlines[child], heap[child], deadlines[least], heap[least])) {
                    least = child;
                }
            }
            if (!before(deadlines[least], heap[least], timeout.deadline, timeout)) {
                break;
            }
            place(index, heap[least], deadlines[least]);
            index = least;
        }
        place(index, timeout, timeout.deadline);
    }

    private void place(int index, Timeout timeout, long deadline) {
        heap[index] = timeout;
        deadlines[index] = deadline;
        timeout.heapIndex = index;
    }

    /** Whether a runs before b. Reads a timeout's fields only to break a tie. */
    private static boolean before(long deadlineA, Timeout a, long deadlineB, Timeout b) {
        long difference = deadlineA - deadlineB; // nanoTime values: compare by difference
        return difference < 0 || (difference == 0 && a.sequence < b.sequence);
    }
}
