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
 * What kotlinx's {@code withTimeout} scope costs by itself, around a call that does not suspend:
 * on jmio's {@code Delay} (a loop timer) and on a kotlinx single-thread context (its executor's
 * scheduled tasks). The floor under {@link TimeoutPerReadBenchmark}'s withTimeout row.
 *
 * <pre>
 * java -jar benchmarks/target/jmio-benchmarks.jar TimeoutScopeBenchmark -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class TimeoutScopeBenchmark {
    static final int BATCH = 10_000;

    @Param({BenchmarkDispatcher.JMIO, BenchmarkDispatcher.SINGLE_THREAD_CONTEXT})
    public String dispatcher;

    private BenchmarkDispatcher loop;
    private TimeoutScopes scopes;

    @Setup(Level.Trial)
    public void open() {
        loop = BenchmarkDispatcher.open(dispatcher);
        scopes = new TimeoutScopes(loop);
    }

    @TearDown(Level.Trial)
    public void close() {
        scopes.close();
        loop.close();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void withTimeoutAroundCall() {
        scopes.scopes(BATCH);
    }
}
