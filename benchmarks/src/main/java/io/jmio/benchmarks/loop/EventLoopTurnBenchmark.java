package io.jmio.benchmarks.loop;

import io.jmio.EventLoop;
import io.jmio.Interest;
import io.jmio.sys.Linux;
import io.jmio.sys.Syscalls;
import io.jmio.unix.SourceFd;
import java.io.IOException;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One loop turn: with nothing ready ({@code epoll_wait(0)} plus the loop's bookkeeping; compare
 * {@code PollBenchmark.pollNothingReady}, the bare poll, in the same run), and with one ready
 * eventfd whose handler writes it again so that every turn has an event (that turn also pays one
 * {@code write}). Run with {@code -prof gc}: a steady-state turn allocates nothing.
 *
 * <pre>
 * java -jar benchmarks/target/jmio-benchmarks.jar 'EventLoopTurnBenchmark|PollBenchmark.pollNothingReady' -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class EventLoopTurnBenchmark {
    private EventLoop idleLoop;
    private EventLoop busyLoop;
    private int eventFd = -1;
    private long one;
    private final ByteBuffer memory = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder()).putLong(0, 1L);
    private long handled;

    @Setup(Level.Trial)
    public void open() throws IOException {
        Syscalls sys = Syscalls.require();
        idleLoop = EventLoop.open();
        busyLoop = EventLoop.open();
        eventFd = sys.eventfd(0, Linux.EFD_CLOEXEC | Linux.EFD_NONBLOCK);
        if (eventFd < 0) {
            throw new IOException("eventfd: errno " + -eventFd);
        }
        one = sys.address(memory);
        busyLoop.register(new SourceFd(eventFd), Interest.READABLE, (registration, event) -> {
            sys.write(eventFd, one, 8); // a new edge for the next turn
            handled++;
        });
        sys.write(eventFd, one, 8);
    }

    @TearDown(Level.Trial)
    public void close() {
        idleLoop.close();
        busyLoop.close();
        if (eventFd >= 0) {
            Syscalls.require().close(eventFd);
        }
    }

    @Benchmark
    public boolean turnWithNothingReady() throws IOException {
        return idleLoop.runOnce(0);
    }

    @Benchmark
    public long turnWithOneReadySource() throws IOException {
        busyLoop.runOnce(-1);
        return handled;
    }
}
