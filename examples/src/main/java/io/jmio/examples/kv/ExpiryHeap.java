package io.jmio.examples.kv;

import java.util.Arrays;

/**
 * The entries that have an expiry, soonest first. Each entry knows its index, so changing or
 * removing an entry's expiry is O(log n) and the heap never holds stale entries: its size is
 * exactly the number of keys with a TTL, however often TTLs change.
 */
final class ExpiryHeap {
    private Entry[] heap = new Entry[64];
    private int size;

    int size() {
        return size;
    }

    /** The entry that expires first, or null. */
    Entry peek() {
        return size == 0 ? null : heap[0];
    }

    /** Adds {@code entry} or, if it is already here, moves it for its new {@code expiresAt}. */
    void schedule(Entry entry) {
        if (entry.heapIndex < 0) {
            if (size == heap.length) {
                heap = Arrays.copyOf(heap, size * 2);
            }
            entry.heapIndex = size;
            heap[size++] = entry;
        }
        siftDown(siftUp(entry.heapIndex));
    }

    /** Removes {@code entry} if it is here. */
    void remove(Entry entry) {
        int index = entry.heapIndex;
        if (index < 0) {
            return;
        }
        entry.heapIndex = -1;
        Entry last = heap[--size];
        heap[size] = null;
        if (index < size) {
            place(last, index);
            siftDown(siftUp(index));
        }
    }

    void clear() {
        for (int i = 0; i < size; i++) {
            heap[i].heapIndex = -1;
            heap[i] = null;
        }
        size = 0;
    }

    private int siftUp(int index) {
        Entry entry = heap[index];
        while (index > 0) {
            int parent = (index - 1) >>> 1;
            if (heap[parent].expiresAt <= entry.expiresAt) {
                break;
            }
            place(heap[parent], index);
            index = parent;
        }
        place(entry, index);
        return index;
    }

    private void siftDown(int index) {
        Entry entry = heap[index];
        while (true) {
            int child = 2 * index + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && heap[child + 1].expiresAt < heap[child].expiresAt) {
                child++;
            }
            if (entry.expiresAt <= heap[child].expiresAt) {
                break;
            }
            place(heap[child], index);
            index = child;
        }
        place(entry, index);
    }

    private void place(Entry entry, int index) {
        heap[index] = entry;
        entry.heapIndex = index;
    }
}
