package io.jmio.examples.core;

import io.jmio.Event;
import io.jmio.Events;
import io.jmio.Poll;
import io.jmio.Waker;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The readiness core in one screen, using only the public API: an event loop on a {@link Poll}
 * and a producer thread that hands it messages through a queue, waking it with a {@link Waker}.
 *
 * <pre>
 * java -cp examples/target/jmio-examples.jar io.jmio.examples.core.ReadinessDemo [messages]
 * </pre>
 *
 * <p>Several wakes before a poll may coalesce into one event, so the loop drains the whole queue
 * on each waker event rather than taking one message per event. Sockets, pipes and fds made
 * elsewhere ({@link io.jmio.unix.SourceFd}) join the same loop with {@code
 * poll.registry().register(source, token, interest)}; their examples live with those types.
 */
public final class ReadinessDemo {
    private static final long WAKE_TOKEN = 0;
    private static final Duration PATIENCE = Duration.ofSeconds(5);

    private ReadinessDemo() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        run(args.length > 0 ? Integer.parseInt(args[0]) : 5, System.out);
    }

    /** Sends {@code count} messages through the loop, printing each; returns them in arrival order. */
    public static List<String> run(int count, PrintStream out) throws IOException, InterruptedException {
        Queue<String> inbox = new ConcurrentLinkedQueue<>();
        List<String> received = new ArrayList<>();
        try (Poll poll = Poll.open(); Waker waker = new Waker(poll.registry(), WAKE_TOKEN)) {
            Thread producer = new Thread(() -> {
                for (int i = 1; i <= count; i++) {
                    inbox.add("message " + i);
                    try {
                        waker.wake();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }, "producer");
            producer.start();

            Events events = Events.withCapacity(16);
            int polls = 0;
            while (received.size() < count) {
                poll.poll(events, PATIENCE);
                polls++;
                if (events.isEmpty()) {
                    throw new IOException("no wake within " + PATIENCE + "; received " + received.size() + " of " + count);
                }
                for (Event event : events) {
                    if (event.token() == WAKE_TOKEN) {
                        for (String message; (message = inbox.poll()) != null; ) {
                            received.add(message);
                            out.println("got " + message);
                        }
                    }
                }
            }
            producer.join();
            out.println(count + " messages in " + polls + " polls");
        }
        return received;
    }
}
