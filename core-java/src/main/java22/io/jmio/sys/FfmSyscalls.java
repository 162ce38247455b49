package io.jmio.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * The Foreign Function &amp; Memory backend (JDK 22+): each method is one downcall through a
 * handle in {@link FfmLibC}, with {@code errno} captured into memory the calling thread reuses.
 * Never touches JNA. Internal.
 *
 * <p>Lives in the jar's {@code META-INF/versions/22}, so {@link Backends} finds it by name and
 * only on JDK 22+.
 */
@Jdk22
final class FfmSyscalls extends Syscalls {
    /** Per-thread memory that receives errno; allocated once per thread, freed with it. */
    private static final ThreadLocal<MemorySegment> CALL_STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(FfmLibC.CALL_STATE));


    /** Whether this instance makes the I/O calls critical: only for fds whose non-blocking mode jmio controls. */
    private final boolean critical;
    private final FfmSyscalls forForeignFds;

    /** Links every call now, so a failure shows at selection rather than at first use. */
    FfmSyscalls() {
        this(true);
    }

    private FfmSyscalls(boolean critical) {
        if (critical) {
            NativeLayouts.verify();
            FfmLibC.linkAll();
        }
        this.critical = critical;
        this.forForeignFds = critical ? new FfmSyscalls(false) : this;
    }

    /** The same calls, none of them critical: a blocking one then parks only its own thread. */
    @Override
    public Syscalls forForeignFds() {
        return forForeignFds;
    }

    /** Whether jmio's module may make restricted calls without a warning ({@code --enable-native-access}). */
    static boolean nativeAccessEnabled() {
        return FfmSyscalls.class.getModule().isNativeAccessEnabled();
    }

    @Override
    public String name() {
        return "ffm";
    }

    /**
     * Through {@link MemorySegment#ofBuffer}: public API, no Unsafe, no JNI. ofBuffer starts the
     * segment at the buffer's position, which another thread may move at any moment, so it is
     * given an empty slice at index 0 instead ({@code slice(0, 0)} is valid whatever the position
     * and limit): subtracting a separately read position could yield a wrong base, which the
     * handles' caches would then keep. The slice, segment and session never escape, so C2 can
     * remove the allocations if it inlines every constructor involved: that is why this calls
     * ofBuffer itself, without a helper in between.
     */
    @Override
    public long address(ByteBuffer buffer) {
        if (!buffer.isDirect()) {
            throw notDirect(buffer); // kept out of line: a small method is always inlined
        }
        return MemorySegment.ofBuffer(buffer.slice(0, 0)).address();
    }

    private static IllegalArgumentException notDirect(ByteBuffer buffer) {
        return new IllegalArgumentException("not a direct buffer: " + buffer);
    }

    private static int check(int result, MemorySegment state) {
        return result >= 0 ? result : -(int) FfmLibC.ERRNO.get(state, 0L);
    }

    private static long check(long result, MemorySegment state) {
        return result >= 0 ? result : -(int) FfmLibC.ERRNO.get(state, 0L);
    }

    /** A downcall throws nothing checked; anything it does throw is a bug to surface as is. */
    private static RuntimeException rethrow(Throwable failure) {
        if (failure instanceof RuntimeException unchecked) {
            return unchecked;
        }
        if (failure instanceof Error error) {
            throw error;
        }
        return new IllegalStateException(failure);
    }

    @Override
    public int epollCreate1(int flags) {
        MemorySegment state = CALL_STATE.get();
        try {
            return check((int) FfmLibC.EPOLL_CREATE1.invokeExact(state, flags), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int epollCtl(int epfd, int op, int fd, long event) {
        MemorySegment state = CALL_STATE.get();
        try {
            return check((int) FfmLibC.EPOLL_CTL.invokeExact(state, epfd, op, fd, event), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int epollWait(int epfd, long events, int maxEvents, int timeoutMillis) {
        MemorySegment state = CALL_STATE.get();
        try {
            int result = timeoutMillis == 0
                    ? (int) FfmLibC.EPOLL_WAIT_NOW.invokeExact(state, epfd, events, maxEvents, 0)
                    : (int) FfmLibC.EPOLL_WAIT.invokeExact(state, epfd, events, maxEvents, timeoutMillis);
            return check(result, state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int eventfd(int initialValue, int flags) {
        MemorySegment state = CALL_STATE.get();
        try {
            return check((int) FfmLibC.EVENTFD.invokeExact(state, initialValue, flags), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long read(int fd, long address, long length) {
        MemorySegment state = CALL_STATE.get();
        try {
            long result = critical
                    ? (long) FfmLibC.READ.invokeExact(state, fd, address, length)
                    : (long) FfmLibC.READ_MAY_BLOCK.invokeExact(state, fd, address, length);
            return check(result, state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long write(int fd, long address, long length) {
        MemorySegment state = CALL_STATE.get();
        try {
            long result = critical
                    ? (long) FfmLibC.WRITE.invokeExact(state, fd, address, length)
                    : (long) FfmLibC.WRITE_MAY_BLOCK.invokeExact(state, fd, address, length);
            return check(result, state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long readv(int fd, long iov, int iovcnt) {
        MemorySegment state = CALL_STATE.get();
        try {
            long result = critical
                    ? (long) FfmLibC.READV.invokeExact(state, fd, iov, iovcnt)
                    : (long) FfmLibC.READV_MAY_BLOCK.invokeExact(state, fd, iov, iovcnt);
            return check(result, state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long writev(int fd, long iov, int iovcnt) {
        MemorySegment state = CALL_STATE.get();
        try {
            long result = critical
                    ? (long) FfmLibC.WRITEV.invokeExact(state, fd, iov, iovcnt)
                    : (long) FfmLibC.WRITEV_MAY_BLOCK.invokeExact(state, fd, iov, iovcnt);
            return check(result, state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int close(int fd) {
        MemorySegment state = CALL_STATE.get();
        try {
            return check((int) FfmLibC.CLOSE.invokeExact(state, fd), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int fcntl(int fd, int cmd, int arg) {
        MemorySegment state = CALL_STATE.get();
        try {
            return check((int) FfmLibC.FCNTL.invokeExact(state, fd, cmd, arg), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int pipe2(long fds, int flags) {
        MemorySegment state = CALL_STATE.get();
        try {
            return check((int) FfmLibC.PIPE2.invokeExact(state, fds, flags), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int socket(int domain, int type, int protocol) {
        MemorySegment state = CALL_STATE.get();
        try {
            return check((int) FfmLibC.SOCKET.invokeExact(state, domain, type, protocol), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int socketpair(int domain, int type, int protocol, long fds) {
        MemorySegment state = CALL_STATE.get();
        try {
            return check((int) FfmLibC.SOCKETPAIR.invokeExact(state, domain, type, protocol, fds), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int bind(int fd, long address, int length) {
        MemorySegment state = CALL_STATE.get();
        try {
            return check((int) FfmLibC.BIND.invokeExact(state, fd, address, length), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int listen(int fd, int backlog) {
        MemorySegment state = CALL_STATE.get();
        try {
            return check((int) FfmLibC.LISTEN.invokeExact(state, fd, backlog), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int accept4(int fd, long address, long lengthPointer, int flags) {
        MemorySegment state = CALL_STATE.get();
        try {
            int result = critical
                    ? (int) FfmLibC.ACCEPT4.invokeExact(state, fd, address, lengthPointer, flags)
                    : (int) FfmLibC.ACCEPT4_MAY_BLOCK.invokeExact(state, fd, address, lengthPointer, flags);
            return check(result, state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int connect(int fd, long address, int length) {
        MemorySegment state = CALL_STATE.get();
        try {
            return check((int) FfmLibC.CONNECT.invokeExact(state, fd, address, length), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int getsockname(int fd, long address, long lengthPointer) {
        MemorySegment state = CALL_STATE.get();
        try {
            return check((int) FfmLibC.GETSOCKNAME.invokeExact(state, fd, address, lengthPointer), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int getpeername(int fd, long address, long lengthPointer) {
        MemorySegment state = CALL_STATE.get();
        try {
            return check((int) FfmLibC.GETPEERNAME.invokeExact(state, fd, address, lengthPointer), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int setsockopt(int fd, int level, int name, long value, int length) {
        MemorySegment state = CALL_STATE.get();
        try {
            return check((int) FfmLibC.SETSOCKOPT.invokeExact(state, fd, level, name, value, length), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int getsockopt(int fd, int level, int name, long value, long lengthPointer) {
        MemorySegment state = CALL_STATE.get();
        try {
            return check((int) FfmLibC.GETSOCKOPT.invokeExact(state, fd, level, name, value, lengthPointer), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int shutdown(int fd, int how) {
        MemorySegment state = CALL_STATE.get();
        try {
            return check((int) FfmLibC.SHUTDOWN.invokeExact(state, fd, how), state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long recvfrom(int fd, long buffer, long length, int flags, long address, long lengthPointer) {
        MemorySegment state = CALL_STATE.get();
        try {
            long result = critical
                    ? (long) FfmLibC.RECVFROM.invokeExact(state, fd, buffer, length, flags, address, lengthPointer)
                    : (long) FfmLibC.RECVFROM_MAY_BLOCK.invokeExact(state, fd, buffer, length, flags, address,
                            lengthPointer);
            return check(result, state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long sendto(int fd, long buffer, long length, int flags, long address, int addressLength) {
        MemorySegment state = CALL_STATE.get();
        try {
            long result = critical
                    ? (long) FfmLibC.SENDTO.invokeExact(state, fd, buffer, length, flags, address, addressLength)
                    : (long) FfmLibC.SENDTO_MAY_BLOCK.invokeExact(state, fd, buffer, length, flags, address,
                            addressLength);
            return check(result, state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long recvmsg(int fd, long msghdr, int flags) {
        MemorySegment state = CALL_STATE.get();
        try {
            long result = critical
                    ? (long) FfmLibC.RECVMSG.invokeExact(state, fd, msghdr, flags)
                    : (long) FfmLibC.RECVMSG_MAY_BLOCK.invokeExact(state, fd, msghdr, flags);
            return check(result, state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long sendmsg(int fd, long msghdr, int flags) {
        MemorySegment state = CALL_STATE.get();
        try {
            long result = critical
                    ? (long) FfmLibC.SENDMSG.invokeExact(state, fd, msghdr, flags)
                    : (long) FfmLibC.SENDMSG_MAY_BLOCK.invokeExact(state, fd, msghdr, flags);
            return check(result, state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public long splice(int fdIn, long offIn, int fdOut, long offOut, long length, int flags) {
        MemorySegment state = CALL_STATE.get();
        try {
            long result = critical
                    ? (long) FfmLibC.SPLICE.invokeExact(state, fdIn, offIn, fdOut, offOut, length, flags)
                    : (long) FfmLibC.SPLICE_MAY_BLOCK.invokeExact(state, fdIn, offIn, fdOut, offOut, length, flags);
            return check(result, state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
