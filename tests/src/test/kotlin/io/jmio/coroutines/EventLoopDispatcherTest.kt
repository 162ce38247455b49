package io.jmio.coroutines

import io.jmio.EventLoop
import io.kotest.assertions.withClue
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContainExactlyInAnyOrder
import io.kotest.matchers.longs.shouldBeGreaterThanOrEqual
import io.kotest.matchers.nulls.shouldBeNull
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldStartWith
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.selects.select
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.coroutines.yield

class EventLoopDispatcherTest : FunSpec({
    timeout = 60_000

    test("runEventLoop returns the block's value and runs it on the calling thread") {
        val caller = Thread.currentThread()
        val seen = runEventLoop { Thread.currentThread() to 42 }
        seen shouldBe (caller to 42)
    }

    test("runEventLoop rethrows the block's exception and still leaves no fd") {
        val before = openFds()
        shouldThrow<IllegalStateException> {
            runEventLoop<Unit> {
                TcpListener.bind(LOOPBACK_ANY_PORT)
                error("boom")
            }
        }
        fdsOpenedSince(before) shouldBe emptySet()
    }

    test("runEventLoop closes sockets left open and leaves no fd") {
        val before = openFds()
        repeat(50) {
            runEventLoop {
                val server = TcpListener.bind(LOOPBACK_ANY_PORT)
                val client = TcpStream.connect(server.localAddress)
                server.accept()
                client.localAddress // left open on purpose
            }
        }
        fdsOpenedSince(before) shouldBe emptySet()
    }

    test("delays on the loop fire in deadline order and not early") {
        // Each delay starts inside its launch (UNDISPATCHED), so the loop's deadline for it lies in
        // a window read around that launch. Only windows that do not overlap have an order: a slow
        // machine (or emulation) may start the 50 ms delay over 10 ms after the 60 ms one.
        val (windows, fired) = runEventLoop {
            val windows = HashMap<Int, LongRange>()
            val fired = mutableListOf<Int>()
            val jobs = listOf(60, 10, 40, 20, 50, 30).map { ms ->
                val before = System.nanoTime()
                val job = launch(start = CoroutineStart.UNDISPATCHED) {
                    delay(ms.toLong())
                    System.nanoTime() shouldBeGreaterThanOrEqual windows.getValue(ms).first
                    fired += ms
                }
                windows[ms] = (before + ms * 1_000_000L)..(System.nanoTime() + ms * 1_000_000L)
                job
            }
            jobs.forEach { it.join() }
            windows to fired
        }
        fired shouldContainExactlyInAnyOrder listOf(10, 20, 30, 40, 50, 60)
        fired.forEachIndexed { i, first ->
            fired.drop(i + 1).forEach { then ->
                withClue("the $then ms delay fired after the $first ms one, its deadline certainly earlier") {
                    (windows.getValue(then).last < windows.getValue(first).first) shouldBe false
                }
            }
        }
    }

    test("a cancelled delay never resumes and withTimeout/withTimeoutOrNull use the loop") {
        runEventLoop {
            val job = launch { delay(10_000); error("must not run") }
            delay(5)
            job.cancel()
            job.join()
            job.isCancelled shouldBe true

            withTimeoutOrNull(20) { delay(10_000) }.shouldBeNull()
            shouldThrow<TimeoutCancellationException> { withTimeout(20) { delay(10_000) } }
            withTimeout(5_000) { 7 } shouldBe 7
        }
    }

    test("coroutines resume on the loop thread after delays and after hops through other dispatchers") {
        runEventLoop {
            val loopThread = Thread.currentThread()
            delay(1)
            Thread.currentThread() shouldBe loopThread
            withContext(Dispatchers.Default) { Thread.currentThread().name shouldStartWith "DefaultDispatcher" }
            Thread.currentThread() shouldBe loopThread
            yield()
            Thread.currentThread() shouldBe loopThread
        }
    }

    test("Channel, select and Mutex work on the loop dispatcher") {
        runEventLoop {
            val channel = Channel<Int>()
            val other = Channel<String>()
            val producer = launch { for (i in 1..100) channel.send(i) ; channel.close() }
            var sum = 0
            for (i in channel) sum += i
            producer.join()
            sum shouldBe 5050

            launch { delay(10); other.send("late") }
            val winner = select {
                other.onReceive { it }
                channel.onReceiveCatching { "closed" }
            }
            winner shouldBe "closed"

            val mutex = Mutex()
            var counter = 0
            (1..50).map { launch { repeat(10) { mutex.withLock { val c = counter; yield(); counter = c + 1 } } } }
                .forEach { it.join() }
            counter shouldBe 500
            other.receive() shouldBe "late"
        }
    }

    test("work dispatched from other threads runs on the loop thread, each exactly once") {
        runEventLoop {
            val loopThread = Thread.currentThread()
            val loop = coroutineContext[kotlin.coroutines.ContinuationInterceptor]!!
            var counter = 0 // touched only on the loop thread, so no synchronization
            (1..4).map {
                launch(Dispatchers.Default) {
                    repeat(1000) {
                        withContext(loop) {
                            Thread.currentThread() shouldBe loopThread
                            counter++
                        }
                    }
                }
            }.forEach { it.join() }
            counter shouldBe 4000
        }
    }

    test("a loop that has shut down rejects new work by cancelling it") {
        val loop = EventLoop.open()
        val dispatcher = EventLoopDispatcher(loop)
        loop.shutdown()
        loop.close()
        val done = CompletableDeferred<Throwable?>()
        kotlinx.coroutines.GlobalScope.launch(dispatcher) { done.complete(null) }
            .invokeOnCompletion { done.complete(it) }
        val cause = kotlinx.coroutines.runBlocking { withTimeout(5.seconds) { done.await() } }
        (cause is CancellationException) shouldBe true
    }

    test("EventLoopGroup rejects a size below one") {
        shouldThrow<IllegalArgumentException> { EventLoopGroup(0) }
    }
})
