package io.jmio.benchmarks.loop;

import io.jmio.EventLoop;
import java.io.IOException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Timer costs on the loop's own thread. The benchmark thread drives the loop with
 * {@code runOnce}, and the measured work runs inside a task of that turn, so it takes the
 * loop-thread paths (direct heap access, no queue, no wake-up). Per-operation figures include a
 * share of one {@code epoll_wait(0)} per batch.
 *
 * <pre>
 * java -jar benchmarks/target/jmio-benchmarks.jar EventLoopTimerBenchmark -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class EventLoopTimerBenchmark {
    private static final int BATCH = 1024;
    private static final int MILLION = 1_000_000;

    /** Timers already pending while schedule+cancel runs: an idle loop, or a busy server. */
    @Param({"0", "100000"})
    public int liveTimers;

    private EventLoop loop;
    private final Runnable noop = () -> { };
    private final Runnable scheduleThenCancel = () -> {
        for (int i = 0; i < BATCH; i++) {
            loop.schedule(noop, 30, TimeUnit.SECONDS).cancel();
        }
    };
    private long[] delaysNanos;
    private int fired;
    private final Runnable countFired = () -> fired++;
    private final Runnable scheduleMillion = () -> {
        for (long delay : delaysNanos) {
            loop.schedule(countFired, delay, TimeUnit.NANOSECONDS);
        }
    };

    @Setup(Level.Trial)
    public void open() throws IOException {
        loop = EventLoop.open();
        SplittableRandom random = new SplittableRandom(42);
        loop.execute(() -> {
            for (int i = 0; i < liveTimers; i++) {
                loop.schedule(noop, 1_000 + random.nextInt(60_000), TimeUnit.SECONDS);
            }
        });
        loop.runOnce(0);
        delaysNanos = new long[MILLION];
        for (int i = 0; i < MILLION; i++) {
            delaysNanos[i] = random.nextLong(1_000_000); // all due within 1 ms: firing is not waiting
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        loop.close();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void scheduleThenCancel() throws IOException {
        loop.execute(scheduleThenCancel);
        loop.runOnce(0);
    }

    /** Schedules a million timers due within a millisecond, then runs turns until all have fired. */
    @Benchmark
    @OperationsPerInvocation(MILLION)
    public int millionTimersFire() throws IOException {
        fired = 0;
        loop.execute(scheduleMillion);
        while (fired < MILLION) {
            loop.runOnce(-1);
        }
        return fired;
    }
}
