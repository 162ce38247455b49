package io.jmio.sys;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Per-thread native memory for the small structs syscalls take (socket addresses, option values,
 * {@code msghdr}, iovec arrays) and for copying heap buffers. Allocated once per thread and reused,
 * so no call allocates. A region is valid only until the same thread's next syscall. Internal.
 */
public final class Scratch {
    /** {@code struct sockaddr_storage}. */
    public static final int ADDRESS = 0;
    /** A {@code socklen_t} for the address. */
    public static final int ADDRESS_LENGTH = 128;
    /** Up to 64 bytes of option value (or a pipe's two fds). */
    public static final int VALUE = 136;
    /** A {@code socklen_t} for the value. */
    public static final int VALUE_LENGTH = 200;
    /** One {@code struct epoll_event}. */
    public static final int EPOLL_EVENT = 208;
    /** One {@code struct msghdr}. */
    public static final int MSGHDR = 224;
    /** One {@code struct iovec} for a single-buffer {@code sendmsg}/{@code recvmsg}. */
    public static final int IOVEC = 288;
    /** Ancillary data: room for {@link #MAX_FDS} descriptors. */
    public static final int CONTROL = 320;
    /** How many file descriptors one message may carry. */
    public static final int MAX_FDS = 64;
    public static final int CONTROL_SIZE = 16 + 4 * MAX_FDS;
    private static final int SIZE = CONTROL + CONTROL_SIZE;

    /** Heap buffers are copied through this many bytes at a time. */
    public static final int BOUNCE_SIZE = 64 * 1024;

    private static final ThreadLocal<Scratch> CURRENT = ThreadLocal.withInitial(Scratch::new);

    /** The calling thread's scratch memory. */
    public static Scratch get() {
        return CURRENT.get();
    }

    /** The structs above, in native byte order. Use absolute gets and puts only. */
    public final ByteBuffer buffer;
    /** {@link #buffer}'s address: {@code address + ADDRESS} is the sockaddr, and so on. */
    public final long address;

    private ByteBuffer iovecs;
    private long iovecsAddress;
    private ByteBuffer bounce;
    private long bounceAddress;
    /** See {@link #pin}. */
    private volatile Object pinned;

    private Scratch() {
        buffer = ByteBuffer.allocateDirect(SIZE).order(ByteOrder.nativeOrder());
        address = Syscalls.require().address(buffer);
    }

    /** An iovec array with room for {@link Linux#IOV_MAX} entries, in native order. */
    public ByteBuffer iovecs() {
        if (iovecs == null) {
            iovecs = ByteBuffer.allocateDirect(Linux.IOV_MAX * Layout.IOVEC_SIZE).order(ByteOrder.nativeOrder());
            iovecsAddress = Syscalls.INSTANCE.address(iovecs);
        }
        return iovecs;
    }

    /** The address of {@link #iovecs()}. */
    public long iovecsAddress() {
        iovecs();
        return iovecsAddress;
    }

    /** A direct buffer of {@link #BOUNCE_SIZE} bytes for heap-buffer I/O. Position and limit are yours to set. */
    public ByteBuffer bounce() {
        if (bounce == null) {
            bounce = ByteBuffer.allocateDirect(BOUNCE_SIZE);
            bounceAddress = Syscalls.INSTANCE.address(bounce);
        }
        return bounce;
    }

    /**
     * Keeps {@code memoryOwner} (a temporary direct buffer whose address a native call is about to
     * use) strongly reachable until the next {@code pin(null)}, which must follow the call. This
     * thread's scratch is held by the thread-local map, and a volatile store is one the JIT may
     * neither drop (even when a later store overwrites it) nor move past the call that follows it,
     * so the buffer's cleaner cannot free the memory mid-call; unlike
     * {@code Reference.reachabilityFence} this works on Android below API 33.
     */
    public void pin(Object memoryOwner) {
        pinned = memoryOwner;
    }

    /** The address of {@link #bounce()}. */
    public long bounceAddress() {
        bounce();
        return bounceAddress;
    }
}
