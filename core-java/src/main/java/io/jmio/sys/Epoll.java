package io.jmio.sys;

import static io.jmio.sys.Linux.EPOLLERR;
import static io.jmio.sys.Linux.EPOLLET;
import static io.jmio.sys.Linux.EPOLLHUP;
import static io.jmio.sys.Linux.EPOLLIN;
import static io.jmio.sys.Linux.EPOLLOUT;
import static io.jmio.sys.Linux.EPOLLPRI;
import static io.jmio.sys.Linux.EPOLLRDHUP;

import java.nio.ByteBuffer;

/**
 * epoll's registration bits and event decoding, as mio's epoll selector does them. Every
 * registration is edge-triggered. Internal.
 */
public final class Epoll {
    private Epoll() {}

    /** Registration bits for the given interests; always {@code EPOLLET}. */
    public static int interestBits(boolean readable, boolean writable, boolean priority) {
        int bits = EPOLLET;
        if (readable) {
            bits |= EPOLLIN | EPOLLRDHUP;
        }
        if (writable) {
            bits |= EPOLLOUT;
        }
        if (priority) {
            bits |= EPOLLPRI;
        }
        return bits;
    }

    /** {@code epoll_ctl} with the event built in the calling thread's scratch memory; 0 or -errno. */
    public static int ctl(int epfd, int op, int fd, int bits, long token) {
        Scratch scratch = Scratch.get();
        ByteBuffer event = scratch.buffer;
        event.putInt(Scratch.EPOLL_EVENT + Layout.EPOLL_EVENT_EVENTS, bits);
        event.putLong(Scratch.EPOLL_EVENT + Layout.EPOLL_EVENT_DATA, token);
        long eventAddress = op == Linux.EPOLL_CTL_DEL ? 0 : scratch.address + Scratch.EPOLL_EVENT;
        return Syscalls.INSTANCE.epollCtl(epfd, op, fd, eventAddress);
    }

    /** The raw flags of event {@code index} in an event array. */
    public static int flags(ByteBuffer events, int index) {
        return events.getInt(index * Layout.EPOLL_EVENT_SIZE + Layout.EPOLL_EVENT_EVENTS);
    }

    /** The user data (token) of event {@code index} in an event array. */
    public static long data(ByteBuffer events, int index) {
        return events.getLong(index * Layout.EPOLL_EVENT_SIZE + Layout.EPOLL_EVENT_DATA);
    }

    public static boolean isReadable(int flags) {
        return (flags & (EPOLLIN | EPOLLPRI)) != 0;
    }

    public static boolean isWritable(int flags) {
        return (flags & EPOLLOUT) != 0;
    }

    public static boolean isError(int flags) {
        return (flags & EPOLLERR) != 0;
    }

    /** No false positives: a hang-up, or input together with the peer's shutdown. */
    public static boolean isReadClosed(int flags) {
        return (flags & EPOLLHUP) != 0 || ((flags & EPOLLIN) != 0 && (flags & EPOLLRDHUP) != 0);
    }

    /** No false positives: a hang-up, an error with output, or an error alone. */
    public static boolean isWriteClosed(int flags) {
        return (flags & EPOLLHUP) != 0
                || ((flags & EPOLLOUT) != 0 && (flags & EPOLLERR) != 0)
                || flags == EPOLLERR;
    }

    public static boolean isPriority(int flags) {
        return (flags & EPOLLPRI) != 0;
    }

    /**
     * Whether, after an event with these flags, a short read proves the socket empty: not after a
     * hang-up or error (end of stream may follow the data with no new edge) nor urgent data (a
     * read stops at the mark with more queued behind it).
     */
    public static boolean shortReadDrains(int flags) {
        return (flags & (EPOLLHUP | EPOLLRDHUP | EPOLLERR | EPOLLPRI)) == 0;
    }

    /** The raw flags by name, e.g. {@code "EPOLLIN | EPOLLRDHUP"}, for debugging output. */
    public static String describe(int flags) {
        StringBuilder out = new StringBuilder();
        appendIf(out, flags, EPOLLIN, "EPOLLIN");
        appendIf(out, flags, EPOLLPRI, "EPOLLPRI");
        appendIf(out, flags, EPOLLOUT, "EPOLLOUT");
        appendIf(out, flags, EPOLLERR, "EPOLLERR");
        appendIf(out, flags, EPOLLHUP, "EPOLLHUP");
        appendIf(out, flags, EPOLLRDHUP, "EPOLLRDHUP");
        return out.length() == 0 ? "0" : out.toString();
    }

    private static void appendIf(StringBuilder out, int flags, int bit, String name) {
        if ((flags & bit) != 0) {
            out.append(out.length() == 0 ? "" : " | ").append(name);
        }
    }
}
