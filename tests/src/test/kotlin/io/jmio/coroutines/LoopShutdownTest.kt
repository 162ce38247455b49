package io.jmio.coroutines

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.nulls.shouldNotBeNull
import io.kotest.matchers.shouldBe
import java.nio.ByteBuffer
import java.nio.channels.AsynchronousCloseException
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import kotlin.coroutines.ContinuationInterceptor
import kotlin.time.Duration.Companion.hours
import kotlin.time.Duration.Companion.milliseconds
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull

/** What becomes of coroutines waiting on a loop (timers, sockets) when the loop shuts down. */
class LoopShutdownTest : FunSpec({
    timeout = 60_000

    /** Records how a coroutine ended, and what its clean-up saw. */
    class Ending {
        val failure = CompletableFuture<Throwable?>()
        @Volatile var cleanedUp = false
        /** What a `delay` in the clean-up threw: kotlinx's rule for a dead dispatcher is cancellation. */
        @Volatile var lateDelayFailure: Throwable? = null

        suspend fun watch(block: suspend () -> Unit) {
            try {
                block()
                failure.complete(null)
            } catch (e: Throwable) {
                failure.complete(e)
                throw e
            } finally {
                cleanedUp = true
                lateDelayFailure = runCatching { withContext(NonCancellable) { delay(1) } }.exceptionOrNull()
            }
        }

        fun shouldHaveEndedWith(expected: kotlin.reflect.KClass<out Throwable>) {
            val ended = failure.get(2, TimeUnit.SECONDS)
            (ended != null && expected.isInstance(ended)) shouldBe true
            cleanedUp shouldBe true
            (lateDelayFailure == null || lateDelayFailure is CancellationException) shouldBe true
        }
    }

    test("closing a group resumes coroutines in delay, in withTimeout and in read: timers with CancellationException") {
        val inDelay = Ending()
        val inTimeout = Ending()
        val inRead = Ending()
        val jobs = EventLoopGroup(1).use { group ->
            runBlocking {
                val scope = CoroutineScope(group[0] + Job())
                val started = CompletableDeferred<Unit>()
                val pair = CompletableDeferred<Pair<TcpStream, TcpStream>>()
                val jobs = listOf(
                    scope.launch { inDelay.watch { delay(1.hours) } },
                    scope.launch { inTimeout.watch { withTimeout(1.hours) { CompletableDeferred<Unit>().await() } } },
                    scope.launch {
                        val server = TcpListener.bind(LOOPBACK_ANY_PORT)
                        val client = TcpStream.connect(server.localAddress)
                        val conn = server.accept()
                        pair.complete(client to conn)
                        started.complete(Unit)
                        inRead.watch { conn.read(ByteBuffer.allocateDirect(8)) }
                    },
                )
                started.await()
                delay(50) // every coroutine is suspended by now
                jobs
            }
        } // close
        runBlocking {
            for (job in jobs) withTimeoutOrNull(2_000) { job.join() }.shouldNotBeNull()
        }
        inDelay.shouldHaveEndedWith(CancellationException::class)
        inTimeout.shouldHaveEndedWith(CancellationException::class)
        inRead.shouldHaveEndedWith(AsynchronousCloseException::class)
    }

    test("the end of runEventLoop cancels a coroutine of another scope that is still in delay on its loop") {
        val straggler = Ending()
        lateinit var job: Job
        runEventLoop {
            val loop = coroutineContext[ContinuationInterceptor]!!
            job = CoroutineScope(loop + Job()).launch { straggler.watch { delay(1.hours) } } // not a child
            delay(10)
        }
        runBlocking { withTimeoutOrNull(2_000) { job.join() }.shouldNotBeNull() }
        straggler.shouldHaveEndedWith(CancellationException::class)
    }

    test("a server stopped by closing its group ends quietly, and its caller's scope does not fail") {
        val group = EventLoopGroup(2)
        val outcome = runCatching {
            runBlocking {
                val server = serveTcp(group, LOOPBACK_ANY_PORT) { conn -> echo(conn) }
                val client = TcpStream.connect(server.localAddress)
                client.writeFully(ByteBuffer.wrap(byteArrayOf(7)))
                client.readFully(ByteBuffer.allocateDirect(1))
                delay(20.milliseconds)
                group.close()
                withTimeoutOrNull(2_000) { server.job.join() }.shouldNotBeNull()
                client.close()
            }
        }
        outcome.exceptionOrNull() shouldBe null
    }
})
