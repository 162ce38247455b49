package io.jmio;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * A task scheduled on an {@link EventLoop} by {@link EventLoop#schedule}: it runs once on the
 * loop's thread, no earlier than its delay, unless cancelled first.
 *
 * <pre>{@code
 * Timeout timeout = loop.schedule(() -> connection.close(), 30, TimeUnit.SECONDS);
 * ...
 * if (timeout.cancel()) {
 *     // it had not run, and now never will
 * }
 * }</pre>
 *
 * <p>Thread-safe. Exactly one of "runs" and "cancelled" happens: {@link #cancel()} returns true
 * only if it prevented the run. A cancelled timeout is removed from the loop's timer structure at
 * once when cancelled on the loop's thread, and within the loop's next turn otherwise, so
 * cancelled timeouts never pile up.
 */
public final class Timeout {
    private static final AtomicIntegerFieldUpdater<Timeout> STATE =
            AtomicIntegerFieldUpdater.newUpdater(Timeout.class, "state");
    private static final int PENDING = 0;
    private static final int EXPIRED = 1;
    private static final int CANCELLED = 2;

    private final EventLoop loop;
    /** Cleared by whichever of run and cancel wins, so a kept handle does not keep the task. */
    private Runnable task;
    /** {@link System#nanoTime()} at which the task is due. */
    final long deadline;
    /** Heap fields, loop thread only: insertion order (ties run first-scheduled first), slot. */
    long sequence;
    int heapIndex = -1;
    private volatile int state;

    Timeout(EventLoop loop, Runnable task, long deadline) {
        this.loop = loop;
        this.task = task;
        this.deadline = deadline;
    }

    /**
     * Prevents the task from running, from any thread. Returns true if it did; false if the task
     * has already run (or started to) or was already cancelled.
     */
    public boolean cancel() {
        if (!STATE.compareAndSet(this, PENDING, CANCELLED)) {
            return false;
        }
        task = null;
        loop.cancelled(this);
        return true;
    }

    public boolean isCancelled() {
        return state == CANCELLED;
    }

    /** True once the task has been started by the loop. */
    public boolean isExpired() {
        return state == EXPIRED;
    }

    /** Neither run nor cancelled yet. */
    public boolean isPending() {
        return state == PENDING;
    }

    /** Time left until the task is due (negative when overdue), in {@code unit}. */
    public long delay(TimeUnit unit) {
        return unit.convert(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
    }

    /** Loop thread: claims the run; returns the task, or null if it was cancelled. */
    Runnable expire() {
        if (!STATE.compareAndSet(this, PENDING, EXPIRED)) {
            return null;
        }
        Runnable run = task;
        task = null;
        return run;
    }

    /**
     * Loop thread, at shutdown: cancels without asking the loop to remove it, and returns the task
     * if it wants to hear about that (an {@link AbandonableTask}), else null.
     */
    AbandonableTask abandon() {
        if (!STATE.compareAndSet(this, PENDING, CANCELLED)) {
            return null;
        }
        Runnable dropped = task;
        task = null;
        return dropped instanceof AbandonableTask ? (AbandonableTask) dropped : null;
    }

    @Override
    public String toString() {
        String status = state == PENDING ? "pending" : state == EXPIRED ? "expired" : "cancelled";
        return "Timeout{" + status + ", delay=" + delay(TimeUnit.MILLISECONDS) + "ms}";
    }
}
