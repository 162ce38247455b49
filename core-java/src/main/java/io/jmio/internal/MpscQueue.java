package io.jmio.internal;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

/**
 * An unbounded lock-free queue for many producer threads and one consumer thread, that can be
 * closed so that every offer either reaches the consumer or is refused. Internal.
 *
 * <p>Items live in linked chunks of {@value #CHUNK} slots. A producer claims a slot with one
 * atomic increment and publishes its item with one volatile store, so an offer allocates only
 * when it opens a new chunk (a few bytes per item on average). FIFO holds per producer.
 *
 * <p>An item whose producer has claimed its slot but not yet stored it is "in flight": the
 * consumer sees the queue as empty at that point. A consumer that decides to sleep because the
 * queue looked empty therefore relies on the producer to wake it: a producer must check the
 * consumer's sleep flag only after its offer returns, and the consumer must publish that flag
 * before its final {@link #isEmpty()} check (the volatile accesses on both sides make one of
 * them see the other).
 *
 * <p>After {@link #close()}, the consumer takes the rest with {@link #pollClosed()}. An offer
 * racing the close settles with one compare-and-set on its slot: either the consumer took the
 * item, or the producer took it back and {@link #offer} returns false.
 */
public final class MpscQueue<E> {
    static final int CHUNK = 1024;

    @SuppressWarnings("rawtypes")
    private static final AtomicReferenceFieldUpdater<MpscQueue, Chunk> TAIL =
            AtomicReferenceFieldUpdater.newUpdater(MpscQueue.class, Chunk.class, "tail");

    /** The chunk producers claim slots in; it only moves forward. */
    private volatile Chunk tail;
    /** Consumer-only: the chunk and slot of the next item. */
    private Chunk head;
    private int headIndex;
    private volatile boolean closed;

    public MpscQueue() {
        head = tail = new Chunk();
    }

    /**
     * Adds {@code item}; any thread. Returns false, leaving nothing in the queue, once the queue
     * is closed.
     */
    public boolean offer(E item) {
        Objects.requireNonNull(item, "item");
        if (closed) {
            return false;
        }
        for (;;) {
            Chunk chunk = tail;
            int index = Chunk.CLAIMED.getAndIncrement(chunk);
            if (index < CHUNK) {
                chunk.items.set(index, item);
                // A close that came first may already have drained past this slot: take it back.
                return !(closed && chunk.items.compareAndSet(index, item, null));
            }
            advance(chunk);
        }
    }

    /** Links a chunk after the full {@code chunk} (once, whoever gets there first) and moves tail. */
    private void advance(Chunk chunk) {
        Chunk next = chunk.next;
        if (next == null) {
            Chunk fresh = new Chunk();
            next = Chunk.NEXT.compareAndSet(chunk, null, fresh) ? fresh : chunk.next;
        }
        TAIL.compareAndSet(this, chunk, next);
    }

    /** The next item, or null if none is visible yet; consumer thread only, before close. */
    @SuppressWarnings("unchecked")
    public E poll() {
        Chunk chunk = head;
        int index = headIndex;
        if (index == CHUNK) {
            Chunk next = chunk.next;
            if (next == null) {
                return null;
            }
            head = chunk = next;
            index = 0;
        }
        Object item = chunk.items.get(index);
        if (item == null) {
            headIndex = index;
            return null;
        }
        // Ordered before any later close, so a producer that sees the close finds the slot empty.
        chunk.items.lazySet(index, null);
        headIndex = index + 1;
        return (E) item;
    }

    /** True if {@link #poll()} would return null now; consumer thread only. */
    public boolean isEmpty() {
        Chunk chunk = head;
        int index = headIndex;
        if (index == CHUNK) {
            chunk = chunk.next;
            if (chunk == null) {
                return true;
            }
            index = 0;
        }
        return chunk.items.get(index) == null;
    }

    /** Refuses all later offers; consumer thread only. Take what is left with {@link #pollClosed()}. */
    public void close() {
        closed = true;
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * After {@link #close()}: the next remaining item, skipping slots whose producers have not
     * stored yet (they will see the close and take their item back), or null when none is left.
     */
    @SuppressWarnings("unchecked")
    public E pollClosed() {
        if (!closed) {
            throw new IllegalStateException("pollClosed before close");
        }
        Chunk chunk = head;
        int index = headIndex;
        for (;;) {
            int claimed = Math.min(chunk.claimed, CHUNK);
            while (index < claimed) {
                Object item = chunk.items.getAndSet(index++, null);
                if (item != null) {
                    head = chunk;
                    headIndex = index;
                    return (E) item;
                }
            }
            Chunk next = chunk.next;
            if (index < CHUNK || next == null) {
                head = chunk;
                headIndex = index;
                return null;
            }
            chunk = next;
            index = 0;
        }
    }

    private static final class Chunk {
        static final AtomicIntegerFieldUpdater<Chunk> CLAIMED =
                AtomicIntegerFieldUpdater.newUpdater(Chunk.class, "claimed");
        static final AtomicReferenceFieldUpdater<Chunk, Chunk> NEXT =
                AtomicReferenceFieldUpdater.newUpdater(Chunk.class, Chunk.class, "next");

        final AtomicReferenceArray<Object> items = new AtomicReferenceArray<>(CHUNK);
        /** Slots handed out so far; grows past CHUNK while producers move to the next chunk. */
        volatile int claimed;
        volatile Chunk next;
    }
}
