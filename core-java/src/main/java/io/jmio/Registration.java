package io.jmio;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.Objects;

/**
 * A source registered with an {@link EventLoop} together with its {@link ReadyHandler}; made by
 * {@link EventLoop#register}.
 *
 * <pre>{@code
 * Registration registration = loop.register(stream, Interest.READABLE, handler);
 * registration.reregister(Interest.READABLE.add(Interest.WRITABLE)); // also wait for writability
 * registration.close();                                              // no more handler calls
 * }</pre>
 *
 * <p>Thread-safe. Deregistering on the loop's thread (from a handler, task or timer) is exact:
 * the handler is not called again, not even for events already fetched in the same turn. From
 * another thread a handler call may already be under way; to be exact there, deregister inside
 * {@code loop.execute(...)}.
 */
public final class Registration implements AutoCloseable {
    private final EventLoop loop;
    private final Source source;
    final ReadyHandler handler;
    private final long token;
    /** Set false exactly once, under the loop's slab lock. */
    volatile boolean registered = true;

    Registration(EventLoop loop, Source source, ReadyHandler handler, long token) {
        this.loop = loop;
        this.source = source;
        this.handler = handler;
        this.token = token;
    }

    /**
     * The token the loop gave this registration in its {@link Registry}; tokens of deregistered
     * sources are not given out again for a long time (a slot index plus a reuse count).
     */
    public long token() {
        return token;
    }

    public Source source() {
        return source;
    }

    public EventLoop loop() {
        return loop;
    }

    /** False once deregistered (or once the loop is closed). */
    public boolean isRegistered() {
        return registered;
    }

    /**
     * Replaces the interests, keeping the handler.
     *
     * @throws IOException if this registration was deregistered
     */
    public void reregister(Interest interests) throws IOException {
        Objects.requireNonNull(interests, "interests");
        if (!registered) {
            throw new IOException("registration was deregistered");
        }
        loop.registry().reregister(source, token, interests);
    }

    /**
     * Stops the handler being called and removes the source from the loop's poll. Idempotent. If
     * the source was already closed (which removed it from epoll), this only releases the token.
     */
    public void deregister() throws IOException {
        if (!loop.release(this)) {
            return;
        }
        try {
            loop.registry().deregister(source);
        } catch (ClosedChannelException e) {
            // The source or the poll is closed: the kernel has already forgotten the registration.
        }
    }

    /** Same as {@link #deregister()}. */
    @Override
    public void close() throws IOException {
        deregister();
    }

    @Override
    public String toString() {
        return "Registration{token=" + Long.toHexString(token) + ", source=" + source
                + (registered ? "" : ", deregistered") + '}';
    }
}
