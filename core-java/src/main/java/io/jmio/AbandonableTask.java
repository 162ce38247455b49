package io.jmio;

/**
 * A task for {@link EventLoop#schedule} that must hear about a shutdown that comes before it is
 * due. A plain {@link Runnable} whose timeout is still pending when the loop shuts down is dropped
 * silently; this one is told, so that whoever waits for it (a suspended coroutine, a future) can
 * be released instead of waiting forever.
 *
 * <pre>{@code
 * loop.schedule(new AbandonableTask() {
 *     public void run() { future.complete(null); }
 *     public void abandoned() { future.cancel(false); }
 * }, 5, TimeUnit.SECONDS);
 * }</pre>
 *
 * <p>Exactly one of {@link #run()} and {@link #abandoned()} is called, once, unless the timeout
 * is cancelled first (then neither is). Both run on the loop's thread, {@code abandoned} while the
 * loop finishes its shutdown; an exception from it goes to the loop's exception handler.
 */
public interface AbandonableTask extends Runnable {
    /** The loop shut down before the task was due: it will never run. */
    void abandoned();
}
