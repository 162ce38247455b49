package io.jmio.unix;

import io.jmio.IoSource;
import io.jmio.internal.FdHandle;
import io.jmio.internal.FdIo;
import io.jmio.internal.SourceHandles;
import io.jmio.sys.BufferScopes;
import io.jmio.sys.Errno;
import io.jmio.sys.Layout;
import io.jmio.sys.Linux;
import io.jmio.sys.Scratch;
import io.jmio.sys.Syscalls;
import java.io.IOException;
import java.net.SocketException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * Passing file descriptors over a Unix socket ({@code SCM_RIGHTS}) with {@code sendmsg} and
 * {@code recvmsg}: one {@code msghdr}, one iovec and the control message are built in the
 * thread's {@link Scratch}, so neither direction allocates.
 */
final class FdPassing {
    private FdPassing() {}

    private static final Syscalls SYS = Syscalls.INSTANCE;

    /**
     * Sends bytes from {@code src} with the fds of {@code sources} attached to the first of them.
     * Each source stays acquired across the {@code sendmsg}, so a concurrent {@code close()} cannot
     * let its number be reused (and an unrelated fd be sent) before the kernel has taken its copy.
     * Each source's calls stop being GC-blocking: the receiver can make the fd blocking.
     *
     * @return bytes sent (the fds went with them), or 0 if it would block (nothing, fds included, was sent)
     * @throws java.nio.channels.ClosedChannelException if a source is closed (nothing was sent)
     */
    static int send(FdHandle handle, ByteBuffer src, IoSource[] sources) throws IOException {
        Objects.requireNonNull(src, "src");
        Objects.requireNonNull(sources, "sources");
        checkCount(sources.length);
        for (IoSource source : sources) {
            Objects.requireNonNull(source, "source");
        }
        ByteBuffer memory = Scratch.get().buffer;
        clearControl(memory, sources.length);
        int acquired = 0;
        try {
            for (; acquired < sources.length; acquired++) {
                FdHandle source = SourceHandles.of(sources[acquired]);
                int fd = source.acquire();
                // The receiver shares the open file description, O_NONBLOCK included, from now on.
                source.markShared();
                memory.putInt(Scratch.CONTROL + Layout.CMSG_DATA + 4 * acquired, fd);
            }
            return sendWithControl(handle, src, sources.length);
        } finally {
            for (int i = 0; i < acquired; i++) {
                SourceHandles.of(sources[i]).release();
            }
        }
    }

    /**
     * Sends bytes from {@code src} with {@code fds} attached to the first of them. The numbers are
     * the caller's, who must keep them open until this returns.
     *
     * @return bytes sent (the fds went with them), or 0 if it would block (nothing, fds included, was sent)
     */
    static int send(FdHandle handle, ByteBuffer src, int[] fds) throws IOException {
        Objects.requireNonNull(src, "src");
        Objects.requireNonNull(fds, "fds");
        checkCount(fds.length);
        for (int i = 0; i < fds.length; i++) {
            if (fds[i] < 0) {
                throw new IllegalArgumentException("invalid file descriptor at index " + i + ": " + fds[i]);
            }
        }
        ByteBuffer memory = Scratch.get().buffer;
        clearControl(memory, fds.length);
        for (int i = 0; i < fds.length; i++) {
            memory.putInt(Scratch.CONTROL + Layout.CMSG_DATA + 4 * i, fds[i]);
        }
        return sendWithControl(handle, src, fds.length);
    }

    /** Zeroes the control message for {@code count} fds: its alignment padding goes out too. */
    private static void clearControl(ByteBuffer memory, int count) {
        int controlLength = count == 0 ? 0 : Layout.cmsgSpace(4 * count);
        for (int i = 0; i < controlLength; i += 4) {
            memory.putInt(Scratch.CONTROL + i, 0);
        }
    }

    /** The {@code sendmsg} of both sends, with {@code count} fds already in scratch's control data. */
    private static int sendWithControl(FdHandle handle, ByteBuffer src, int count) throws IOException {
        int position = src.position();
        int length = FdIo.remaining(src, position);
        if (length == 0) {
            throw new IllegalArgumentException("file descriptors travel with data: src needs at least one byte");
        }
        int fd = handle.acquire();
        try {
            Scratch scratch = Scratch.get();
            ByteBuffer memory = scratch.buffer;
            long data = FdIo.kernelAddress(src);
            if (data != 0) {
                data += position;
            } else {
                length = Math.min(length, Scratch.BOUNCE_SIZE);
                FdIo.copyInto(scratch.bounce(), src, position, length);
                data = scratch.bounceAddress();
            }
            int controlLength = 0;
            if (count > 0) {
                controlLength = Layout.cmsgSpace(4 * count);
                memory.putLong(Scratch.CONTROL + Layout.CMSGHDR_LEN, Layout.cmsgLen(4 * count));
                memory.putInt(Scratch.CONTROL + Layout.CMSGHDR_LEVEL, Linux.SOL_SOCKET);
                memory.putInt(Scratch.CONTROL + Layout.CMSGHDR_TYPE, Linux.SCM_RIGHTS);
            }
            prepareMessage(scratch, data, length, controlLength);
            Syscalls sys = handle.sys();
            long n;
            do {
                n = sys.sendmsg(fd, scratch.address + Scratch.MSGHDR, Linux.MSG_NOSIGNAL);
            } while (n == -Errno.EINTR);
            int sent = FdIo.writeResult(n, "sendmsg");
            ((Buffer) src).position(position + sent);
            return sent;
        } finally {
            handle.release();
        }
    }

    private static void checkCount(int count) {
        if (count > Scratch.MAX_FDS) {
            throw new IllegalArgumentException("at most " + Scratch.MAX_FDS + " file descriptors per message: " + count);
        }
    }

    /**
     * Reads bytes into {@code dst} and stores the fds that came with them in {@code fds}, the
     * unused entries set to -1. Received fds are close-on-exec ({@code MSG_CMSG_CLOEXEC}).
     *
     * @return bytes read, 0 if it would block, -1 at end of stream
     * @throws SocketException if fds were lost (more than {@code fds.length}, or no free fd
     *     numbers): the ones that did arrive are closed; the bytes are in {@code dst}
     */
    static int receive(FdHandle handle, ByteBuffer dst, int[] fds) throws IOException {
        Objects.requireNonNull(dst, "dst");
        Objects.requireNonNull(fds, "fds");
        FdIo.requireWritable(dst);
        if (fds.length == 0 || fds.length > Scratch.MAX_FDS) {
            throw new IllegalArgumentException("fds must have room for 1 to " + Scratch.MAX_FDS
                    + " file descriptors: " + fds.length);
        }
        int position = dst.position();
        int room = FdIo.remaining(dst, position);
        if (room == 0) {
            throw new IllegalArgumentException("dst has no room: file descriptors arrive with at least one byte");
        }
        Arrays.fill(fds, -1);
        int fd = handle.acquire();
        try {
            Scratch scratch = Scratch.get();
            ByteBuffer memory = scratch.buffer;
            long direct = FdIo.kernelAddress(dst);
            long data;
            if (direct != 0) {
                data = direct + position;
            } else {
                BufferScopes.requireAccessible(dst, position);
                room = Math.min(room, Scratch.BOUNCE_SIZE);
                data = scratch.bounceAddress();
            }
            prepareMessage(scratch, data, room, Layout.cmsgSpace(4 * fds.length));
            Syscalls sys = handle.sys();
            long n;
            do {
                n = sys.recvmsg(fd, scratch.address + Scratch.MSGHDR, Linux.MSG_CMSG_CLOEXEC);
            } while (n == -Errno.EINTR);
            if (n < 0) {
                return FdIo.readResult(n, "recvmsg");
            }
            int carried = collectFds(memory, fds);
            int received = Math.min(carried, fds.length);
            if (n > 0) {
                try {
                    FdIo.received(dst, position, (int) n, direct == 0 ? scratch.bounce() : null);
                } catch (RuntimeException copyFailed) { // an arena closed meanwhile: no fd may leak
                    closeAll(fds, received);
                    throw copyFailed;
                }
            }
            boolean truncated = (memory.getInt(Scratch.MSGHDR + Layout.MSGHDR_FLAGS) & Linux.MSG_CTRUNC) != 0;
            if (truncated || carried > fds.length) {
                closeAll(fds, received);
                throw new SocketException("recvmsg: file descriptors were lost: more arrived than fds has room for ("
                        + fds.length + "), or this process is out of fd numbers; the " + carried
                        + " that did arrive were closed (MSG_CTRUNC)");
            }
            return FdIo.readResult(n, "recvmsg");
        } finally {
            handle.release();
        }
    }

    private static void closeAll(int[] fds, int count) {
        for (int i = 0; i < count; i++) {
            SYS.close(fds[i]);
        }
        Arrays.fill(fds, -1);
    }

    /** One iovec of {@code length} bytes at {@code data}, control data at scratch {@link Scratch#CONTROL}. */
    private static void prepareMessage(Scratch scratch, long data, int length, int controlLength) {
        ByteBuffer memory = scratch.buffer;
        memory.putLong(Scratch.IOVEC + Layout.IOVEC_BASE, data);
        memory.putLong(Scratch.IOVEC + Layout.IOVEC_LEN, length);
        memory.putLong(Scratch.MSGHDR + Layout.MSGHDR_NAME, 0);
        memory.putLong(Scratch.MSGHDR + Layout.MSGHDR_NAMELEN, 0);
        memory.putLong(Scratch.MSGHDR + Layout.MSGHDR_IOV, scratch.address + Scratch.IOVEC);
        memory.putLong(Scratch.MSGHDR + Layout.MSGHDR_IOVLEN, 1);
        memory.putLong(Scratch.MSGHDR + Layout.MSGHDR_CONTROL, controlLength == 0 ? 0 : scratch.address + Scratch.CONTROL);
        memory.putLong(Scratch.MSGHDR + Layout.MSGHDR_CONTROLLEN, controlLength);
        memory.putLong(Scratch.MSGHDR + Layout.MSGHDR_FLAGS, 0);
    }

    /**
     * Copies the fds of every {@code SCM_RIGHTS} message the kernel wrote into {@code fds} and
     * closes any beyond its room (alignment padding can fit one more fd than asked for). Returns
     * how many arrived, closed ones included.
     */
    private static int collectFds(ByteBuffer memory, int[] fds) {
        long controlLength = memory.getLong(Scratch.MSGHDR + Layout.MSGHDR_CONTROLLEN);
        int count = 0;
        long offset = 0;
        while (offset + Layout.CMSG_DATA <= controlLength) {
            int at = Scratch.CONTROL + (int) offset;
            long length = memory.getLong(at + Layout.CMSGHDR_LEN);
            if (length < Layout.CMSG_DATA || offset + length > controlLength) {
                break;
            }
            if (memory.getInt(at + Layout.CMSGHDR_LEVEL) == Linux.SOL_SOCKET
                    && memory.getInt(at + Layout.CMSGHDR_TYPE) == Linux.SCM_RIGHTS) {
                int carried = (int) (length - Layout.CMSG_DATA) / 4;
                for (int i = 0; i < carried; i++) {
                    int received = memory.getInt(at + Layout.CMSG_DATA + 4 * i);
                    if (count < fds.length) {
                        fds[count] = received;
                    } else {
                        SYS.close(received);
                    }
                    count++;
                }
            }
            offset += Layout.cmsgSpace((int) length - Layout.CMSG_DATA);
        }
        return count;
    }
}
