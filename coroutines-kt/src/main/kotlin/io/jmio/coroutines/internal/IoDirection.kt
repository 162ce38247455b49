package io.jmio.coroutines.internal

import io.jmio.Timeout
import io.jmio.coroutines.EventLoopDispatcher
import java.net.SocketTimeoutException
import java.nio.ByteBuffer
import java.nio.channels.AsynchronousCloseException
import java.util.concurrent.RejectedExecutionException
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicReference
import kotlin.coroutines.Continuation
import kotlin.coroutines.intrinsics.COROUTINE_SUSPENDED
import kotlin.coroutines.intrinsics.intercepted
import kotlin.coroutines.intrinsics.suspendCoroutineUninterceptedOrReturn
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.DisposableHandle
import kotlinx.coroutines.InternalCoroutinesApi
import kotlinx.coroutines.Job
import kotlinx.coroutines.yield

/** What a parked waiter asks the loop thread to do once its direction is ready. */
internal fun interface IoAttempt {
    /** Performs [op] for [direction]'s parked arguments: a result, or [WOULD_BLOCK] to keep waiting. */
    fun attempt(op: Int, direction: IoDirection): Any?
}

/** Returned by an [IoAttempt] that found the socket not ready after all (a spurious event). */
internal val WOULD_BLOCK: Any = Marker("WOULD_BLOCK")

/**
 * One direction (read or write) of a registered socket: its edge-triggered readiness and at most one
 * parked coroutine. Internal.
 *
 * The socket is registered once, for both directions; nothing is re-registered per suspension.
 * `state` is one of:
 * - `null`: idle, no readiness seen since it was last consumed;
 * - [READY]: an edge arrived while nobody waited (the next waiter retries at once);
 * - a [Continuation]: a coroutine is parked, with its operation in [op] and the buffer fields;
 * - [CLAIMED] / [CANCEL_REQUESTED]: the loop thread is performing the parked operation (and a
 *   cancellation arrived meanwhile);
 * - [CLOSED]: the socket is closed.
 *
 * A parked coroutine is its caller's own continuation (captured with
 * `suspendCoroutineUninterceptedOrReturn`), and on an edge the loop thread performs the syscall
 * itself and resumes that continuation with the result. So a read that waits allocates nothing:
 * no `CancellableContinuation`, no frame of its own. Cancellation is therefore ours to handle: a
 * handler is installed once per (direction, job) pair, not per suspension, and races with the
 * edge through compare-and-set on `state`, so exactly one of them resumes the coroutine.
 */
internal class IoDirection(
    private val io: IoAttempt,
    private val name: String,
    val dispatcher: EventLoopDispatcher,
) : (Throwable?) -> Unit, Runnable {
    private val state = AtomicReference<Any?>(null)

    /** The parked operation and its arguments, published by the compare-and-set that parks. */
    var op: Int = 0
        private set
    var buffer: ByteBuffer? = null
        private set
    var buffers: Array<out ByteBuffer>? = null
        private set

    /**
     * Set by a read that came back shorter than asked from a socket where that proves it was
     * emptied (see [StreamIo]): only a new edge can bring more, so the next read parks without
     * trying. Any other attempt or consumed edge clears it.
     */
    @Volatile var emptied: Boolean = false

    /**
     * Sticky: an event reported hang-up or error. After that a short read proves nothing (the
     * end of stream that follows it raises no new edge), so [emptied] is ignored.
     */
    @Volatile var hungUp: Boolean = false

    /** True when the next read may park at once: the last one emptied the socket and no hang-up came since. */
    val mayParkFirst: Boolean get() = emptied && !hungUp

    /**
     * How long a waiter may stay parked before it fails with [SocketTimeoutException], in
     * nanoseconds; 0 waits forever. Checked by one loop timer per direction that is re-armed
     * lazily (for what is left of the current wait when it fires), so a read that parks costs a
     * clock read, not a timer of its own.
     */
    @Volatile var timeoutNanos: Long = 0

    /** When the current waiter parked, by [System.nanoTime]; written before the parking CAS publishes it. */
    @Volatile private var parkedAt: Long = 0

    /** The armed timeout timer, if any. Armed and fired on the loop thread; cancelled by [close]. */
    @Volatile private var timer: Timeout? = null

    @Volatile private var boundJob: Job? = null
    private var cancelHandle: DisposableHandle? = null

    /** Forgets an unconsumed edge before a fresh attempt, so that a stale one costs no extra syscall. */
    fun clearReady() {
        if (state.get() === READY) state.compareAndSet(READY, null)
    }

    /**
     * Parks the caller until [op] on [buffer] (or [buffers]) succeeds, or returns its result at
     * once if an edge arrived since the caller's last attempt. Call as the tail call of a suspend
     * function, after an attempt that would have blocked.
     */
    suspend fun awaitInt(op: Int, buffer: ByteBuffer): Int = suspendCoroutineUninterceptedOrReturn { cont ->
        @Suppress("UNCHECKED_CAST")
        park(op, buffer, null, cont as Continuation<Any?>)
    }

    suspend fun awaitLong(op: Int, buffers: Array<out ByteBuffer>): Long = suspendCoroutineUninterceptedOrReturn { cont ->
        @Suppress("UNCHECKED_CAST")
        park(op, null, buffers, cont as Continuation<Any?>)
    }

    /** Parks the caller until this direction reports readiness (or returns at once if it has since the last attempt). */
    suspend fun awaitReady(): Unit = suspendCoroutineUninterceptedOrReturn { cont ->
        emptied = false // the edge this consumes may be the only one the next read gets
        @Suppress("UNCHECKED_CAST")
        park(OP_READY, null, null, cont as Continuation<Any?>)
    }

    private fun park(op: Int, buffer: ByteBuffer?, buffers: Array<out ByteBuffer>?, cont: Continuation<Any?>): Any? {
        val job = cont.context[Job]
        if (job != null) {
            bindCancellation(job)
            if (!job.isActive) throw job.cancellationCause()
        }
        while (true) {
            val s = state.get()
            when {
                s === READY -> if (state.compareAndSet(READY, null)) {
                    publish(op, buffer, buffers)
                    val result = io.attempt(op, this)
                    if (result !== WOULD_BLOCK) {
                        clearArguments()
                        return result
                    }
                }
                s == null -> {
                    // The arguments belong to whoever owns the slot: publish them only when it is free
                    // (the compare-and-set below makes them visible to the loop thread).
                    publish(op, buffer, buffers)
                    val timeout = timeoutNanos
                    if (timeout > 0) parkedAt = System.nanoTime()
                    if (state.compareAndSet(null, cont)) {
                        // A cancellation that ran before we parked found nothing to resume: look again.
                        if (job != null && !job.isActive && state.compareAndSet(cont, null)) {
                            clearArguments()
                            throw job.cancellationCause()
                        }
                        if (timeout > 0) armTimer(timeout)
                        return COROUTINE_SUSPENDED
                    }
                }
                s === CLOSED -> throw AsynchronousCloseException()
                // Another coroutine is parked here; its arguments stay untouched.
                else -> throw IllegalStateException("another coroutine is already waiting to $name on this socket")
            }
        }
    }

    private fun publish(op: Int, buffer: ByteBuffer?, buffers: Array<out ByteBuffer>?) {
        this.op = op
        this.buffer = buffer
        this.buffers = buffers
    }

    /** Called on the loop thread when an event reports this direction ready (or in error). */
    fun onReady() {
        while (true) {
            val s = state.get()
            when {
                s == null -> if (state.compareAndSet(null, READY)) return
                s is Continuation<*> -> if (state.compareAndSet(s, CLAIMED)) {
                    @Suppress("UNCHECKED_CAST")
                    complete(s as Continuation<Any?>)
                    return
                }
                else -> return // READY already, CLOSED, or being completed
            }
        }
    }

    private fun complete(cont: Continuation<Any?>) {
        val result = try {
            io.attempt(op, this)
        } catch (e: Throwable) {
            Failure(e)
        }
        if (result === WOULD_BLOCK) {
            if (state.compareAndSet(CLAIMED, cont)) return // spurious: stay parked
            if (stayParkedDespiteRequest(cont)) return
            // Cancelled or closed while we looked: settle it now.
            val s = state.get()
            state.set(if (s === CLOSED_WHILE_CLAIMED) CLOSED else null)
            clearArguments()
            cont.intercepted().resumeWithException(
                if (s === CLOSED_WHILE_CLAIMED) AsynchronousCloseException() else cont.context[Job]!!.cancellationCause()
            )
            return
        }
        // The operation completed: deliver its result even if a cancellation arrived meanwhile, so
        // no byte is lost; the coroutine sees the cancellation at its next suspension.
        val after = state.get()
        state.set(if (after === CLOSED_WHILE_CLAIMED) CLOSED else null)
        clearArguments()
        // Through the interceptor even on the loop thread: kotlinx then runs the coroutine inside its
        // unconfined event loop, so coroutines it resumes in turn are queued, not run inside it.
        if (result is Failure) cont.intercepted().resumeWithException(result.error)
        else cont.intercepted().resume(result)
    }

    private fun armTimer(delayNanos: Long) {
        val loop = dispatcher.loop
        try {
            if (!loop.inEventLoop()) {
                loop.execute { armTimer(delayNanos) }
            } else if (timer == null && state.get() !== CLOSED) {
                timer = loop.schedule(this, delayNanos, TimeUnit.NANOSECONDS)
            }
        } catch (_: RejectedExecutionException) {
            // The loop is shutting down and closes its sockets, which resumes the waiter.
        }
    }

    /** The timeout timer (loop thread): fails a waiter parked too long, re-arms for one that is not yet. */
    override fun run() {
        timer = null
        val timeout = timeoutNanos
        val s = state.get()
        if (s !is Continuation<*> || timeout <= 0) return // nobody waits: the next park arms it again
        val waited = System.nanoTime() - parkedAt
        if (waited < timeout) {
            armTimer(timeout - waited)
        } else if (state.compareAndSet(s, null)) {
            clearArguments()
            s.intercepted().resumeWithException(
                SocketTimeoutException("$name timed out after ${TimeUnit.NANOSECONDS.toMillis(timeout)} ms")
            )
        }
    }

    /**
     * A cancellation request reached [cont] while its attempt was running. The handler that made
     * it may belong to a job that used this socket earlier, so it only counts if [cont]'s own job
     * is cancelled; otherwise [cont] parks again (and looks once more, as [park] does, so a
     * cancellation arriving meanwhile is not lost).
     */
    private fun stayParkedDespiteRequest(cont: Continuation<Any?>): Boolean {
        val job = cont.context[Job]
        if (job != null && !job.isActive) return false
        if (!state.compareAndSet(CANCEL_REQUESTED, cont)) return false
        if (job != null && !job.isActive && state.compareAndSet(cont, null)) {
            clearArguments()
            cont.intercepted().resumeWithException(job.cancellationCause())
        }
        return true
    }

    /**
     * The cancellation handler, installed once per job that waits here (see [bindCancellation]).
     * It acts only on a waiter whose own job is cancelled, so a handler left over from an earlier
     * job cannot cancel a later one; not capturing the job also saves an allocation per binding.
     */
    override fun invoke(cause: Throwable?) {
        while (true) {
            val s = state.get()
            when {
                s is Continuation<*> -> {
                    val job = s.context[Job]
                    if (job == null || job.isActive) return
                    if (state.compareAndSet(s, null)) {
                        clearArguments()
                        s.intercepted().resumeWithException(job.cancellationCause())
                        return
                    }
                }
                s === CLAIMED -> if (state.compareAndSet(CLAIMED, CANCEL_REQUESTED)) return
                else -> return
            }
        }
    }

    /** Closes this direction: a parked coroutine resumes with [AsynchronousCloseException]. */
    fun close() {
        while (true) {
            val s = state.get()
            when {
                s === CLOSED || s === CLOSED_WHILE_CLAIMED -> break
                s === CLAIMED || s === CANCEL_REQUESTED -> if (state.compareAndSet(s, CLOSED_WHILE_CLAIMED)) break
                s is Continuation<*> -> if (state.compareAndSet(s, CLOSED)) {
                    clearArguments()
                    s.intercepted().resumeWithException(AsynchronousCloseException())
                    break
                }
                else -> if (state.compareAndSet(s, CLOSED)) break
            }
        }
        timer?.cancel()
        synchronized(this) {
            cancelHandle?.dispose()
            cancelHandle = null
            boundJob = null
        }
    }

    @OptIn(InternalCoroutinesApi::class)
    private fun bindCancellation(job: Job) {
        if (boundJob === job) return
        synchronized(this) {
            if (boundJob === job || state.get() === CLOSED) return
            cancelHandle?.dispose()
            boundJob = job
            cancelHandle = job.invokeOnCompletion(onCancelling = true, invokeImmediately = false, handler = this)
        }
    }

    private fun clearArguments() {
        buffer = null
        buffers = null
    }

    private class Failure(@JvmField val error: Throwable)

    private companion object {
        val READY = Marker("READY")
        val CLAIMED = Marker("CLAIMED")
        val CANCEL_REQUESTED = Marker("CANCEL_REQUESTED")
        val CLOSED = Marker("CLOSED")
        val CLOSED_WHILE_CLAIMED = Marker("CLOSED_WHILE_CLAIMED")
    }
}

internal class Marker(private val name: String) {
    override fun toString(): String = name
}

@OptIn(InternalCoroutinesApi::class)
internal fun Job.cancellationCause(): CancellationException = getCancellationException()

/**
 * Repeats [attempt] (null: it would block) until it succeeds, waiting for this direction's
 * readiness in between, and yielding first when the loop's I/O budget is spent. For calls that
 * allocate anyway (datagrams, accept).
 */
internal suspend inline fun <T : Any> IoDirection.untilReady(attempt: () -> T?): T {
    while (true) {
        if (!dispatcher.spendIoBudget()) yield()
        clearReady()
        attempt()?.let { return it }
        awaitReady()
    }
}
