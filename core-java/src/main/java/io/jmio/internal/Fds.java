package io.jmio.internal;

import io.jmio.sys.Errno;
import io.jmio.sys.Linux;
import io.jmio.sys.Scratch;
import io.jmio.sys.Syscalls;
import java.io.IOException;

/**
 * File-descriptor plumbing that is not about sockets: pipes, and taking over an fd the caller
 * made elsewhere (received over a Unix socket, inherited, created by another library). Internal.
 */
public final class Fds {
    private Fds() {}

    /** A new pipe, both ends non-blocking and close-on-exec, as {@code {readEnd, writeEnd}}. */
    public static int[] pipe() throws IOException {
        Syscalls sys = Syscalls.require();
        Scratch scratch = Scratch.get();
        int result = sys.pipe2(scratch.address + Scratch.VALUE, Linux.O_NONBLOCK | Linux.O_CLOEXEC);
        if (result < 0) {
            throw Errno.exception("pipe2", -result);
        }
        return new int[] {scratch.buffer.getInt(Scratch.VALUE), scratch.buffer.getInt(Scratch.VALUE + 4)};
    }

    /**
     * The status flags ({@code F_GETFL}) of an fd the caller wants jmio to take over: its access
     * mode ({@code flags & O_ACCMODE}) and {@code O_NONBLOCK}.
     *
     * @throws IllegalArgumentException if {@code fd} is negative or not an open file descriptor
     */
    public static int statusFlags(int fd) throws IOException {
        if (fd < 0) {
            throw new IllegalArgumentException("invalid file descriptor: " + fd);
        }
        int flags = Syscalls.require().fcntl(fd, Linux.F_GETFL, 0);
        if (flags == -Errno.EBADF) {
            throw new IllegalArgumentException("file descriptor " + fd + " is not open");
        }
        if (flags < 0) {
            throw Errno.exception("fcntl(F_GETFL)", -flags);
        }
        return flags;
    }

    /**
     * @throws IllegalArgumentException unless {@code fd} is a pipe or FIFO end: on a regular file
     *     or a device {@code O_NONBLOCK} may mean nothing, and every read could block
     */
    public static void requirePipe(int fd) throws IOException {
        // F_GETPIPE_SZ answers for pipes and FIFOs alone, without fstat's per-architecture struct.
        int result = Syscalls.require().fcntl(fd, Linux.F_GETPIPE_SZ, 0);
        if (result == -Errno.EBADF) {
            throw new IllegalArgumentException("file descriptor " + fd + " is not a pipe or FIFO");
        }
        if (result < 0) {
            throw Errno.exception("fcntl(F_GETPIPE_SZ)", -result);
        }
    }

    /**
     * Puts an adopted fd in the state every jmio fd has: non-blocking (so no call can stall a
     * poll loop) and close-on-exec (so child processes never inherit it). {@code O_NONBLOCK}
     * belongs to the open file description, so other holders of the same description (a process
     * that passed the fd, a {@code dup}) see the change too, and can undo it: an adopted fd's
     * handle is therefore made with {@link FdHandle#FdHandle(int, boolean)}, whose calls are never
     * GC-blocking.
     *
     * @param statusFlags the fd's current {@link #statusFlags}
     */
    public static void makeNonBlockingAndCloseOnExec(int fd, int statusFlags) throws IOException {
        Syscalls sys = Syscalls.require();
        if ((statusFlags & Linux.O_NONBLOCK) == 0) {
            int result = sys.fcntl(fd, Linux.F_SETFL, statusFlags | Linux.O_NONBLOCK);
            if (result < 0) {
                throw Errno.exception("fcntl(F_SETFL, O_NONBLOCK)", -result);
            }
        }
        int descriptorFlags = sys.fcntl(fd, Linux.F_GETFD, 0);
        if (descriptorFlags < 0) {
            throw Errno.exception("fcntl(F_GETFD)", -descriptorFlags);
        }
        if ((descriptorFlags & Linux.FD_CLOEXEC) == 0) {
            int result = sys.fcntl(fd, Linux.F_SETFD, descriptorFlags | Linux.FD_CLOEXEC);
            if (result < 0) {
                throw Errno.exception("fcntl(F_SETFD, FD_CLOEXEC)", -result);
            }
        }
    }
}
