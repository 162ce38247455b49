package io.jmio.benchmarks.coroutines;

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
 * Suspend/resume through a single-threaded dispatcher: jmio's {@code EventLoopDispatcher} (its loop
 * on its own thread) against kotlinx's {@code Dispatchers.Default.limitedParallelism(1)} and
 * {@code newSingleThreadContext}. {@code pingPong}: ns per round trip between two coroutines over
 * rendezvous channels (each side suspends and resumes once); {@code yield}: ns per {@code yield()};
 * {@code withTimeoutAroundCall}: ns per {@code withTimeout} scope around a call that does not
 * suspend, timed by the dispatcher's {@code Delay} (jmio's loop timers; kotlinx's executor or
 * DefaultExecutor otherwise), the floor under {@link TimeoutPerReadBenchmark}'s withTimeout row.
 * Each invocation is a batch of {@value #BATCH} started from the benchmark thread, so the hand-off
 * to the dispatcher's thread adds under 1/{@value #BATCH} of its cost to each operation.
 *
 * <pre>
 * java -jar benchmarks/target/jmio-benchmarks.jar DispatcherRoundTripBenchmark -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class DispatcherRoundTripBenchmark {
    static final int BATCH = 1000;

    @Param({BenchmarkDispatcher.JMIO, BenchmarkDispatcher.DEFAULT_LIMITED, BenchmarkDispatcher.SINGLE_THREAD_CONTEXT})
    public String dispatcher;

    private BenchmarkDispatcher opened;
    private PingPong pingPong;

    @Setup(Level.Trial)
    public void open() {
        opened = BenchmarkDispatcher.open(dispatcher);
        pingPong = new PingPong(opened);
    }

    @TearDown(Level.Trial)
    public void close() {
        pingPong.close();
        opened.close();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void pingPong() {
        pingPong.roundTrips(BATCH);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void yield() {
        pingPong.yields(BATCH);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void withTimeoutAroundCall() {
        pingPong.timeoutScopes(BATCH);
    }
}
