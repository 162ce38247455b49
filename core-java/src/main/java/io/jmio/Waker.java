package io.jmio;

import io.jmio.internal.FdHandle;
import io.jmio.sys.Errno;
import io.jmio.sys.Linux;
import io.jmio.sys.Syscalls;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * Wakes a {@link Poll} from any thread: {@link #wake()} makes the poll report a readable event
 * with this waker's token. Several wakes before a poll may coalesce into one event. One waker per
 * poll may be open at a time.
 *
 * <pre>{@code
 * Waker waker = new Waker(poll.registry(), WAKE_TOKEN);
 * // on any thread:
 * queue.add(task);
 * waker.wake();
 * // on the polling thread: returns with an event whose token is WAKE_TOKEN
 * poll.poll(events, (Duration) null);
 * }</pre>
 *
 * <p>Closing the poll first is harmless: wakes then reach nobody.
 *
 * <p>Built on an eventfd registered edge-triggered: every write is a new edge, so the counter is
 * never read except on the rare overflow. {@link #wake()} allocates nothing.
 */
public final class Waker implements AutoCloseable {
    private static final int ONE = 0;
    private static final int DRAIN = 8;

    private final Registry registry;
    private final EventFd eventFd;
    private final Syscalls sys;
    /** [0, 8) holds the counter increment 1; [8, 16) receives the counter when it must be reset. */
    private final long memory;
    @SuppressWarnings("unused") // keeps the memory at {@link #memory} alive
    private final ByteBuffer memoryOwner;

    /**
     * Creates a waker for {@code registry}'s poll that reports {@code token}.
     *
     * @throws IllegalStateException if the poll already has an open waker
     * @throws java.nio.channels.ClosedChannelException if the poll is closed
     */
    public Waker(Registry registry, long token) throws IOException {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.sys = Syscalls.require();
        if (!registry.hasWaker.compareAndSet(false, true)) {
            throw new IllegalStateException("only one Waker may be open per Poll");
        }
        try {
            // Allocated before the eventfd exists, so that only the registration can fail after it.
            memoryOwner = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder()).putLong(ONE, 1L);
            memory = sys.address(memoryOwner);
            int fd = sys.eventfd(0, Linux.EFD_CLOEXEC | Linux.EFD_NONBLOCK);
            if (fd < 0) {
                throw Errno.exception("eventfd", -fd);
            }
            eventFd = new EventFd(new FdHandle(fd));
            try {
                registry.register(eventFd, token, Interest.READABLE);
            } catch (IOException | RuntimeException e) {
                eventFd.fdHandle().close();
                throw e;
            }
        } catch (IOException | RuntimeException | Error e) {
            registry.hasWaker.set(false);
            throw e;
        }
    }

    /**
     * Makes the poll report a readable event with this waker's token, from any thread.
     *
     * @throws java.nio.channels.ClosedChannelException if this waker is closed
     */
    public void wake() throws IOException {
        FdHandle handle = eventFd.fdHandle();
        int fd = handle.acquire();
        try {
            long result = sys.write(fd, memory + ONE, 8);
            if (result == -Errno.EAGAIN) {
                // The counter is saturated: reset it, then the write is a fresh edge again.
                sys.read(fd, memory + DRAIN, 8);
                result = sys.write(fd, memory + ONE, 8);
            }
            if (result < 0 && result != -Errno.EAGAIN) {
                throw Errno.exception("wake", (int) -result);
            }
        } finally {
            handle.release();
        }
    }

    /** Closes the eventfd; the poll may then get a new waker. Idempotent and thread-safe. */
    @Override
    public synchronized void close() {
        // Synchronized so that of two racing closes only one releases the poll's waker slot: a late
        // second release could otherwise free the slot of a newer waker.
        if (eventFd.isOpen()) {
            eventFd.fdHandle().close();
            registry.hasWaker.set(false);
        }
    }

    private static final class EventFd extends IoSource {
        private final FdHandle handle;

        EventFd(FdHandle handle) {
            this.handle = handle;
            bind(handle, true);
        }

        FdHandle fdHandle() {
            return handle;
        }
    }
}
