package io.jmio.coroutines.internal

import io.jmio.Timeout
import io.jmio.coroutines.EventLoopDispatcher
import java.net.SocketTimeoutException
import java.nio.ByteBuffer
import java.nio.channels.AsynchronousCloseException
import java.util.concurrent.RejectedExecutionException
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater
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
 * - [OWNED] / [OWNED_READY]: one party has taken the slot and is using its arguments: a coroutine
 *   publishing them before it parks, the loop thread performing the parked operation, or a
 *   canceller or timer resuming the waiter (and an edge arrived meanwhile);
 * - a [Continuation]: a coroutine is parked, with its operation in [op] and the buffer fields;
 * - [CLOSED]: the socket is closed (terminal).
 *
 * Every transition is a compare-and-set from the state observed. Only the owner moves the slot out
 * of [OWNED], and it never overwrites what others did meanwhile: an edge turns [OWNED] into
 * [OWNED_READY] and a close turns it into [CLOSED], and the owner honours both when it lets go. A
 * parked waiter is taken by exactly one of the edge, its cancellation, the close and the timeout.
 * A caller that finds the slot taken gets [IllegalStateException] and changes nothing.
 *
 * A parked coroutine is its caller's own continuation (captured with
 * `suspendCoroutineUninterceptedOrReturn`), and on an edge the loop thread performs the syscall
 * itself and resumes that continuation with the result. So a read that waits allocates nothing:
 * no `CancellableContinuation`, no frame of its own. Cancellation is therefore ours to handle: a
 * handler is installed once per (direction, job) pair, not per suspension, by a coroutine that has
 * parked, and acts only on a waiter whose own job is cancelled. A waiter whose job is cancelled
 * always ends with its cancellation exception (never with the close's or the timeout's), so a
 * cancelled coroutine cannot fail its parent; a result the loop already read is still delivered,
 * so no byte is lost.
 */
internal class IoDirection(
    private val io: IoAttempt,
    private val name: String,
    val dispatcher: EventLoopDispatcher,
) : (Throwable?) -> Unit, Runnable {
    /**
     * The slot's state (see above), changed only through [STATE]: a field of its own rather than an
     * `AtomicReference`, so that an event reaches it without loading one more object per direction
     * (at 1,000 connections each such load is a likely cache miss). Not for other classes.
     */
    @Volatile @JvmField var state: Any? = null

    /** The parked operation and its arguments; written only by the slot's owner. */
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
     * Sticky: an event reported hang-up, error or urgent data (priority). After that a short read
     * proves nothing (the end of stream that follows a hang-up raises no new edge, and a read stops
     * short at an urgent mark with more queued behind it), so [emptied] is ignored.
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

    /** When the current waiter parked, by [System.nanoTime]; written by the owner before it parks. */
    @Volatile private var parkedAt: Long = 0

    /** The armed timeout timer, if any. Armed and fired on the loop thread; cancelled by [close]. */
    @Volatile private var timer: Timeout? = null

    @Volatile private var boundJob: Job? = null
    private var cancelHandle: DisposableHandle? = null

    /** Forgets an unconsumed edge before a fresh attempt, so that a stale one costs no extra syscall. */
    fun clearReady() {
        if (state === READY) STATE.compareAndSet(this, READY, null)
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
        @Suppress("UNCHECKED_CAST")
        park(OP_READY, null, null, cont as Continuation<Any?>)
    }

    private fun park(op: Int, buffer: ByteBuffer?, buffers: Array<out ByteBuffer>?, cont: Continuation<Any?>): Any? {
        val job = cont.context[Job]
        if (job != null && !job.isActive) throw job.cancellationCause()
        var edge = takeSlot()
        // The slot is ours: nobody else reads or writes the arguments until we publish the waiter.
        if (op == OP_READY) emptied = false // the edge this consumes may be the only one the next read gets
        this.op = op
        this.buffer = buffer
        this.buffers = buffers
        while (true) {
            if (edge) {
                val result = try {
                    io.attempt(op, this)
                } catch (e: Throwable) {
                    clearArguments()
                    release()
                    throw e
                }
                if (result !== WOULD_BLOCK) {
                    clearArguments()
                    release()
                    return result
                }
            }
            val timeout = timeoutNanos
            if (timeout > 0) parkedAt = System.nanoTime()
            if (STATE.compareAndSet(this, OWNED, cont)) {
                if (job != null) {
                    bindCancellation(job)
                    // A cancellation that ran before the handler was bound found nobody to resume: look again.
                    if (!job.isActive && STATE.compareAndSet(this, cont, OWNED)) {
                        clearArguments()
                        release()
                        throw job.cancellationCause()
                    }
                }
                if (timeout > 0) armTimer(timeout)
                return COROUTINE_SUSPENDED
            }
            // An edge or a close came while we held the slot.
            if (STATE.compareAndSet(this, OWNED_READY, OWNED)) {
                edge = true
                continue
            }
            clearArguments() // CLOSED is terminal: nobody else will use them
            throw AsynchronousCloseException()
        }
    }

    /** Takes the idle slot for the caller: true if an edge was waiting there. */
    private fun takeSlot(): Boolean {
        while (true) {
            val s = state
            when {
                s == null -> if (STATE.compareAndSet(this, null, OWNED)) return false
                s === READY -> if (STATE.compareAndSet(this, READY, OWNED)) return true
                s === CLOSED -> throw AsynchronousCloseException()
                // Another coroutine waits here (or is being resumed): leave everything as it is.
                else -> throw IllegalStateException("another coroutine is already waiting to $name on this socket")
            }
        }
    }

    /** The owner lets go of the slot: idle, or [READY] if an edge came meanwhile; a close stays. */
    private fun release() {
        while (true) {
            val s = state
            when {
                s === OWNED -> if (STATE.compareAndSet(this, OWNED, null)) return
                s === OWNED_READY -> if (STATE.compareAndSet(this, OWNED_READY, READY)) return
                else -> return // CLOSED
            }
        }
    }

    /** Called on the loop thread when an event reports this direction ready (or in error). */
    fun onReady() {
        while (true) {
            val s = state
            when {
                s == null -> if (STATE.compareAndSet(this, null, READY)) return
                s === OWNED -> if (STATE.compareAndSet(this, OWNED, OWNED_READY)) return
                s is Continuation<*> -> if (STATE.compareAndSet(this, s, OWNED)) {
                    @Suppress("UNCHECKED_CAST")
                    complete(s as Continuation<Any?>)
                    return
                }
                else -> return // READY or OWNED_READY already, or CLOSED
            }
        }
    }

    /** Loop thread, owning the slot taken from [cont]: performs the parked operation. */
    private fun complete(cont: Continuation<Any?>) {
        val result = try {
            io.attempt(op, this)
        } catch (e: Throwable) {
            Failure(e)
        }
        if (result === WOULD_BLOCK) {
            // Spurious: park again, unless the socket was closed meanwhile.
            if (!STATE.compareAndSet(this, OWNED, cont)) {
                clearArguments()
                cont.intercepted().resumeWithException(failureFor(cont, AsynchronousCloseException()))
                return
            }
            // A cancellation handler that ran while we owned the slot found nobody to resume.
            val job = cont.context[Job]
            if (job != null && !job.isActive && STATE.compareAndSet(this, cont, OWNED)) {
                clearArguments()
                release()
                cont.intercepted().resumeWithException(job.cancellationCause())
            }
            return
        }
        // The operation completed: deliver its result even if a cancellation or close arrived
        // meanwhile, so no byte is lost; the coroutine sees them at its next suspension.
        clearArguments()
        release()
        // Through the interceptor even on the loop thread: kotlinx then runs the coroutine inside its
        // unconfined event loop, so coroutines it resumes in turn are queued, not run inside it.
        if (result is Failure) cont.intercepted().resumeWithException(failureFor(cont, result.error))
        else cont.intercepted().resume(result)
    }

    /** Takes the parked [waiter] away from the slot and fails it with [error] (or its job's cancellation). */
    private fun abort(waiter: Continuation<*>, error: Throwable): Boolean {
        if (!STATE.compareAndSet(this, waiter, OWNED)) return false
        clearArguments()
        release()
        waiter.intercepted().resumeWithException(failureFor(waiter, error))
        return true
    }

    private fun armTimer(delayNanos: Long) {
        val loop = dispatcher.loop
        try {
            if (!loop.inEventLoop()) {
                loop.execute { armTimer(delayNanos) }
            } else if (timer == null && state !== CLOSED) {
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
        val s = state
        if (s !is Continuation<*> || timeout <= 0) return // nobody waits: the next park arms it again
        val waited = System.nanoTime() - parkedAt
        if (waited < timeout) {
            armTimer(timeout - waited)
        } else {
            abort(s, SocketTimeoutException("$name timed out after ${TimeUnit.NANOSECONDS.toMillis(timeout)} ms"))
        }
    }

    /**
     * The cancellation handler, installed once per job that waits here (see [bindCancellation]).
     * It acts only on a waiter whose own job is cancelled, so a handler left over from an earlier
     * job cannot cancel a later one; not capturing the job also saves an allocation per binding.
     * A waiter being completed meanwhile is left to its owner, which looks at the job before it
     * parks the waiter again.
     */
    override fun invoke(cause: Throwable?) {
        while (true) {
            val s = state
            if (s !is Continuation<*>) return
            val job = s.context[Job]
            if (job == null || job.isActive) return
            if (abort(s, job.cancellationCause())) return
        }
    }

    /** Closes this direction: a parked coroutine resumes with [AsynchronousCloseException]. */
    fun close() {
        while (true) {
            val s = state
            if (s === CLOSED) break
            if (STATE.compareAndSet(this, s, CLOSED)) {
                // An owner finds CLOSED when it lets go and settles its own caller.
                if (s is Continuation<*>) {
                    clearArguments()
                    s.intercepted().resumeWithException(failureFor(s, AsynchronousCloseException()))
                }
                break
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
            if (boundJob === job || state === CLOSED) return
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
        val STATE: AtomicReferenceFieldUpdater<IoDirection, Any?> =
            AtomicReferenceFieldUpdater.newUpdater(IoDirection::class.java, Any::class.java, "state")
        val READY = Marker("READY")
        val OWNED = Marker("OWNED")
        val OWNED_READY = Marker("OWNED_READY")
        val CLOSED = Marker("CLOSED")

        /** A cancelled waiter ends with its cancellation, whatever else happened to the socket. */
        fun failureFor(waiter: Continuation<*>, error: Throwable): Throwable {
            val job = waiter.context[Job]
            return if (job != null && !job.isActive) job.cancellationCause() else error
        }
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
