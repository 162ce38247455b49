package io.jmio.sys;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * JNA direct mapping of the libc calls jmio makes. Only primitives and raw addresses cross, which
 * keeps JNA on its fast path (no ffi_prep_cif, no marshalling, no allocation). Pointers and
 * {@code size_t}/{@code ssize_t} are Java {@code long}: valid on the LP64 ABIs {@link Backends}
 * admits. errno is read with {@link Native#getLastError()} right after a call returns -1.
 */
final class LibC {
    private LibC() {}

    static {
        Native.register(LibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    /** Runs the registration above now; throws a {@link LinkageError} if JNA or libc cannot load. */
    static void bind() {}

    static native int epoll_create1(int flags);

    static native int epoll_ctl(int epfd, int op, int fd, long event);

    static native int epoll_wait(int epfd, long events, int maxevents, int timeout);

    static native int eventfd(int initval, int flags);

    static native long read(int fd, long buf, long count);

    static native long write(int fd, long buf, long count);

    static native long readv(int fd, long iov, int iovcnt);

    static native long writev(int fd, long iov, int iovcnt);

    static native int close(int fd);

    /**
     * fcntl is variadic in C. Calling it through this fixed (int, int, int) prototype is sound on
     * the LP64 ABIs jmio admits: x86-64 SysV and AAPCS64 (Linux) pass a variadic int exactly where
     * a fixed third int goes (rdi/rsi/rdx, x0-x2), and on x86-64 glibc's va_start only uses %al to
     * decide whether to spill vector registers, which an int argument never needs.
     */
    static native int fcntl(int fd, int cmd, int arg);

    static native int pipe2(long pipefd, int flags);

    static native int socket(int domain, int type, int protocol);

    static native int socketpair(int domain, int type, int protocol, long sv);

    static native int bind(int fd, long addr, int addrlen);

    static native int listen(int fd, int backlog);

    static native int accept4(int fd, long addr, long addrlen, int flags);

    static native int connect(int fd, long addr, int addrlen);

    static native int getsockname(int fd, long addr, long addrlen);

    static native int getpeername(int fd, long addr, long addrlen);

    static native int setsockopt(int fd, int level, int optname, long optval, int optlen);

    static native int getsockopt(int fd, int level, int optname, long optval, long optlen);

    static native int shutdown(int fd, int how);

    static native long recvfrom(int fd, long buf, long len, int flags, long srcAddr, long addrlen);

    static native long sendto(int fd, long buf, long len, int flags, long destAddr, int addrlen);

    static native long recvmsg(int fd, long msg, int flags);

    static native long sendmsg(int fd, long msg, int flags);

    static native long splice(int fdIn, long offIn, int fdOut, long offOut, long len, int flags);
}
