package io.jmio.sys;

import java.nio.ByteBuffer;

/**
 * The native backend's contract: one method per libc call jmio makes. Arguments are primitives and
 * raw addresses; results are {@code >= 0} on success or {@code -errno} on failure (never an
 * exception, never a boxed value), the shape Netty's JNI layer uses. Internal.
 *
 * <p>{@link #INSTANCE} is chosen once per process. With a single implementation loaded, the JIT
 * devirtualises every call through this class.
 */
public abstract class Syscalls {
    /** The active backend, or null where jmio cannot run (see {@link #require()}). */
    public static final Syscalls INSTANCE = Backends.load();

    /**
     * The active backend.
     *
     * @throws UnsupportedOperationException naming the reason where jmio cannot run: another
     *     operating system, a 32-bit JVM, or a {@code -Djmio.backend} this JVM cannot provide
     */
    public static Syscalls require() {
        Syscalls backend = INSTANCE;
        if (backend == null) {
            throw new UnsupportedOperationException(Backends.unsupportedReason());
        }
        return backend;
    }

    protected Syscalls() {}

    /** The backend's short name, {@code "jna"} or {@code "ffm"}; for logs and bug reports. */
    public abstract String name();

    /**
     * The native address of a direct buffer's memory (its index 0). Must not allocate on the
     * steady-state path. A heap buffer has no such address and throws {@link IllegalArgumentException}.
     */
    public abstract long address(ByteBuffer buffer);

    /**
     * The backend for fds whose non-blocking mode jmio does not control: adopted ones, whose open
     * file description another process may share and switch back to blocking. Its calls may block
     * without stalling other threads; where the backend makes GC-blocking (critical) calls on
     * jmio's own fds, this one makes none. This backend itself where every call is ordinary.
     */
    public Syscalls forForeignFds() {
        return this;
    }

    public abstract int epollCreate1(int flags);

    /** {@code epoll_ctl} with a raw {@code struct epoll_event*} (0 for {@code EPOLL_CTL_DEL}). */
    public abstract int epollCtl(int epfd, int op, int fd, long event);

    public abstract int epollWait(int epfd, long events, int maxEvents, int timeoutMillis);

    public abstract int eventfd(int initialValue, int flags);

    public abstract long read(int fd, long address, long length);

    public abstract long write(int fd, long address, long length);

    public abstract long readv(int fd, long iov, int iovcnt);

    public abstract long writev(int fd, long iov, int iovcnt);

    public abstract int close(int fd);

    /**
     * {@code fcntl} with one {@code int} argument (F_GETFD, F_SETFD, F_GETFL, F_SETFL); the
     * result of a GET command is the flags.
     */
    public abstract int fcntl(int fd, int cmd, int arg);

    public abstract int pipe2(long fds, int flags);

    public abstract int socket(int domain, int type, int protocol);

    public abstract int socketpair(int domain, int type, int protocol, long fds);

    public abstract int bind(int fd, long address, int length);

    public abstract int listen(int fd, int backlog);

    public abstract int accept4(int fd, long address, long lengthPointer, int flags);

    public abstract int connect(int fd, long address, int length);

    public abstract int getsockname(int fd, long address, long lengthPointer);

    public abstract int getpeername(int fd, long address, long lengthPointer);

    public abstract int setsockopt(int fd, int level, int name, long value, int length);

    public abstract int getsockopt(int fd, int level, int name, long value, long lengthPointer);

    public abstract int shutdown(int fd, int how);

    public abstract long recvfrom(int fd, long buffer, long length, int flags, long address, long lengthPointer);

    public abstract long sendto(int fd, long buffer, long length, int flags, long address, int addressLength);

    public abstract long recvmsg(int fd, long msghdr, int flags);

    public abstract long sendmsg(int fd, long msghdr, int flags);

    /**
     * {@code splice} between a pipe and another fd; {@code offIn}/{@code offOut} are raw
     * {@code loff_t*} (0 for none, as for pipes and sockets). A backend without it returns
     * {@code -ENOSYS}, and callers fall back to copying.
     */
    public abstract long splice(int fdIn, long offIn, int fdOut, long offOut, long length, int flags);
}
