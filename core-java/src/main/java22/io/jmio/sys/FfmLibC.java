package io.jmio.sys;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * Downcall handles for the libc calls jmio makes, linked once per process through the Foreign
 * Function &amp; Memory API. Internal.
 *
 * <p>Each handle's first parameter is the call-state segment that receives {@code errno}
 * ({@link Linker.Option#captureCallState}). Pointers and {@code size_t}/{@code ssize_t} are Java
 * {@code long}, as in {@link LibC}: no {@link MemorySegment} is made per call, and on the LP64
 * ABIs {@link Backends} admits a pointer is passed exactly like a 64-bit integer.
 *
 * <p>Calls that return at once are linked {@link Linker.Option#critical critical}: no thread-state
 * transition, which is most of FFM's per-call cost. That is only safe for calls that never block,
 * because a critical call holds off safepoints (so the GC, and every thread that reaches one) until
 * it returns. So the critical reads, writes, sends, receives, splices and {@code accept4} are used only on
 * fds jmio opened non-blocking itself ({@code SOCK_NONBLOCK}, {@code pipe2(O_NONBLOCK)}) and has
 * not passed to another process: {@code O_NONBLOCK} belongs to the open file description, which
 * every process holding it can change, so an adopted fd, and a source once sent with
 * {@code SCM_RIGHTS}, get the {@code *_MAY_BLOCK} twin of each call, an ordinary downcall (a fd
 * passed by its raw number is beyond jmio's knowledge: pass the source). {@code epoll_ctl} and {@code epoll_wait} with a zero timeout
 * never block, whatever the fds; a waiting {@code epoll_wait}, {@code close} (which can linger)
 * and the set-up calls stay ordinary downcalls.
 */
@Jdk22
final class FfmLibC {
    private FfmLibC() {}

    private static final Linker LINKER = Linker.nativeLinker();

    /** The layout {@code captureCallState("errno")} writes. */
    static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();

    /** Reads {@code errno} from a call-state segment: {@code (MemorySegment, long offset) -> int}. */
    static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final Linker.Option CRITICAL = Linker.Option.critical(false);

    static final MethodHandle EPOLL_CREATE1 = link("epoll_create1", of(JAVA_INT, JAVA_INT));
    static final MethodHandle EPOLL_CTL = link("epoll_ctl", of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), CRITICAL);
    static final MethodHandle EPOLL_WAIT = link("epoll_wait", of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT));
    /** {@code epoll_wait} for a zero timeout only. */
    static final MethodHandle EPOLL_WAIT_NOW =
            link("epoll_wait", of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT), CRITICAL);
    static final MethodHandle EVENTFD = link("eventfd", of(JAVA_INT, JAVA_INT, JAVA_INT));
    static final MethodHandle READ = link("read", of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG), CRITICAL);
    static final MethodHandle READ_MAY_BLOCK = link("read", of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    static final MethodHandle WRITE = link("write", of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG), CRITICAL);
    static final MethodHandle WRITE_MAY_BLOCK = link("write", of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    static final MethodHandle READV = link("readv", of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT), CRITICAL);
    static final MethodHandle READV_MAY_BLOCK = link("readv", of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    static final MethodHandle WRITEV = link("writev", of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT), CRITICAL);
    static final MethodHandle WRITEV_MAY_BLOCK = link("writev", of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    static final MethodHandle CLOSE = link("close", of(JAVA_INT, JAVA_INT));
    /** {@code fcntl(int, int, ...)}: its one int argument is variadic, and passed as C passes one. */
    static final MethodHandle FCNTL =
            link("fcntl", of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    static final MethodHandle PIPE2 = link("pipe2", of(JAVA_INT, JAVA_LONG, JAVA_INT));
    static final MethodHandle SOCKET = link("socket", of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    static final MethodHandle SOCKETPAIR = link("socketpair", of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    static final MethodHandle BIND = link("bind", of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT));
    static final MethodHandle LISTEN = link("listen", of(JAVA_INT, JAVA_INT, JAVA_INT));
    static final MethodHandle ACCEPT4 = link("accept4", of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT), CRITICAL);
    static final MethodHandle ACCEPT4_MAY_BLOCK = link("accept4", of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    static final MethodHandle CONNECT = link("connect", of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT));
    static final MethodHandle GETSOCKNAME = link("getsockname", of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    static final MethodHandle GETPEERNAME = link("getpeername", of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    static final MethodHandle SETSOCKOPT =
            link("setsockopt", of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT));
    static final MethodHandle GETSOCKOPT =
            link("getsockopt", of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    static final MethodHandle SHUTDOWN = link("shutdown", of(JAVA_INT, JAVA_INT, JAVA_INT));
    static final MethodHandle RECVFROM =
            link("recvfrom", of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG), CRITICAL);
    static final MethodHandle RECVFROM_MAY_BLOCK =
            link("recvfrom", of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    static final MethodHandle SENDTO =
            link("sendto", of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT), CRITICAL);
    static final MethodHandle SENDTO_MAY_BLOCK =
            link("sendto", of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    static final MethodHandle RECVMSG = link("recvmsg", of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT), CRITICAL);
    static final MethodHandle RECVMSG_MAY_BLOCK = link("recvmsg", of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    static final MethodHandle SENDMSG = link("sendmsg", of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT), CRITICAL);
    static final MethodHandle SENDMSG_MAY_BLOCK = link("sendmsg", of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));

    static final MethodHandle SPLICE =
            link("splice", of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT), CRITICAL);
    static final MethodHandle SPLICE_MAY_BLOCK =
            link("splice", of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));

    /** Forces the links above, so a platform that cannot make them fails at backend selection. */
    static void linkAll() {}

    private static FunctionDescriptor of(MemoryLayout result, MemoryLayout... arguments) {
        return FunctionDescriptor.of(result, arguments);
    }

    /** Links {@code name} with {@code options}, always capturing errno. */
    private static MethodHandle link(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        Linker.Option[] all = Arrays.copyOf(options, options.length + 1);
        all[options.length] = CAPTURE_ERRNO;
        return LINKER.downcallHandle(symbol(name), descriptor, all);
    }

    private static MemorySegment symbol(String name) {
        return LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name + " for the FFM backend"));
    }
}
