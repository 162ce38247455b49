package io.jmio.benchmarks.core;

import io.jmio.Event;
import io.jmio.Events;
import io.jmio.Poll;
import io.jmio.Waker;
import java.io.IOException;
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
 * The readiness core's fixed costs: one {@code epoll_wait} that finds nothing, and one
 * wake-poll-iterate turn of an event loop. Run with {@code -prof gc}: both must show
 * {@code gc.alloc.rate.norm} of about 0 B/op.
 *
 * <pre>{@code
 * java -jar benchmarks/target/jmio-benchmarks.jar PollBenchmark -prof gc
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class PollBenchmark {
    private static final long WAKE_TOKEN = 7;

    private Poll poll;
    private Waker waker;
    private Events events;

    @Setup(Level.Trial)
    public void open() throws IOException {
        poll = Poll.open();
        waker = new Waker(poll.registry(), WAKE_TOKEN);
        events = Events.withCapacity(64);
    }

    @TearDown(Level.Trial)
    public void close() {
        waker.close();
        poll.close();
    }

    /** {@code epoll_wait} with a zero timeout and nothing ready: the floor of every poll. */
    @Benchmark
    public int pollNothingReady() throws IOException {
        poll.poll(events, 0L);
        return events.size();
    }

    /** An eventfd write, an {@code epoll_wait} that returns it, and a for-each over the events. */
    @Benchmark
    public long wakePollIterate() throws IOException {
        waker.wake();
        poll.poll(events, 0L);
        long tokens = 0;
        for (Event event : events) {
            if (event.isReadable()) {
                tokens += event.token();
            }
        }
        return tokens;
    }
}
