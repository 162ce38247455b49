package io.jmio;

import io.jmio.internal.FdHandle;
import io.jmio.internal.SourceHandles;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;

/**
 * A {@link Source} backed by a file descriptor: the base of every jmio socket and pipe end, and of
 * {@link io.jmio.unix.SourceFd}. {@link Registry} performs the epoll calls for these sources itself,
 * so the {@code Source} methods here only route there.
 *
 * <p>An owned source's fd is closed with it, which also removes it from epoll. A source whose fd
 * is registered keeps that registration until it is deregistered, it is closed, or its poll is
 * closed; registering it again (with any registry) first needs one of those.
 */
public abstract class IoSource implements Source {
    static {
        SourceHandles.install(new SourceHandles.Accessor() {
            @Override
            public FdHandle handleOf(Object source) {
                return ((IoSource) source).boundHandle();
            }

            @Override
            public void bind(Object source, FdHandle handle, boolean tracksRegistration) {
                ((IoSource) source).bind(handle, tracksRegistration);
            }
        });
    }

    // Bound once, by the constructor of one of jmio's own subclasses, before the object escapes.
    // Volatile because they cannot be final (a final field would need the handle in the protected
    // constructor, making an internal type part of the API); both are read only off the I/O paths,
    // which use the subclass's own final copy of the handle.
    private volatile FdHandle handle;
    volatile boolean tracksRegistration;
    /** The registry this source is registered with, or null; guarded by {@code this}. */
    Registry registeredWith;

    /**
     * For jmio's own sources only ({@code io.jmio.net}, {@code io.jmio.unix}), which bind their fd
     * right away. A subclass from elsewhere has no fd: registries refuse it. To make your own
     * source, implement {@link Source} and delegate to one of jmio's.
     */
    protected IoSource() {}

    /**
     * @param tracksRegistration whether this object remembers its registration, so that a double
     *     register or a stray deregister fails with a clear message even across registries; sources
     *     that wrap a borrowed fd in a fresh object per call leave that to the kernel
     */
    final void bind(FdHandle fd, boolean tracksRegistration) {
        if (this.handle != null) {
            throw new IllegalStateException("source is bound to an fd already");
        }
        this.tracksRegistration = tracksRegistration;
        this.handle = fd;
    }

    /** The fd, guarded against concurrent close: use it between acquire and release. */
    final FdHandle boundHandle() {
        FdHandle bound = handle;
        if (bound == null) {
            throw new IllegalArgumentException(getClass().getName()
                    + " extends IoSource but is not one of jmio's sources; implement Source instead");
        }
        return bound;
    }

    /** False once closed. */
    public boolean isOpen() {
        FdHandle bound = handle;
        return bound != null && bound.isOpen();
    }

    /**
     * The fd number, for handing to native code. The source still owns it: never close it, and
     * never use the number once the source may be closed, by this thread or another: the kernel
     * reuses fd numbers, so a stale one names an unrelated file. To pass a source's fd to another
     * process, give the source itself to {@link io.jmio.unix.UnixStream#sendWithFds(java.nio.ByteBuffer,
     * IoSource...)}, which holds it open across the send.
     *
     * @throws java.nio.channels.ClosedChannelException if this source is closed
     * @throws IllegalArgumentException if this is a subclass from outside jmio, which has no fd
     */
    public final int rawFd() throws ClosedChannelException {
        FdHandle bound = boundHandle();
        int fd = bound.acquire();
        bound.release();
        return fd;
    }

    @Override
    public final void register(Registry registry, long token, Interest interests) throws IOException {
        registry.register(this, token, interests);
    }

    @Override
    public final void reregister(Registry registry, long token, Interest interests) throws IOException {
        registry.reregister(this, token, interests);
    }

    @Override
    public final void deregister(Registry registry) throws IOException {
        registry.deregister(this);
    }
}
