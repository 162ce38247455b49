package io.jmio.internal;

import io.jmio.sys.Syscalls;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * Owns one file descriptor and makes closing it safe against concurrent use. Internal.
 *
 * <p>Every syscall on the fd runs between {@link #acquire()} and {@link #release()}. {@link
 * #close()} marks the handle closed at once (later acquires throw {@link ClosedChannelException})
 * but the fd itself is closed only when the last user releases it. So a {@code close()} racing a
 * {@code read()} on another thread can never make that read touch a recycled fd number.
 */
public final class FdHandle {
    private static final AtomicIntegerFieldUpdater<FdHandle> STATE =
            AtomicIntegerFieldUpdater.newUpdater(FdHandle.class, "state");
    /** The sign bit marks "closed"; the rest counts users inside a syscall. */
    private static final int CLOSED = 0x8000_0000;

    private final int fd;
    private final boolean ownsFd;
    /** Becomes {@link Syscalls#forForeignFds()} once another process may share the fd; never back. */
    private volatile Syscalls sys;
    private volatile int state;
    /** The direct buffers last read into and written from, with their addresses (see FdIo). */
    final BufferAddressCache reads = new BufferAddressCache();
    final BufferAddressCache writes = new BufferAddressCache();

    /**
     * Takes ownership of {@code fd}, which jmio opened non-blocking itself and shares with no other
     * process: it is closed with this handle.
     */
    public FdHandle(int fd) {
        this(fd, true, true);
    }

    /**
     * Wraps {@code fd} that jmio did not open; when {@code ownsFd} is false, closing the handle
     * leaves the fd open. Its calls go through {@link Syscalls#forForeignFds()}: whoever else holds
     * its open file description can make it blocking at any time.
     */
    public FdHandle(int fd, boolean ownsFd) {
        this(fd, ownsFd, false);
    }

    private FdHandle(int fd, boolean ownsFd, boolean jmioControlsMode) {
        if (fd < 0) {
            throw new IllegalArgumentException("invalid file descriptor: " + fd);
        }
        this.fd = fd;
        this.ownsFd = ownsFd;
        Syscalls backend = Syscalls.INSTANCE;
        this.sys = backend == null || jmioControlsMode ? backend : backend.forForeignFds();
    }

    /**
     * The backend for this fd's calls: the one that may make GC-blocking (critical) calls only if
     * jmio opened the fd non-blocking itself, so no other process can switch it to blocking.
     */
    public final Syscalls sys() {
        return sys;
    }

    /**
     * Records that the fd's open file description is now shared with another process (it was
     * passed with {@code SCM_RIGHTS}), which can switch it to blocking: from now on its calls are
     * never GC-blocking.
     */
    public final void markShared() {
        Syscalls current = sys;
        if (current != null) {
            sys = current.forForeignFds();
        }
    }

    /** Enters a syscall: returns the fd, which stays open until the matching {@link #release()}. */
    public final int acquire() throws ClosedChannelException {
        for (;;) {
            int current = state;
            if (current < 0) {
                throw new ClosedChannelException();
            }
            if (STATE.compareAndSet(this, current, current + 1)) {
                return fd;
            }
        }
    }

    /** Leaves a syscall; the last user out after {@link #close()} closes the fd. */
    public final void release() {
        if (STATE.decrementAndGet(this) == CLOSED) {
            closeNow();
        }
    }

    public final boolean isOpen() {
        return state >= 0;
    }

    /** The fd number, for diagnostics and tests only: it may be closed and reused once released. */
    public final int fdForDiagnostics() {
        return fd;
    }

    /** Closes the handle; idempotent and safe from any thread. */
    public final void close() {
        for (;;) {
            int current = state;
            if (current < 0) {
                return;
            }
            if (STATE.compareAndSet(this, current, current | CLOSED)) {
                if (current == 0) {
                    closeNow();
                }
                return;
            }
        }
    }

    private void closeNow() {
        if (ownsFd) {
            // Linux releases the fd even when close reports EINTR or EIO; never retry.
            Syscalls.INSTANCE.close(fd);
        }
    }
}
