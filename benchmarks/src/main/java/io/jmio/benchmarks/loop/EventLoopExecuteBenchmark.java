package io.jmio.benchmarks.loop;

import io.jmio.EventLoop;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
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
 * Cross-thread {@code execute}: the benchmark thread hands no-op tasks to an event loop running on
 * its own thread. Same shape for jmio and for Netty's loops, in the same run.
 * <ul>
 *   <li>{@code executeFromAnotherThread}: sustained throughput. Batches are submitted while the
 *       loop runs earlier ones; the producer waits only when {@value #MAX_BACKLOG} tasks are
 *       outstanding. Per task: the producer's enqueue or the loop's dequeue, whichever is slower.</li>
 *   <li>{@code executeOneAndWait}: a hand-off to a sleeping loop and back: one task, then wait for
 *       it to run. Mostly wake-up cost (an eventfd write, the scheduler).</li>
 * </ul>
 *
 * <pre>
 * java -jar benchmarks/target/jmio-benchmarks.jar EventLoopExecuteBenchmark -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class EventLoopExecuteBenchmark {
    private static final int BATCH = 1000;
    private static final int MAX_BACKLOG = 16 * BATCH;

    @Param({"jmio", "netty-epoll", "netty-nio", "netty-default"})
    public String loop;

    private Executor executor;
    private EventLoop jmio;
    private Thread jmioThread;
    private EventLoopGroup netty;
    private static final AtomicLongFieldUpdater<EventLoopExecuteBenchmark> COMPLETED =
            AtomicLongFieldUpdater.newUpdater(EventLoopExecuteBenchmark.class, "completed");

    /** Written by the loop thread only, with an ordered store: the task itself costs no fence. */
    private volatile long completed;
    private long submitted;
    private final Runnable task = () -> COMPLETED.lazySet(this, completed + 1);

    @Setup(Level.Trial)
    public void start() throws Exception {
        switch (loop) {
            case "jmio":
                jmio = EventLoop.open();
                jmioThread = new Thread(() -> {
                    try {
                        jmio.run();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, "jmio-loop");
                jmioThread.start();
                executor = jmio;
                break;
            case "netty-epoll":
                netty = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
                executor = netty.next();
                break;
            case "netty-nio":
                netty = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
                executor = netty.next();
                break;
            case "netty-default":
                netty = new DefaultEventLoop();
                executor = netty.next();
                break;
            default:
                throw new IllegalArgumentException(loop);
        }
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        if (jmio != null) {
            jmio.close();
            jmioThread.join();
        }
        if (netty != null) {
            netty.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void executeFromAnotherThread() {
        for (int i = 0; i < BATCH; i++) {
            executor.execute(task);
        }
        submitted += BATCH;
        awaitCompleted(submitted - MAX_BACKLOG);
    }

    @Benchmark
    public void executeOneAndWait() {
        executor.execute(task);
        awaitCompleted(++submitted);
    }

    /** Waits, without hogging a shared 2-core machine, until the loop has run {@code target} tasks. */
    private void awaitCompleted(long target) {
        for (int spins = 0; completed < target; spins++) {
            if (spins < 100) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }
}
