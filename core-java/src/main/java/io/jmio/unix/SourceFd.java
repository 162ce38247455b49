package io.jmio.unix;

import io.jmio.IoSource;
import io.jmio.internal.FdHandle;
import io.jmio.internal.SourceHandles;

/**
 * Registers a file descriptor that the caller owns: jmio never closes it. Use it for fds made
 * elsewhere (an eventfd, a timerfd, a child process's pipe). The caller must keep the fd open while
 * it is registered and should deregister it before closing it.
 *
 * <pre>{@code
 * int fd = ...; // made non-blocking by its owner
 * poll.registry().register(new SourceFd(fd), TOKEN, Interest.READABLE);
 * ...
 * poll.registry().deregister(new SourceFd(fd));
 * }</pre>
 *
 * <p>Registration state is the kernel's: a fresh {@code SourceFd} for the same fd deregisters it,
 * and registering the same fd twice fails with "already registered".
 */
public final class SourceFd extends IoSource {
    private final int fd;

    /** @throws IllegalArgumentException if {@code fd} is negative */
    public SourceFd(int fd) {
        SourceHandles.bind(this, new FdHandle(fd, false), false);
        this.fd = fd;
    }

    public int fd() {
        return fd;
    }

    @Override
    public String toString() {
        return "SourceFd(" + fd + ")";
    }
}
