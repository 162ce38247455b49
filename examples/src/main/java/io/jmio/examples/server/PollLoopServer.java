package io.jmio.examples.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * A server made of Poll loops, one thread each: mio's model for using several cores, with one
 * SO_REUSEPORT socket per loop so the kernel spreads the work and loops share nothing.
 *
 * <pre>{@code
 * List<PollLoopServer.Loop> loops = ...; // each opened its Poll and bound its socket
 * try (RunningServer server = PollLoopServer.start("http", address, loops)) {
 *     ...
 * }
 * }</pre>
 */
public final class PollLoopServer implements RunningServer {
    /** One loop: its Poll, its sockets, and the code that runs it. */
    public interface Loop extends AutoCloseable {
        /** Polls and handles events until {@link #stop()}, then closes everything it opened. */
        void run() throws IOException;

        /** Makes {@link #run()} return soon (wakes its poll); from any thread, idempotent. */
        void stop();

        /** Closes the loop's sockets and Poll; idempotent. */
        @Override
        void close();
    }

    private final InetSocketAddress address;
    private final List<Loop> loops;
    private final List<Thread> threads = new ArrayList<>();

    private PollLoopServer(InetSocketAddress address, List<Loop> loops) {
        this.address = address;
        this.loops = List.copyOf(loops);
    }

    /** Runs each of {@code loops} on its own thread named {@code name-i}. */
    public static PollLoopServer start(String name, InetSocketAddress address, List<? extends Loop> loops) {
        PollLoopServer server = new PollLoopServer(address, List.copyOf(loops));
        for (int i = 0; i < loops.size(); i++) {
            Loop loop = loops.get(i);
            Thread thread = new Thread(() -> server.runLoop(loop), name + "-" + i);
            server.threads.add(thread);
        }
        server.threads.forEach(Thread::start);
        return server;
    }

    private void runLoop(Loop loop) {
        try {
            loop.run();
        } catch (IOException | RuntimeException e) {
            // A loop that cannot poll cannot serve: report it and stop the others too.
            System.err.println(Thread.currentThread().getName() + " failed: " + e);
            stop();
        } finally {
            loop.close();
        }
    }

    /** Closes loops that never ran, when starting a server fails half-way. */
    public static void closeAll(List<? extends Loop> loops) {
        loops.forEach(Loop::close);
    }

    @Override
    public InetSocketAddress localAddress() {
        return address;
    }

    @Override
    public void stop() {
        loops.forEach(Loop::stop);
    }

    @Override
    public void await() throws InterruptedException {
        for (Thread thread : threads) {
            thread.join();
        }
    }
}
