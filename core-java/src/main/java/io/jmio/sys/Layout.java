package io.jmio.sys;

import java.util.Locale;

/**
 * Struct layouts of the Linux LP64 ABIs jmio supports, computed once per process. Offsets are in
 * bytes. Internal.
 */
public final class Layout {
    private Layout() {}

    private static final String ARCH = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);

    /** True on 64-bit data models, the only ones jmio runs on. */
    static final boolean LP64 = "64".equals(System.getProperty("sun.arch.data.model"))
            || ARCH.contains("64") || ARCH.equals("s390x");

    /** {@code struct epoll_event} is packed on x86-64 (12 bytes) and naturally aligned elsewhere (16). */
    private static final boolean PACKED_EPOLL_EVENT = ARCH.equals("amd64") || ARCH.equals("x86_64");

    public static final int EPOLL_EVENT_SIZE = PACKED_EPOLL_EVENT ? 12 : 16;
    public static final int EPOLL_EVENT_EVENTS = 0;
    public static final int EPOLL_EVENT_DATA = PACKED_EPOLL_EVENT ? 4 : 8;

    /** {@code struct iovec { void *base; size_t len; }}. */
    public static final int IOVEC_SIZE = 16;
    public static final int IOVEC_BASE = 0;
    public static final int IOVEC_LEN = 8;

    /** {@code struct msghdr} on LP64. */
    public static final int MSGHDR_SIZE = 56;
    public static final int MSGHDR_NAME = 0;
    public static final int MSGHDR_NAMELEN = 8;
    public static final int MSGHDR_IOV = 16;
    public static final int MSGHDR_IOVLEN = 24;
    public static final int MSGHDR_CONTROL = 32;
    public static final int MSGHDR_CONTROLLEN = 40;
    public static final int MSGHDR_FLAGS = 48;

    /** {@code struct cmsghdr { size_t len; int level; int type; }} followed by 8-aligned data. */
    public static final int CMSGHDR_LEN = 0;
    public static final int CMSGHDR_LEVEL = 8;
    public static final int CMSGHDR_TYPE = 12;
    public static final int CMSG_DATA = 16;

    /** {@code CMSG_SPACE(n)}: header plus data rounded up to the 8-byte alignment. */
    public static int cmsgSpace(int dataLength) {
        return CMSG_DATA + ((dataLength + 7) & ~7);
    }

    /** {@code CMSG_LEN(n)}. */
    public static int cmsgLen(int dataLength) {
        return CMSG_DATA + dataLength;
    }

    /** Big enough for any socket address ({@code sizeof(struct sockaddr_storage)}). */
    public static final int SOCKADDR_STORAGE_SIZE = 128;
    public static final int SOCKADDR_IN_SIZE = 16;
    public static final int SOCKADDR_IN6_SIZE = 28;
    /** {@code offsetof(struct sockaddr_un, sun_path)}. */
    public static final int SOCKADDR_UN_PATH = 2;
    /** {@code sizeof(sun_path)}. */
    public static final int SOCKADDR_UN_PATH_SIZE = 108;
}
