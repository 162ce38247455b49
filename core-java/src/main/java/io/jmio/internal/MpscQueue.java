package io.jmio.internal;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.Consumer;

/**
 * An unbounded lock-free queue for many producer threads and one consumer thread, which the
 * consumer can close so that every offer either reaches it or is refused. Internal.
 *
 * <p>Items live in linked chunks of {@value #CHUNK} slots. A producer claims a slot with one
 * atomic increment, its only fence, and then stores the item with an ordered (release) write, so
 * an offer allocates only when it opens a new chunk: a few bytes per item on average. FIFO holds
 * per producer. The consumer drains in batches and writes its cursor back once per batch, so its
 * writes do not keep stealing the cache line producers read.
 *
 * <h2>Sleeping consumers</h2>
 * {@link #isEmpty()} counts claimed slots, not stored items. A consumer that publishes "I am
 * going to sleep" (a volatile write) and then finds the queue empty is therefore safe: a producer
 * whose claim it did not see claims afterwards, and a volatile read of the sleep flag made after
 * {@link #offer} returns sees it. A claimed slot whose item is not stored yet makes the queue
 * non-empty while {@link #drain} stops short of it, so the consumer must not sleep then; the gap
 * lasts a few instructions of the producer.
 *
 * <h2>Closing</h2>
 * {@link #close()} seals chunks by adding {@code SEALED} to their claim counter: a producer whose
 * increment lands after the seal gets an index beyond any slot and is refused; one that claimed
 * before is accepted, and {@link #pollClosed()} waits the few instructions until its item is
 * stored.
 */
public final class MpscQueue<E> {
    static final int CHUNK = 1024;
    /** Added to a chunk's claim counter when the consumer closes: later claims are refused. */
    private static final int SEALED = 1 << 30;

    @SuppressWarnings("rawtypes")
    private static final AtomicReferenceFieldUpdater<MpscQueue, Chunk> TAIL =
            AtomicReferenceFieldUpdater.newUpdater(MpscQueue.class, Chunk.class, "tail");

    /** The chunk producers claim slots in; it only moves forward. */
    private volatile Chunk tail;
    private volatile boolean closed;
    /** Consumer-only cursor: the chunk and slot of the next item. */
    private Chunk head;
    private int headIndex;
    /** Consumer-only, after close: valid slots of the head chunk once sealed, else -1. */
    private int headLimit = -1;

    public MpscQueue() {
        head = tail = new Chunk(0);
    }

    /**
     * Adds {@code item}; any thread, never blocks. Returns false, leaving nothing in the queue,
     * once the queue is closed.
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
                chunk.items.lazySet(index, item);
                return true;
            }
            if (index >= SEALED) {
                return false;
            }
            advance(chunk);
        }
    }

    /** Links a chunk after the full {@code chunk} (once, whoever gets there first) and moves tail. */
    private void advance(Chunk chunk) {
        Chunk next = chunk.next;
        if (next == null) {
            Chunk fresh = new Chunk(0);
            next = Chunk.NEXT.compareAndSet(chunk, null, fresh) ? fresh : chunk.next;
        }
        TAIL.compareAndSet(this, chunk, next);
    }

    /**
     * Hands up to {@code limit} items to {@code sink}, in order, stopping early at the first slot
     * whose item is not stored yet; returns how many. Consumer thread only, before close.
     */
    @SuppressWarnings("unchecked")
    public int drain(Consumer<? super E> sink, int limit) {
        Chunk chunk = head;
        int index = headIndex;
        int count = 0;
        try {
            while (count < limit) {
                if (index == CHUNK) {
                    Chunk next = chunk.next;
                    if (next == null) {
                        break;
                    }
                    chunk = next;
                    index = 0;
                }
                Object item = chunk.items.get(index);
                if (item == null) {
                    break;
                }
                chunk.items.lazySet(index++, null);
                count++;
                // The cursor is advanced before the sink runs: an exception leaves it consistent.
                sink.accept((E) item);
            }
        } finally {
            head = chunk;
            headIndex = index;
        }
        return count;
    }

    /** True if no producer has claimed a slot the consumer has not taken; consumer thread only. */
    public boolean isEmpty() {
        Chunk chunk = head;
        if (headIndex < CHUNK) {
            return chunk.claimed <= headIndex;
        }
        Chunk next = chunk.next;
        return next == null || next.claimed == 0;
    }

    /** Refuses all later offers; consumer thread only. Take what is left with {@link #pollClosed()}. */
    public void close() {
        closed = true;
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * After {@link #close()}: the next item an accepted offer put in, or null when none is left.
     * May briefly wait for a producer between its claim and its store.
     */
    @SuppressWarnings("unchecked")
    public E pollClosed() {
        if (!closed) {
            throw new IllegalStateException("pollClosed before close");
        }
        for (;;) {
            Chunk chunk = head;
            if (headLimit < 0) {
                headLimit = Math.min(Chunk.CLAIMED.getAndAdd(chunk, SEALED), CHUNK);
            }
            if (headIndex < headLimit) {
                Object item;
                while ((item = chunk.items.get(headIndex)) == null) {
                    Thread.yield(); // its producer claimed the slot before the seal: it is storing
                }
                chunk.items.lazySet(headIndex++, null);
                return (E) item;
            }
            if (headLimit < CHUNK) {
                return null; // sealed before it filled up: no chunk can follow
            }
            // Full before the seal: a successor may be linked any moment. Link a sealed one
            // ourselves, unless a producer got there first; then seal and drain theirs.
            Chunk next = chunk.next;
            if (next == null && Chunk.NEXT.compareAndSet(chunk, null, new Chunk(SEALED))) {
                return null;
            }
            head = chunk.next;
            headIndex = 0;
            headLimit = -1;
        }
    }

    private static final class Chunk {
        static final AtomicIntegerFieldUpdater<Chunk> CLAIMED =
                AtomicIntegerFieldUpdater.newUpdater(Chunk.class, "claimed");
        static final AtomicReferenceFieldUpdater<Chunk, Chunk> NEXT =
                AtomicReferenceFieldUpdater.newUpdater(Chunk.class, Chunk.class, "next");

        final AtomicReferenceArray<Object> items = new AtomicReferenceArray<>(CHUNK);
        /** Slots handed out so far; grows past CHUNK while producers move on, or by SEALED. */
        volatile int claimed;
        volatile Chunk next;

        Chunk(int claimed) {
            this.claimed = claimed;
        }
    }
}
