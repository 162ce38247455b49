package io.jmio.coroutines.internal

import io.jmio.EventLoop
import io.jmio.coroutines.EventLoopDispatcher
import io.kotest.core.spec.style.FunSpec
import java.net.SocketTimeoutException
import java.nio.ByteBuffer
import java.nio.channels.AsynchronousCloseException
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicReference
import kotlin.concurrent.thread
import kotlin.coroutines.Continuation
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext
import kotlin.coroutines.startCoroutine
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.Job
import org.jetbrains.lincheck.Lincheck

/**
 * Model checks [IoDirection], the lock-free slot a parked read or write waits in: lincheck runs each
 * scenario's threads under every interleaving it can reach (bounded), so a lost transition shows
 * up deterministically instead of once in a million stress runs.
 */
class IoDirectionModelTest : FunSpec({
    timeout = 300_000

    // A loop that is already shut down: a waiter's timeout timer is then never armed (armTimer's
    // rejection is swallowed), and the test fires the timer itself with IoDirection.run().
    val loop = EventLoop.open().also { it.close() }
    val dispatcher = EventLoopDispatcher(loop)

    // Inside a model-checked block only plain checks: kotest's matchers reflect over Kotlin metadata,
    // which lincheck would have to trace event by event.
    test("a parking read racing an edge and a close: it gets the byte or the close, and the close is kept") {
        modelCheck(dispatcher, timeoutNanos = 0) { slot ->
            val reader = slot.reader(withJob = false)
            slot.race({ reader.start() }, { slot.direction.onReady() }, { slot.direction.close() })
            reader.shouldHaveEndedWith(if (slot.consumed) null else AsynchronousCloseException::class.java)
        }
    }

    test("a parked read racing the loop's completion, its timeout and a close: one outcome, the close kept") {
        modelCheck(dispatcher, timeoutNanos = 1) { slot ->
            val reader = slot.reader(withJob = false)
            reader.start()
            slot.race({ slot.direction.onReady(); slot.direction.run() }, { slot.direction.close() })
            if (slot.consumed) reader.shouldHaveEndedWith(null)
            else reader.shouldHaveEndedWith(AsynchronousCloseException::class.java, SocketTimeoutException::class.java)
        }
    }

    test("cancel() then close() racing the loop's completion: the byte, or CancellationException, never the close's error") {
        modelCheck(dispatcher, timeoutNanos = 0) { slot ->
            val reader = slot.reader(withJob = true)
            reader.start()
            slot.race({ slot.direction.onReady() }, { reader.job.cancel(); slot.direction.close() })
            reader.shouldHaveEndedWith(if (slot.consumed) null else CancellationException::class.java)
        }
    }

    test("a second reader is rejected without disturbing the parked first, which can still be cancelled") {
        modelCheck(dispatcher, timeoutNanos = 0) { slot ->
            val first = slot.reader(withJob = true)
            val second = slot.reader(withJob = true)
            first.start()
            slot.race({ second.start() }, { first.job.cancel() })
            first.shouldHaveEndedWith(CancellationException::class.java)
            // The second was rejected, or parked once the first had gone.
            if (second.outcome() == null) {
                second.job.cancel()
                second.shouldHaveEndedWith(CancellationException::class.java)
            } else {
                second.shouldHaveEndedWith(IllegalStateException::class.java)
            }
            slot.direction.close()
        }
    }
}) {
    private companion object {
        /** Interleavings explored per scenario: enough to reach every one of these few switch points. */
        const val INVOCATIONS = 300

        /**
         * Runs [scenario] on a fresh slot under lincheck's model checker; the scenario closes the
         * slot, and then a read must fail at once: a close is never lost.
         */
        fun modelCheck(dispatcher: EventLoopDispatcher, timeoutNanos: Long, scenario: (Slot) -> Unit) {
            Lincheck.runConcurrentTest(INVOCATIONS) {
                val slot = Slot(dispatcher, timeoutNanos)
                scenario(slot)
                slot.readAfterClose()
            }
        }
        const val DATA = 7
    }

    /** One direction with a socket that holds one byte's worth of data, read at most once. */
    private class Slot(dispatcher: EventLoopDispatcher, timeoutNanos: Long) {
        private val data = AtomicInteger(1)
        val failures = ConcurrentLinkedQueue<Throwable>()
        val direction = IoDirection(
            { _, _ -> if (data.compareAndSet(1, 0)) DATA else WOULD_BLOCK },
            "read",
            dispatcher,
        ).also { it.timeoutNanos = timeoutNanos }

        /** Whether the byte was read (and so must have been delivered). */
        val consumed: Boolean get() = data.get() == 0

        fun reader(withJob: Boolean) = Reader(direction, withJob)

        /** Runs [bodies] on threads of their own and waits for them; their exceptions (a double resume, say) fail the test. */
        fun race(vararg bodies: () -> Unit) {
            val threads = bodies.map { body ->
                thread {
                    try {
                        body()
                    } catch (e: Throwable) {
                        failures += e
                    }
                }
            }
            for (t in threads) t.join()
            failures.peek()?.let { throw AssertionError("a racing thread threw", it) }
        }

        /** A read on the closed slot fails at once with AsynchronousCloseException. */
        fun readAfterClose() {
            val late = reader(withJob = false)
            late.start()
            late.shouldHaveEndedWith(AsynchronousCloseException::class.java)
        }
    }

    /** A coroutine that parks in [IoDirection.awaitInt], in a job of its own if [withJob] (kotlinx's Job is costly to model-check). */
    private class Reader(private val direction: IoDirection, withJob: Boolean) : Continuation<Int> {
        val job: Job by lazy { Job() }
        private val result = AtomicReference<Result<Int>?>()
        private val count = AtomicInteger()
        override val context: CoroutineContext = if (withJob) job else EmptyCoroutineContext

        fun start() {
            suspend { direction.awaitInt(OP_READ, ByteBuffer.allocate(1)) }.startCoroutine(this)
        }

        override fun resumeWith(result: Result<Int>) {
            count.incrementAndGet()
            this.result.set(result)
        }

        fun outcome(): Result<Int>? = result.get()

        /** Resumed exactly once: with [DATA] when [failures] is empty (null), else with one of them. */
        fun shouldHaveEndedWith(vararg failures: Class<out Throwable>?) {
            val outcome = result.get() ?: throw AssertionError("the reader is still waiting")
            if (count.get() != 1) throw AssertionError("the reader was resumed ${count.get()} times")
            val error = outcome.exceptionOrNull()
            val expected = if (error == null) failures.contains(null) && outcome.getOrNull() == DATA
            else failures.any { it != null && it.isInstance(error) }
            if (!expected) throw AssertionError("the reader ended with $outcome, expected one of ${failures.toList()}", error)
        }
    }
}
