package io.jmio.coroutines

import io.jmio.AbandonableTask
import io.jmio.EventLoop
import io.jmio.Timeout
import io.jmio.coroutines.internal.SocketIo
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.RejectedExecutionException
import java.util.concurrent.TimeUnit
import kotlin.coroutines.CoroutineContext
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Delay
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.DisposableHandle
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.InternalCoroutinesApi
import kotlinx.coroutines.NonDisposableHandle
import kotlinx.coroutines.cancel

/**
 * Runs coroutines on a jmio [EventLoop]'s thread, and times `delay`, `withTimeout` and
 * `withTimeoutOrNull` with the loop's own timers (no kotlinx DefaultExecutor thread).
 *
 * ```kotlin
 * val loop = EventLoop.open()
 * val dispatcher = EventLoopDispatcher(loop)
 * thread { loop.run() }
 * CoroutineScope(dispatcher).launch {
 *     delay(10)           // a loop timer
 *     val conn = TcpStream.connect(InetSocketAddress("127.0.0.1", 7000))
 * }
 * ```
 *
 * A coroutine resumed on the loop thread runs there at once, with no queue hop
 * ([isDispatchNeeded] is false on the loop thread); from any other thread it is queued with
 * [EventLoop.execute], which wakes the loop at most once per sleep. Usually you don't build one:
 * [runEventLoop] and [EventLoopGroup] do.
 *
 * Once the loop shuts down, work dispatched to it is refused: the coroutine is cancelled and its
 * cleanup runs on [Dispatchers.IO], as kotlinx's own dispatchers do when they reject work. A
 * coroutine suspended in `delay`, or inside `withTimeout`, when its loop shuts down is cancelled
 * then, so it never waits for a timer that will not fire; a `delay` or `withTimeout` begun after
 * the shutdown (say in a `finally` block) cancels its coroutine the same way instead of throwing
 * `RejectedExecutionException`.
 */
@OptIn(InternalCoroutinesApi::class)
public class EventLoopDispatcher(public val loop: EventLoop) : CoroutineDispatcher(), Delay {
    private val sockets: MutableSet<SocketIo> = ConcurrentHashMap.newKeySet()

    override fun isDispatchNeeded(context: CoroutineContext): Boolean = !loop.inEventLoop()

    override fun dispatch(context: CoroutineContext, block: Runnable) {
        try {
            loop.execute(block)
        } catch (e: RejectedExecutionException) {
            context.cancel(shutDown(e))
            Dispatchers.IO.dispatch(context, block)
        }
    }

    override fun scheduleResumeAfterDelay(timeMillis: Long, continuation: CancellableContinuation<Unit>) {
        val resume = DelayedResume(this, continuation)
        try {
            resume.timeout = loop.schedule(resume, timeMillis.coerceAtLeast(0), TimeUnit.MILLISECONDS)
        } catch (e: RejectedExecutionException) {
            // As kotlinx's own dispatchers do with rejected work: cancel the coroutine (and this delay).
            val cause = shutDown(e)
            continuation.context.cancel(cause)
            continuation.cancel(cause)
            return
        }
        continuation.invokeOnCancellation(resume)
    }

    override fun invokeOnTimeout(timeMillis: Long, block: Runnable, context: CoroutineContext): DisposableHandle {
        val task = LoopTimeout(block, context)
        try {
            task.timeout = loop.schedule(task, timeMillis.coerceAtLeast(0), TimeUnit.MILLISECONDS)
        } catch (e: RejectedExecutionException) {
            context.cancel(shutDown(e))
            return NonDisposableHandle
        }
        return task
    }

    /**
     * I/O calls a coroutine may make without waiting before it yields, so that one socket that is
     * always ready cannot starve the loop's other sockets and timers (tokio's cooperative budget,
     * Netty's maxMessagesPerRead). Every I/O event refills it. Loop thread only.
     */
    private var ioBudget = IO_BUDGET

    /** Counts one I/O call; false when the budget is spent and the caller should yield first. */
    internal fun spendIoBudget(): Boolean {
        if (!loop.inEventLoop() || --ioBudget > 0) return true
        ioBudget = IO_BUDGET
        return false
    }

    /** Called on the loop thread for every I/O event. */
    internal fun refillIoBudget() {
        ioBudget = IO_BUDGET
    }

    internal fun track(io: SocketIo) {
        sockets.add(io)
    }

    internal fun untrack(io: SocketIo) {
        sockets.remove(io)
    }

    /** Closes every socket still registered through this dispatcher (waiters get AsynchronousCloseException). */
    internal fun closeSockets() {
        for (io in sockets.toList()) io.close()
    }

    override fun toString(): String = "EventLoopDispatcher($loop)"

    private companion object {
        const val IO_BUDGET = 128

        fun shutDown(rejection: RejectedExecutionException?): CancellationException =
            CancellationException("jmio event loop is shut down", rejection)
    }

    /** A `delay` on the loop's timer; cancelled with the coroutine, or with it if the loop shuts down first. */
    private class DelayedResume(
        private val dispatcher: EventLoopDispatcher,
        private val continuation: CancellableContinuation<Unit>,
    ) : AbandonableTask, (Throwable?) -> Unit {
        lateinit var timeout: Timeout

        @OptIn(ExperimentalCoroutinesApi::class)
        override fun run() {
            with(continuation) { dispatcher.resumeUndispatched(Unit) }
        }

        override fun abandoned() {
            continuation.cancel(shutDown(null))
        }

        /** The coroutine was cancelled: drop the timer. */
        override fun invoke(cause: Throwable?) {
            timeout.cancel()
        }
    }

    /** `withTimeout`'s timer: runs [block] when due, or cancels [context] if the loop shuts down first. */
    private class LoopTimeout(private val block: Runnable, private val context: CoroutineContext) :
        AbandonableTask, DisposableHandle {
        lateinit var timeout: Timeout

        override fun run() = block.run()

        override fun abandoned() = context.cancel(shutDown(null))

        override fun dispose() {
            timeout.cancel()
        }
    }
}
