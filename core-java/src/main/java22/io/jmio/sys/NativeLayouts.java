package io.jmio.sys;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.paddingLayout;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.util.Locale;

/**
 * The kernel structs jmio fills, described with {@link MemoryLayout} for this architecture, and a
 * check that {@link Layout}'s hand-written offsets (which both backends and everything above them
 * use) agree. A disagreement stops the FFM backend from loading rather than corrupting memory.
 * Internal.
 */
@Jdk22
final class NativeLayouts {
    private NativeLayouts() {}

    private static final MemoryLayout SIZE_T = Linker.nativeLinker().canonicalLayouts().get("size_t");
    private static final MemoryLayout SOCKLEN_T = JAVA_INT;

    /** x86-64's {@code <sys/epoll.h>} declares {@code struct epoll_event} packed; other ABIs align it. */
    static final StructLayout EPOLL_EVENT = packedEpollEvent()
            ? structLayout(JAVA_INT.withName("events"), JAVA_LONG_UNALIGNED.withName("data"))
            : structLayout(JAVA_INT.withName("events"), paddingLayout(4), JAVA_LONG.withName("data"));

    static final StructLayout IOVEC = structLayout(ADDRESS.withName("iov_base"), SIZE_T.withName("iov_len"));

    static final StructLayout MSGHDR = structLayout(
            ADDRESS.withName("msg_name"),
            SOCKLEN_T.withName("msg_namelen"),
            paddingLayout(4),
            ADDRESS.withName("msg_iov"),
            SIZE_T.withName("msg_iovlen"),
            ADDRESS.withName("msg_control"),
            SIZE_T.withName("msg_controllen"),
            JAVA_INT.withName("msg_flags"),
            paddingLayout(4));

    static final StructLayout CMSGHDR = structLayout(
            SIZE_T.withName("cmsg_len"), JAVA_INT.withName("cmsg_level"), JAVA_INT.withName("cmsg_type"));

    static final StructLayout SOCKADDR_IN = structLayout(
            JAVA_SHORT.withName("sin_family"),
            JAVA_SHORT.withName("sin_port"),
            JAVA_INT.withName("sin_addr"),
            sequenceLayout(8, JAVA_BYTE).withName("sin_zero"));

    static final StructLayout SOCKADDR_IN6 = structLayout(
            JAVA_SHORT.withName("sin6_family"),
            JAVA_SHORT.withName("sin6_port"),
            JAVA_INT.withName("sin6_flowinfo"),
            sequenceLayout(16, JAVA_BYTE).withName("sin6_addr"),
            JAVA_INT.withName("sin6_scope_id"));

    static final StructLayout SOCKADDR_UN = structLayout(
            JAVA_SHORT.withName("sun_family"), sequenceLayout(108, JAVA_BYTE).withName("sun_path"));

    private static boolean packedEpollEvent() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        return arch.equals("amd64") || arch.equals("x86_64");
    }

    /** @throws IllegalStateException naming the first field where {@link Layout} disagrees */
    static void verify() {
        expect("sizeof(epoll_event)", EPOLL_EVENT.byteSize(), Layout.EPOLL_EVENT_SIZE);
        expect("epoll_event.events", offset(EPOLL_EVENT, "events"), Layout.EPOLL_EVENT_EVENTS);
        expect("epoll_event.data", offset(EPOLL_EVENT, "data"), Layout.EPOLL_EVENT_DATA);
        expect("sizeof(iovec)", IOVEC.byteSize(), Layout.IOVEC_SIZE);
        expect("iovec.iov_base", offset(IOVEC, "iov_base"), Layout.IOVEC_BASE);
        expect("iovec.iov_len", offset(IOVEC, "iov_len"), Layout.IOVEC_LEN);
        expect("sizeof(msghdr)", MSGHDR.byteSize(), Layout.MSGHDR_SIZE);
        expect("msghdr.msg_name", offset(MSGHDR, "msg_name"), Layout.MSGHDR_NAME);
        expect("msghdr.msg_namelen", offset(MSGHDR, "msg_namelen"), Layout.MSGHDR_NAMELEN);
        expect("msghdr.msg_iov", offset(MSGHDR, "msg_iov"), Layout.MSGHDR_IOV);
        expect("msghdr.msg_iovlen", offset(MSGHDR, "msg_iovlen"), Layout.MSGHDR_IOVLEN);
        expect("msghdr.msg_control", offset(MSGHDR, "msg_control"), Layout.MSGHDR_CONTROL);
        expect("msghdr.msg_controllen", offset(MSGHDR, "msg_controllen"), Layout.MSGHDR_CONTROLLEN);
        expect("msghdr.msg_flags", offset(MSGHDR, "msg_flags"), Layout.MSGHDR_FLAGS);
        expect("cmsghdr.cmsg_len", offset(CMSGHDR, "cmsg_len"), Layout.CMSGHDR_LEN);
        expect("cmsghdr.cmsg_level", offset(CMSGHDR, "cmsg_level"), Layout.CMSGHDR_LEVEL);
        expect("cmsghdr.cmsg_type", offset(CMSGHDR, "cmsg_type"), Layout.CMSGHDR_TYPE);
        expect("CMSG_DATA offset", CMSGHDR.byteSize(), Layout.CMSG_DATA);
        expect("sizeof(sockaddr_in)", SOCKADDR_IN.byteSize(), Layout.SOCKADDR_IN_SIZE);
        expect("sizeof(sockaddr_in6)", SOCKADDR_IN6.byteSize(), Layout.SOCKADDR_IN6_SIZE);
        expect("sockaddr_un.sun_path", offset(SOCKADDR_UN, "sun_path"), Layout.SOCKADDR_UN_PATH);
        expect("sizeof(sun_path)", SOCKADDR_UN.byteSize() - Layout.SOCKADDR_UN_PATH, Layout.SOCKADDR_UN_PATH_SIZE);
    }

    private static long offset(StructLayout struct, String field) {
        return struct.byteOffset(groupElement(field));
    }

    private static void expect(String what, long computed, int declared) {
        if (computed != declared) {
            throw new IllegalStateException(
                    "jmio's layout of " + what + " is " + declared + " but this platform's is " + computed);
        }
    }
}
