package io.jmio.benchmarks.sys;

import io.jmio.internal.FdHandle;
import io.jmio.internal.FdIo;
import io.jmio.sys.Errno;
import io.jmio.sys.Linux;
import io.jmio.sys.Syscalls;
import java.io.IOException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Per-call cost of each native backend for the calls an event loop makes most: a 64-byte write and
 * read over a Unix socketpair, a read that would block (the errno path), {@code epoll_wait} with a
 * zero timeout on an idle epoll; and the same write and read through {@link FdIo}, the path every
 * socket takes, with a direct buffer and with a heap buffer (copied through the thread's bounce
 * buffer on both backends).
 *
 * <p>JMH runs each {@code backend} in its own fork, which selects it with {@code -Djmio.backend}
 * before jmio loads; setup fails if the fork got the other one. FFM needs JDK 22+ and a jmio-core
 * jar built on one. Compare with {@code benchmarks/native/syscall_loop.c}, the same calls from C:
 *
 * <pre>
 * java -jar benchmarks/target/jmio-benchmarks.jar BackendCallBenchmark -prof gc
 * benchmarks/native/syscall-loop.sh
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class BackendCallBenchmark {
    @Param({"jna", "ffm"})
    public String backend;

    private Syscalls sys;
    /** Native memory for the data and the epoll events; the field keeps it reachable. */
    private ByteBuffer memory;
    private int writeFd;
    private int readFd;
    private int epfd;
    private long data;
    private long events;
    private FdHandle writer;
    private FdHandle reader;
    private ByteBuffer direct;
    private ByteBuffer heap;

    @Setup(Level.Trial)
    public void open() {
        System.setProperty("jmio.backend", backend);
        sys = Syscalls.require();
        if (!sys.name().equals(backend)) {
            throw new IllegalStateException("asked for " + backend + " but jmio loaded " + sys.name()
                    + "; each backend needs its own fork (-f 1 or more)");
        }
        memory = ByteBuffer.allocateDirect(4096).order(ByteOrder.nativeOrder());
        long base = sys.address(memory);
        check(sys.socketpair(Linux.AF_UNIX, Linux.SOCK_STREAM | Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC, 0, base));
        writeFd = memory.getInt(0);
        readFd = memory.getInt(4);
        epfd = check(sys.epollCreate1(Linux.EPOLL_CLOEXEC));
        data = base + 64;
        events = base + 1024;
        writer = new FdHandle(writeFd, false);
        reader = new FdHandle(readFd, false);
        direct = ByteBuffer.allocateDirect(64);
        heap = ByteBuffer.allocate(64);
    }

    @TearDown(Level.Trial)
    public void close() {
        sys.close(writeFd);
        sys.close(readFd);
        sys.close(epfd);
    }

    private static int check(int result) {
        if (result < 0) {
            throw new IllegalStateException("setup failed: " + Errno.name(-result));
        }
        return result;
    }

    @Benchmark
    public long writeRead64() {
        sys.write(writeFd, data, 64);
        return sys.read(readFd, data, 64);
    }

    @Benchmark
    public long readWouldBlock() {
        return sys.read(readFd, data, 64);
    }

    @Benchmark
    public int epollWaitNow() {
        return sys.epollWait(epfd, events, 16, 0);
    }

    /** Through FdIo with a direct buffer: adds fd acquire/release and {@code Syscalls.address(ByteBuffer)}. */
    @Benchmark
    public int fdIoDirect64() throws IOException {
        return writeRead(direct);
    }

    /** Through FdIo with a heap buffer, which both backends copy through a direct bounce buffer. */
    @Benchmark
    public int fdIoHeap64() throws IOException {
        return writeRead(heap);
    }

    private int writeRead(ByteBuffer buffer) throws IOException {
        ((Buffer) buffer).clear();
        FdIo.write(writer, buffer);
        ((Buffer) buffer).clear();
        return FdIo.read(reader, buffer);
    }
}
