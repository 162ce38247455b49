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
 * The cost of {@code withTimeout(10_000) { read }} on every read: a 64-byte coroutine echo round
 * trip over loopback TCP, client and server on one jmio event loop, with and without the timeout
 * (on both sides' reads). Compare the two {@code timeoutEachRead} rows of one run; the target is
 * at most 10% slower with it.
 *
 * <pre>
 * java -jar benchmarks/target/jmio-benchmarks.jar TimeoutPerReadBenchmark -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class TimeoutPerReadBenchmark {
    static final int BATCH = 1000;

    @Param({"false", "true"})
    public boolean timeoutEachRead;

    private EchoPair echo;

    @Setup(Level.Trial)
    public void open() {
        echo = new EchoPair(timeoutEachRead);
    }

    @TearDown(Level.Trial)
    public void close() {
        echo.close();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void echoRoundTrip() {
        echo.roundTrips(BATCH);
    }
}
