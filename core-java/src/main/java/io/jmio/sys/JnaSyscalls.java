package io.jmio.sys;

import com.sun.jna.Native;
import java.nio.ByteBuffer;

/** The JNA backend: each method is one direct-mapped call plus errno on failure. Internal. */
final class JnaSyscalls extends Syscalls {
    private final DirectAddress addresses = DirectAddress.best();

    @Override
    public String name() {
        return "jna";
    }

    @Override
    public long address(ByteBuffer buffer) {
        return addresses.of(buffer);
    }

    private static int check(int result) {
        return result >= 0 ? result : -Native.getLastError();
    }

    private static long check(long result) {
        return result >= 0 ? result : -Native.getLastError();
    }

    @Override
    public int epollCreate1(int flags) {
        return check(LibC.epoll_create1(flags));
    }

    @Override
    public int epollCtl(int epfd, int op, int fd, long event) {
        return check(LibC.epoll_ctl(epfd, op, fd, event));
    }

    @Override
    public int epollWait(int epfd, long events, int maxEvents, int timeoutMillis) {
        return check(LibC.epoll_wait(epfd, events, maxEvents, timeoutMillis));
    }

    @Override
    public int eventfd(int initialValue, int flags) {
        return check(LibC.eventfd(initialValue, flags));
    }

    @Override
    public long read(int fd, long address, long length) {
        return check(LibC.read(fd, address, length));
    }

    @Override
    public long write(int fd, long address, long length) {
        return check(LibC.write(fd, address, length));
    }

    @Override
    public long readv(int fd, long iov, int iovcnt) {
        return check(LibC.readv(fd, iov, iovcnt));
    }

    @Override
    public long writev(int fd, long iov, int iovcnt) {
        return check(LibC.writev(fd, iov, iovcnt));
    }

    @Override
    public int close(int fd) {
        return check(LibC.close(fd));
    }

    @Override
    public int fcntl(int fd, int cmd, int arg) {
        return check(LibC.fcntl(fd, cmd, arg));
    }

    @Override
    public int pipe2(long fds, int flags) {
        return check(LibC.pipe2(fds, flags));
    }

    @Override
    public int socket(int domain, int type, int protocol) {
        return check(LibC.socket(domain, type, protocol));
    }

    @Override
    public int socketpair(int domain, int type, int protocol, long fds) {
        return check(LibC.socketpair(domain, type, protocol, fds));
    }

    @Override
    public int bind(int fd, long address, int length) {
        return check(LibC.bind(fd, address, length));
    }

    @Override
    public int listen(int fd, int backlog) {
        return check(LibC.listen(fd, backlog));
    }

    @Override
    public int accept4(int fd, long address, long lengthPointer, int flags) {
        return check(LibC.accept4(fd, address, lengthPointer, flags));
    }

    @Override
    public int connect(int fd, long address, int length) {
        return check(LibC.connect(fd, address, length));
    }

    @Override
    public int getsockname(int fd, long address, long lengthPointer) {
        return check(LibC.getsockname(fd, address, lengthPointer));
    }

    @Override
    public int getpeername(int fd, long address, long lengthPointer) {
        return check(LibC.getpeername(fd, address, lengthPointer));
    }

    @Override
    public int setsockopt(int fd, int level, int name, long value, int length) {
        return check(LibC.setsockopt(fd, level, name, value, length));
    }

    @Override
    public int getsockopt(int fd, int level, int name, long value, long lengthPointer) {
        return check(LibC.getsockopt(fd, level, name, value, lengthPointer));
    }

    @Override
    public int shutdown(int fd, int how) {
        return check(LibC.shutdown(fd, how));
    }

    @Override
    public long recvfrom(int fd, long buffer, long length, int flags, long address, long lengthPointer) {
        return check(LibC.recvfrom(fd, buffer, length, flags, address, lengthPointer));
    }

    @Override
    public long sendto(int fd, long buffer, long length, int flags, long address, int addressLength) {
        return check(LibC.sendto(fd, buffer, length, flags, address, addressLength));
    }

    @Override
    public long recvmsg(int fd, long msghdr, int flags) {
        return check(LibC.recvmsg(fd, msghdr, flags));
    }

    @Override
    public long sendmsg(int fd, long msghdr, int flags) {
        return check(LibC.sendmsg(fd, msghdr, flags));
    }

    @Override
    public long splice(int fdIn, long offIn, int fdOut, long offOut, long length, int flags) {
        return check(LibC.splice(fdIn, offIn, fdOut, offOut, length, flags));
    }
}
