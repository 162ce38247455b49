package io.jmio;

import io.jmio.internal.MpscQueue;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * A single-threaded event loop over a {@link Poll}: readiness handlers, cross-thread tasks and
 * timers, in the spirit of mio 0.5's {@code EventLoop}.
 *
 * <pre>{@code
 * try (EventLoop loop = EventLoop.open()) {
 *     loop.register(listener, Interest.READABLE, (registration, event) -> acceptAll(loop, listener));
 *     loop.schedule(loop::shutdown, 10, TimeUnit.MINUTES);
 *     otherThread.submit(() -> loop.execute(() -> System.out.println("on the loop")));
 *     loop.run(); // until shutdown()
 * }
 * }</pre>
 *
 * <h2>Threading</h2>
 * <ul>
 *   <li>The loop's thread is whichever thread is inside {@link #run()} or {@link #runOnce(long)}
 *       (or inside {@link #close()} while it finishes a shutdown nobody else runs); one at a time,
 *       {@link IllegalStateException} otherwise. Handlers, tasks and timers run only there, and
 *       {@link #inEventLoop()} is true only there. Between turns no thread owns the loop, so
 *       {@code runOnce} can embed it in another loop, and a later turn may run elsewhere.</li>
 *   <li>Every other method is safe from any thread. {@link #execute}, {@link #schedule} and
 *       {@link Timeout#cancel()} called on the loop's thread touch loop-private structures
 *       directly; from elsewhere they go through a lock-free queue and wake the loop (at most one
 *       eventfd write per sleep).</li>
 *   <li>A turn: wait for I/O (no longer than the next timer, not at all if tasks are pending),
 *       call the handlers of ready sources, run due timers, then run queued tasks, including
 *       tasks queued by this turn's handlers. Each kind has its own share of a turn (up to 4096
 *       timers, 4096 tasks from other threads and 4096 tasks from the loop's own thread), so a
 *       flood of one kind delays the others by at most one turn, and never starves them.</li>
 *   <li>An exception from a handler, task or timer goes to the exception handler (by default:
 *       printed to stderr with its stack trace) and the loop carries on.</li>
 * </ul>
 *
 * <h2>Shutting down</h2>
 * {@link #shutdown()} (any thread) makes later {@code execute}, {@code schedule} and
 * {@code register} calls throw {@link RejectedExecutionException}. The loop then finishes its
 * turn, runs every task accepted before, cancels pending timeouts (telling those whose task is an
 * {@link AbandonableTask}), and {@code run()} returns.
 * {@link #close()} does the same and then deregisters every source and closes the loop's epoll fd
 * and eventfd; the sources themselves stay open.
 */
public final class EventLoop implements Executor, AutoCloseable {
    /** The waker's token: slot -1, which the registration slab never issues. */
    private static final long WAKER_TOKEN = -1L;
    /**
     * Work per turn before I/O is polled again, so a flood of tasks or timers cannot starve I/O;
     * each task queue has this share of its own, so neither can starve the other.
     */
    private static final int TASKS_PER_TURN = 4096;
    private static final int TIMERS_PER_TURN = 4096;
    /** Longest delay: keeps deadline arithmetic on nanoTime values free of overflow. */
    private static final long MAX_DELAY_NANOS = Long.MAX_VALUE >> 1;

    private static final AtomicIntegerFieldUpdater<EventLoop> WAKE_STATE =
            AtomicIntegerFieldUpdater.newUpdater(EventLoop.class, "wakeState");
    private static final int AWAKE = 0;
    private static final int SLEEPING = 1;

    private final Poll poll;
    private final Waker waker;
    private final Events events;
    private final Consumer<Throwable> exceptionHandler;
    private final RegistrationSlab slab = new RegistrationSlab();
    private final TimerHeap timers = new TimerHeap();
    /** Tasks queued on the loop's thread; loop thread only. */
    private final ArrayDeque<Runnable> localTasks = new ArrayDeque<>();
    /** Tasks, and timeouts to add or remove, from other threads. */
    private final MpscQueue<Object> remoteTasks = new MpscQueue<>();
    private final Consumer<Object> runRemote = this::runRemote;
    /** Held by the thread running the loop (and by close while it finishes it). */
    private final ReentrantLock runLock = new ReentrantLock();
    private final CountDownLatch termination = new CountDownLatch(1);

    private volatile Thread thread;
    /** SLEEPING while the loop may block in epoll_wait; whoever flips it to AWAKE writes the eventfd. */
    private volatile int wakeState;
    private volatile boolean shutdown;
    private volatile boolean terminated;
    private volatile boolean closeRequested;
    /** Guarded by runLock. */
    private boolean closed;

    private EventLoop(Poll poll, Waker waker, Events events, Consumer<Throwable> exceptionHandler) {
        this.poll = poll;
        this.waker = waker;
        this.events = events;
        this.exceptionHandler = exceptionHandler;
    }

    /** A loop with the default {@link Options}. */
    public static EventLoop open() throws IOException {
        return open(new Options());
    }

    /** A loop with its own epoll instance and eventfd. */
    public static EventLoop open(Options options) throws IOException {
        Events events = Events.withCapacity(options.eventsCapacity);
        Poll poll = Poll.open();
        try {
            Waker waker = new Waker(poll.registry(), WAKER_TOKEN);
            return new EventLoop(poll, waker, events, options.exceptionHandler);
        } catch (IOException | RuntimeException e) {
            poll.close();
            throw e;
        }
    }

    /** True on the thread running this loop, inside {@link #run()} or {@link #runOnce(long)}. */
    public boolean inEventLoop() {
        return thread == Thread.currentThread();
    }

    /**
     * The loop's registry, for {@link Source} implementations that register inner sources. Events
     * for tokens that the loop did not issue are ignored.
     */
    public Registry registry() {
        return poll.registry();
    }

    /**
     * Registers {@code source} so that {@code handler} is called on the loop's thread with each of
     * its readiness events, until the returned registration is deregistered. Any thread.
     *
     * @throws IOException if the source cannot be registered (already registered, closed)
     * @throws RejectedExecutionException if the loop is shut down
     */
    public Registration register(Source source, Interest interests, ReadyHandler handler) throws IOException {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(interests, "interests");
        Objects.requireNonNull(handler, "handler");
        Registration registration = shutdown ? null : slab.add(this, source, handler);
        if (registration == null) {
            throw rejected();
        }
        try {
            poll.registry().register(source, registration.token(), interests);
        } catch (IOException | RuntimeException e) {
            slab.remove(registration);
            throw e;
        }
        if (!registration.registered) {
            // close() swept the registrations while this one was being added: undo it.
            try {
                poll.registry().deregister(source);
            } catch (IOException e) {
                // Already gone with the closed poll.
            }
            throw rejected();
        }
        return registration;
    }

    /** Registration's half of deregistering: frees its token; false if that was already done. */
    boolean release(Registration registration) {
        return slab.remove(registration);
    }

    /**
     * Runs {@code task} on the loop's thread, exactly once, unless this throws. From the loop's
     * thread the task runs later in the same turn, or in the next one if the loop is running
     * tasks already (so a task that keeps queueing itself cannot starve I/O and timers); from
     * another thread it is queued and the loop is woken if it sleeps.
     *
     * @throws RejectedExecutionException if the loop is shut down
     */
    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        if (thread == Thread.currentThread()) {
            if (shutdown) {
                throw rejected();
            }
            localTasks.add(task);
            return;
        }
        if (shutdown || !remoteTasks.offer(task)) {
            throw rejected();
        }
        wakeIfSleeping();
    }

    /**
     * Runs {@code task} once on the loop's thread after {@code delay} (at millisecond resolution,
     * never early), unless the returned timeout is cancelled first. A delay of 0 or less runs it
     * in the next turn. Timeouts with the same deadline run in the order they were scheduled. If
     * the loop shuts down first, the task never runs; an {@link AbandonableTask} is told so.
     *
     * @throws RejectedExecutionException if the loop is shut down
     */
    public Timeout schedule(Runnable task, long delay, TimeUnit unit) {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(unit, "unit");
        long nanos = delay <= 0 ? 0 : Math.min(unit.toNanos(delay), MAX_DELAY_NANOS);
        Timeout timeout = new Timeout(this, task, System.nanoTime() + nanos);
        if (thread == Thread.currentThread()) {
            if (shutdown) {
                throw rejected();
            }
            timers.add(timeout);
            return timeout;
        }
        if (shutdown || !remoteTasks.offer(timeout)) {
            throw rejected();
        }
        wakeIfSleeping();
        return timeout;
    }

    /** Timeout's half of cancelling: removes it now on the loop's thread, otherwise in the next turn. */
    void cancelled(Timeout timeout) {
        if (thread == Thread.currentThread()) {
            timers.remove(timeout);
        } else if (remoteTasks.offer(timeout)) {
            // Wake a sleeping loop (once per sleep) so that timeouts cancelled elsewhere free their
            // memory now rather than at the earliest deadline, which may be hours away.
            wakeIfSleeping();
        }
    }

    /**
     * Timeouts waiting to run: exact on the loop's thread, a recent value elsewhere. Cancelled ones
     * leave this count at once on the loop's thread, and within a turn otherwise.
     */
    public int pendingTimers() {
        return timers.size();
    }

    /**
     * Runs turns on the calling thread until {@link #shutdown()}, then finishes the shutdown
     * (queued tasks run, timeouts are cancelled) and returns. Returns at once if the loop has
     * already terminated.
     *
     * @throws IllegalStateException if another thread is running the loop, or if called from a
     *     handler or task
     * @throws IOException if epoll fails; the loop is then left as it is, to be closed
     */
    public void run() throws IOException {
        enter();
        try {
            while (!shutdown) {
                turn(-1);
            }
            terminate();
        } finally {
            exit();
        }
    }

    /**
     * Runs one turn on the calling thread, for embedding the loop in another one: waits for I/O
     * up to {@code timeoutMillis} (-1: until something happens, 0: not at all; less when a timer
     * is due sooner or tasks are pending), then calls handlers, due timers and queued tasks. If
     * the loop is shut down, this call finishes the shutdown.
     *
     * @return false once the loop has terminated
     * @throws IllegalArgumentException if {@code timeoutMillis < -1}
     * @throws IllegalStateException as {@link #run()}
     */
    public boolean runOnce(long timeoutMillis) throws IOException {
        if (timeoutMillis < -1) {
            throw new IllegalArgumentException("timeout must be -1 (forever) or >= 0 ms: " + timeoutMillis);
        }
        enter();
        try {
            if (!shutdown) {
                turn(timeoutMillis);
            }
            if (shutdown) {
                terminate();
            }
            return !terminated;
        } finally {
            exit();
        }
    }

    /**
     * Asks the loop to stop, from any thread; returns at once. Later {@code execute}, {@code
     * schedule} and {@code register} calls are rejected. Idempotent.
     */
    public void shutdown() {
        if (!shutdown) {
            shutdown = true;
            wakeIfSleeping();
        }
    }

    public boolean isShutdown() {
        return shutdown;
    }

    /** True once the shutdown has finished: accepted tasks have run, timeouts are cancelled. */
    public boolean isTerminated() {
        return terminated;
    }

    /** Waits up to {@code timeout} for {@link #isTerminated()}; returns whether it happened. */
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return termination.await(timeout, unit);
    }

    /**
     * Shuts the loop down, finishes the shutdown and releases the epoll fd and the eventfd;
     * idempotent. Sources are deregistered but stay open. From another thread this waits for a
     * running turn to end, and if no thread is running the loop, the calling thread runs the
     * remaining tasks as the loop's thread. From a handler or task, the loop is released when the
     * current turn ends.
     */
    @Override
    public void close() {
        shutdown();
        if (thread == Thread.currentThread()) {
            closeRequested = true;
            return;
        }
        runLock.lock();
        try {
            thread = Thread.currentThread();
            try {
                terminate();
            } finally {
                thread = null;
            }
            releaseResources();
        } finally {
            runLock.unlock();
        }
    }

    private void enter() {
        if (thread == Thread.currentThread()) {
            throw new IllegalStateException("the event loop cannot be run from its own handlers or tasks");
        }
        if (!runLock.tryLock()) {
            throw new IllegalStateException("the event loop is being run or closed by another thread");
        }
        thread = Thread.currentThread();
    }

    private void exit() {
        thread = null;
        try {
            if (closeRequested && terminated) {
                releaseResources();
            }
        } finally {
            runLock.unlock();
        }
    }

    private void turn(long timeoutMillis) throws IOException {
        long timeout = localTasks.isEmpty() ? untilNextTimer(timeoutMillis) : 0;
        if (timeout != 0) {
            // Publish the intent to sleep, then look again: a producer that offered before this
            // store is seen below; one that offers after it sees SLEEPING and writes the eventfd.
            wakeState = SLEEPING;
            if (shutdown || !remoteTasks.isEmpty()) {
                wakeState = AWAKE;
                timeout = 0;
            }
        }
        try {
            poll.poll(events, timeout);
        } finally {
            WAKE_STATE.lazySet(this, AWAKE);
        }
        dispatchEvents();
        runDueTimers();
        runTasks();
    }

    /** The poll timeout: {@code limit} (-1 = none), shortened to the next deadline, rounded up. */
    private long untilNextTimer(long limit) {
        Timeout next = timers.peek();
        if (next == null || limit == 0) {
            return limit;
        }
        long nanos = next.deadline - System.nanoTime();
        if (nanos <= 0) {
            return 0;
        }
        long millis = (nanos + 999_999) / 1_000_000;
        return limit < 0 ? millis : Math.min(millis, limit);
    }

    private void dispatchEvents() {
        Events ready = events;
        for (int i = 0, count = ready.size(); i < count; i++) {
            Event event = ready.get(i);
            // Looked up per event: a handler earlier in this batch may have deregistered it.
            Registration registration = slab.lookup(event.token());
            if (registration != null) {
                try {
                    registration.handler.ready(registration, event);
                } catch (Throwable failure) {
                    report(failure);
                }
            }
        }
    }

    private void runDueTimers() {
        if (timers.size() == 0) {
            return;
        }
        long now = System.nanoTime();
        for (int run = 0; run < TIMERS_PER_TURN; ) {
            Timeout next = timers.peek();
            if (next == null || next.deadline - now > 0) {
                return;
            }
            timers.poll();
            Runnable task = next.expire();
            if (task != null) {
                run++;
                runSafely(task);
            }
        }
    }

    private void runTasks() {
        remoteTasks.drain(runRemote, TASKS_PER_TURN);
        // Only the tasks queued so far: one that queues itself again (a coroutine that yields)
        // runs after the next poll, so it cannot keep I/O and timers waiting.
        for (int queued = Math.min(TASKS_PER_TURN, localTasks.size()); queued > 0; queued--) {
            runSafely(localTasks.poll());
        }
    }

    /** An item from another thread: a task, or a timeout to add (new) or take out (cancelled). */
    private void runRemote(Object item) {
        if (!(item instanceof Timeout)) {
            runSafely((Runnable) item);
        } else if (((Timeout) item).isPending()) {
            timers.add((Timeout) item);
        } else {
            timers.remove((Timeout) item);
        }
    }

    private void runSafely(Runnable task) {
        try {
            task.run();
        } catch (Throwable failure) {
            report(failure);
        }
    }

    /** Loop thread, after shutdown: runs what was accepted, abandons timeouts; idempotent. */
    private void terminate() {
        if (terminated) {
            return;
        }
        remoteTasks.close();
        for (Timeout timeout : timers.clear()) {
            abandon(timeout);
        }
        Runnable local;
        while ((local = localTasks.poll()) != null) {
            runSafely(local);
        }
        Object remote;
        while ((remote = remoteTasks.pollClosed()) != null) {
            if (remote instanceof Timeout) {
                abandon((Timeout) remote);
            } else {
                runSafely((Runnable) remote);
            }
        }
        terminated = true;
        termination.countDown();
    }

    private void abandon(Timeout timeout) {
        AbandonableTask task = timeout.abandon();
        if (task != null) {
            try {
                task.abandoned();
            } catch (Throwable failure) {
                report(failure);
            }
        }
    }

    /** Holding runLock, after terminate. */
    private void releaseResources() {
        if (closed) {
            return;
        }
        closed = true;
        for (Registration registration : slab.close()) {
            try {
                registration.deregister();
            } catch (IOException e) {
                // The source's fd was closed by its owner; epoll has dropped it already.
            }
        }
        waker.close();
        poll.close();
    }

    private void wakeIfSleeping() {
        if (wakeState == SLEEPING && WAKE_STATE.compareAndSet(this, SLEEPING, AWAKE)) {
            try {
                waker.wake();
            } catch (ClosedChannelException e) {
                // Closed: there is no loop left to wake.
            } catch (IOException e) {
                report(e);
            }
        }
    }

    private void report(Throwable failure) {
        try {
            exceptionHandler.accept(failure);
        } catch (Throwable handlerFailure) {
            if (handlerFailure != failure) {
                handlerFailure.addSuppressed(failure);
            }
            Options.printToStderr(handlerFailure);
        }
    }

    private static RejectedExecutionException rejected() {
        return new RejectedExecutionException("event loop is shut down");
    }

    @Override
    public String toString() {
        return "EventLoop{" + (terminated ? "terminated" : shutdown ? "shutting down" : "running")
                + ", thread=" + thread + '}';
    }

    /**
     * Settings for {@link EventLoop#open(Options)}; a mutable builder, read once by {@code open}.
     *
     * <pre>{@code
     * EventLoop loop = EventLoop.open(new EventLoop.Options()
     *         .eventsCapacity(256)
     *         .exceptionHandler(failure -> log.error("event loop", failure)));
     * }</pre>
     */
    public static final class Options {
        int eventsCapacity = 1024;
        Consumer<Throwable> exceptionHandler = Options::printToStderr;

        /**
         * Most events taken per epoll_wait (default 1024); more wait for the next turn.
         *
         * @throws IllegalArgumentException unless {@code 1 <= capacity <= Events.MAX_CAPACITY}
         */
        public Options eventsCapacity(int capacity) {
            if (capacity < 1 || capacity > Events.MAX_CAPACITY) {
                throw new IllegalArgumentException("capacity must be in [1, " + Events.MAX_CAPACITY + "]: " + capacity);
            }
            this.eventsCapacity = capacity;
            return this;
        }

        /**
         * Receives every exception thrown by a handler, task or timer, on the loop's thread (and a
         * failed wake-up write, on the thread that tried it). Default: printed to stderr.
         */
        public Options exceptionHandler(Consumer<Throwable> handler) {
            this.exceptionHandler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        static void printToStderr(Throwable failure) {
            System.err.print("Exception in jmio event loop on \"" + Thread.currentThread().getName() + "\" ");
            failure.printStackTrace();
        }
    }
}
