package io.jmio;

import io.jmio.sys.Layout;
import io.jmio.sys.Syscalls;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A reusable buffer that {@link Poll#poll} fills with readiness events. The kernel writes the
 * events straight into native memory; {@link Event}s are views over it, so polling and iterating
 * allocate nothing. Not thread-safe: one thread polls into it and reads it.
 *
 * <pre>{@code
 * Events events = Events.withCapacity(1024);
 * poll.poll(events, Duration.ofMillis(100));
 * for (Event event : events) {
 *     handle(event.token(), event);
 * }
 * }</pre>
 */
public final class Events implements Iterable<Event> {
    /** The largest capacity accepted: 65,536 events per poll is far beyond any useful batch (Netty uses 4,096). */
    public static final int MAX_CAPACITY = 1 << 16;

    final ByteBuffer buffer;
    final long address;
    private final Event[] views;
    private int size;
    private final EventIterator iterator = new EventIterator();

    private Events(int capacity) {
        buffer = ByteBuffer.allocateDirect(capacity * Layout.EPOLL_EVENT_SIZE).order(ByteOrder.nativeOrder());
        address = Syscalls.require().address(buffer);
        views = new Event[capacity];
        for (int i = 0; i < capacity; i++) {
            views[i] = new Event(this, i);
        }
    }

    /**
     * An empty buffer with room for {@code capacity} events per poll.
     *
     * @throws IllegalArgumentException unless {@code 1 <= capacity <= MAX_CAPACITY}
     */
    public static Events withCapacity(int capacity) {
        if (capacity < 1 || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("capacity must be in [1, " + MAX_CAPACITY + "]: " + capacity);
        }
        return new Events(capacity);
    }

    /** How many events one poll can return. */
    public int capacity() {
        return views.length;
    }

    /** How many events the last poll returned. */
    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** Forgets the events of the last poll. */
    public void clear() {
        setSize(0);
    }

    /**
     * Event {@code index} of the last poll.
     *
     * @throws IndexOutOfBoundsException unless {@code 0 <= index < size()}
     */
    public Event get(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("index " + index + ", size " + size);
        }
        return views[index];
    }

    /** Called by every poll: new contents end any iteration over the old ones. */
    void setSize(int size) {
        this.size = size;
        iterator.active = false;
    }

    /**
     * Iterates over the last poll's events. One iterator is reused once the previous iteration has
     * run to its end or a new poll (or {@link #clear()}) has replaced the events, so for-each loops
     * allocate nothing, even after one that stopped early ({@code break}). Only an iteration started
     * while another is still under way over the same events (a nested loop) gets a fresh iterator.
     */
    @Override
    public Iterator<Event> iterator() {
        if (iterator.active) {
            return new EventIterator().start();
        }
        return iterator.start();
    }

    @Override
    public String toString() {
        return "Events{size=" + size + ", capacity=" + views.length + '}';
    }

    private final class EventIterator implements Iterator<Event> {
        private int next;
        boolean active;

        EventIterator start() {
            next = 0;
            active = true;
            return this;
        }

        @Override
        public boolean hasNext() {
            if (next < size) {
                return true;
            }
            active = false;
            return false;
        }

        @Override
        public Event next() {
            if (next >= size) {
                active = false;
                throw new NoSuchElementException();
            }
            return views[next++];
        }
    }
}
