package io.jmio;

import io.jmio.internal.FdHandle;
import io.jmio.sys.Epoll;
import io.jmio.sys.Errno;
import io.jmio.sys.Linux;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Registers {@link Source}s with a {@link Poll}. Thread-safe: any thread may register, reregister
 * and deregister while another thread is blocked in {@link Poll#poll}; a registration made then
 * can wake that poll with its event.
 *
 * <pre>{@code
 * Registry registry = poll.registry();
 * registry.register(listener, SERVER, Interest.READABLE);
 * registry.reregister(stream, CLIENT, Interest.READABLE.add(Interest.WRITABLE));
 * registry.deregister(stream); // its token is never reported again
 * }</pre>
 *
 * <p>Registrations are edge-triggered: after an event, perform the operation until it would
 * block, or there may be no further event.
 */
public final class Registry {
    private final FdHandle epoll;
    final AtomicBoolean hasWaker = new AtomicBoolean();

    Registry(FdHandle epoll) {
        this.epoll = epoll;
    }

    /**
     * Starts reporting {@code interests} readiness of {@code source} with {@code token}.
     *
     * @throws IOException if the source is already registered (with this poll, or with another
     *     poll that is still open)
     * @throws ClosedChannelException if the poll or the source is closed
     */
    public void register(Source source, long token, Interest interests) throws IOException {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(interests, "interests");
        if (!(source instanceof IoSource)) {
            source.register(this, token, interests);
            return;
        }
        IoSource io = (IoSource) source;
        synchronized (io) {
            ensureOpen();
            if (io.tracksRegistration && isRegisteredWithOpenRegistry(io)) {
                throw new IOException(io.registeredWith == this
                        ? "source is already registered with this Registry"
                        : "source is already registered with another Registry");
            }
            control(Linux.EPOLL_CTL_ADD, io, token, interests);
            io.registeredWith = this;
        }
    }

    /**
     * Replaces both the token and the interests of a registered source.
     *
     * @throws IOException if the source is not registered with this registry
     * @throws ClosedChannelException if the poll or the source is closed
     */
    public void reregister(Source source, long token, Interest interests) throws IOException {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(interests, "interests");
        if (!(source instanceof IoSource)) {
            source.reregister(this, token, interests);
            return;
        }
        IoSource io = (IoSource) source;
        synchronized (io) {
            ensureOpen();
            requireRegisteredHere(io);
            control(Linux.EPOLL_CTL_MOD, io, token, interests);
        }
    }

    /**
     * Stops reporting events for {@code source}. Once this returns, a later {@link Poll#poll} never
     * reports the source's token again (events already in an {@link Events} buffer remain there).
     *
     * @throws IOException if the source is not registered with this registry
     * @throws ClosedChannelException if the poll or the source is closed
     */
    public void deregister(Source source) throws IOException {
        Objects.requireNonNull(source, "source");
        if (!(source instanceof IoSource)) {
            source.deregister(this);
            return;
        }
        IoSource io = (IoSource) source;
        synchronized (io) {
            ensureOpen();
            requireRegisteredHere(io);
            control(Linux.EPOLL_CTL_DEL, io, 0, null);
            io.registeredWith = null;
        }
    }

    private void requireRegisteredHere(IoSource io) throws IOException {
        if (io.tracksRegistration && io.registeredWith != this) {
            throw new IOException(isRegisteredWithOpenRegistry(io)
                    ? "source is registered with another Registry"
                    : "source is not registered");
        }
    }

    /**
     * A registration with a poll that has since been closed died with that epoll instance, so it
     * does not count: the source may be registered with another poll.
     */
    private static boolean isRegisteredWithOpenRegistry(IoSource io) {
        return io.registeredWith != null && io.registeredWith.epoll.isOpen();
    }

    /** Closed-poll errors take precedence over registration-state errors. */
    private void ensureOpen() throws ClosedChannelException {
        if (!epoll.isOpen()) {
            throw new ClosedChannelException();
        }
    }

    private void control(int op, IoSource source, long token, Interest interests) throws IOException {
        int bits = interests == null ? 0
                : Epoll.interestBits(interests.isReadable(), interests.isWritable(), interests.isPriority());
        int epfd = epoll.acquire();
        try {
            FdHandle handle = source.boundHandle();
            int fd = handle.acquire();
            try {
                int result = Epoll.ctl(epfd, op, fd, bits, token);
                if (result < 0) {
                    throw controlError(op, -result);
                }
            } finally {
                handle.release();
            }
        } finally {
            epoll.release();
        }
    }

    private static IOException controlError(int op, int errno) {
        switch (errno) {
            case Errno.EEXIST:
                return new IOException("source is already registered (EEXIST)");
            case Errno.ENOENT:
                return new IOException("source is not registered (ENOENT)");
            case Errno.EPERM:
                return new IOException("this file descriptor does not support epoll (EPERM)");
            default:
                return Errno.exception(op == Linux.EPOLL_CTL_ADD ? "register"
                        : op == Linux.EPOLL_CTL_MOD ? "reregister" : "deregister", errno);
        }
    }
}
