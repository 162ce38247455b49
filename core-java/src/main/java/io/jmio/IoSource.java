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
        SourceHandles.install(source -> ((IoSource) source).handle);
    }

    private final FdHandle handle;
    final boolean tracksRegistration;
    /** The registry this source is registered with, or null; guarded by {@code this}. */
    Registry registeredWith;

    /**
     * @param handle the fd this source stands for
     * @param tracksRegistration whether this object remembers its registration, so that a double
     *     register or a stray deregister fails with a clear message even across registries; sources
     *     that wrap a borrowed fd in a fresh object per call leave that to the kernel
     */
    protected IoSource(FdHandle handle, boolean tracksRegistration) {
        this.handle = handle;
        this.tracksRegistration = tracksRegistration;
    }

    /** The fd, guarded against concurrent close: use it between acquire and release. */
    protected final FdHandle handle() {
        return handle;
    }

    /** False once closed. */
    public boolean isOpen() {
        return handle.isOpen();
    }

    /**
     * The fd number, for handing to native code. The source still owns it: never close it, and
     * never use the number once the source may be closed, by this thread or another: the kernel
     * reuses fd numbers, so a stale one names an unrelated file. To pass a source's fd to another
     * process, give the source itself to {@link io.jmio.unix.UnixStream#sendWithFds(java.nio.ByteBuffer,
     * IoSource...)}, which holds it open across the send.
     *
     * @throws java.nio.channels.ClosedChannelException if this source is closed
     */
    public final int rawFd() throws ClosedChannelException {
        int fd = handle.acquire();
        handle.release();
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
