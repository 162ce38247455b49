package io.jmio;

import io.jmio.internal.FdHandle;
import io.jmio.sys.Errno;
import io.jmio.sys.Linux;
import io.jmio.sys.Syscalls;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;

/**
 * Waits for readiness events from the sources registered with its {@link Registry}: jmio's
 * equivalent of mio's {@code Poll}, one epoll instance.
 *
 * <pre>{@code
 * try (Poll poll = Poll.open()) {
 *     Events events = Events.withCapacity(128);
 *     poll.registry().register(listener, 0, Interest.READABLE);
 *     while (running) {
 *         poll.poll(events, (Duration) null); // null: wait until something is ready
 *         for (Event event : events) {
 *             // drain each ready source until its operation would block
 *         }
 *     }
 * }
 * }</pre>
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Edge-triggered: an event means readiness may have changed. Perform the operation until it
 *       would block; otherwise there may be no further event. Events may be spurious.</li>
 *   <li>A poll returns at most {@link Events#capacity()} events; the rest come with the next poll.</li>
 *   <li>Timeouts round up to whole milliseconds: a 1 ns timeout waits 1 ms and never busy-loops.
 *       A zero timeout still asks the kernel. A poll interrupted by a signal (EINTR) returns
 *       normally with no events.</li>
 *   <li>One thread polls at a time. The {@link Registry} may be used from any thread meanwhile.</li>
 *   <li>{@link #close()} is idempotent. Closed from another thread while a poll is blocked, the
 *       epoll fd is released once that poll returns (wake it with a {@link Waker}); every later
 *       use throws {@link java.nio.channels.ClosedChannelException}.</li>
 * </ul>
 */
public final class Poll implements AutoCloseable {
    private final FdHandle epoll;
    private final Registry registry;
    private final Syscalls sys;

    private Poll(FdHandle epoll, Syscalls sys) {
        this.epoll = epoll;
        this.registry = new Registry(epoll);
        this.sys = sys;
    }

    /**
     * A new epoll instance (close-on-exec).
     *
     * @throws UnsupportedOperationException on an operating system other than Linux
     */
    public static Poll open() throws IOException {
        Syscalls sys = Syscalls.require();
        int fd = sys.epollCreate1(Linux.EPOLL_CLOEXEC);
        if (fd < 0) {
            throw Errno.exception("epoll_create1", -fd);
        }
        return new Poll(new FdHandle(fd), sys);
    }

    /** The registry that adds sources to this poll; shareable across threads. */
    public Registry registry() {
        return registry;
    }

    /**
     * Waits up to {@code timeout} (null waits until an event arrives) and fills {@code events},
     * replacing what it held.
     *
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    public void poll(Events events, Duration timeout) throws IOException {
        poll(events, toMillis(timeout));
    }

    /**
     * Waits up to {@code timeoutMillis} milliseconds (-1 waits until an event arrives, 0 returns at
     * once) and fills {@code events}, replacing what it held.
     *
     * @throws IllegalArgumentException if {@code timeoutMillis < -1}
     */
    public void poll(Events events, long timeoutMillis) throws IOException {
        Objects.requireNonNull(events, "events");
        if (timeoutMillis < -1) {
            throw new IllegalArgumentException("timeout must be -1 (forever) or >= 0 ms: " + timeoutMillis);
        }
        int timeout = (int) Math.min(timeoutMillis, Integer.MAX_VALUE);
        events.setSize(0);
        int epfd = epoll.acquire();
        try {
            int count = sys.epollWait(epfd, events.address, events.capacity(), timeout);
            if (count >= 0) {
                events.setSize(count);
            } else if (count != -Errno.EINTR) {
                throw Errno.exception("epoll_wait", -count);
            }
        } finally {
            epoll.release();
        }
    }

    /** Null means forever (-1); otherwise milliseconds rounded up, capped at {@code Integer.MAX_VALUE}. */
    static long toMillis(Duration timeout) {
        if (timeout == null) {
            return -1;
        }
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("negative timeout: " + timeout);
        }
        long seconds = timeout.getSeconds();
        if (seconds >= Integer.MAX_VALUE / 1000) {
            return Integer.MAX_VALUE;
        }
        return seconds * 1000 + (timeout.getNano() + 999_999) / 1_000_000;
    }

    public boolean isOpen() {
        return epoll.isOpen();
    }

    /** Closes the epoll instance; idempotent. Registered sources stay open. */
    @Override
    public void close() {
        epoll.close();
    }
}
