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
 * The cost of a deadline on every read: a 64-byte coroutine echo round trip over loopback TCP,
 * client and server on one jmio event loop, with no timeout, with {@code withTimeout(10_000)}
 * around each read, or with the streams' {@code readTimeout} (on both sides' reads). Compare the
 * {@code timeout} rows of one run; the target is at most 10% slower with a timeout.
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

    @Param({"none", "withTimeout", "readTimeout"})
    public String timeout;

    private EchoPair echo;

    @Setup(Level.Trial)
    public void open() {
        echo = new EchoPair(timeout);
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
