package io.jmio.reliability

import io.jmio.coroutines.EventLoopGroup
import io.jmio.coroutines.TcpListener
import io.jmio.coroutines.TcpStream
import io.jmio.coroutines.serveTcp
import io.jmio.net.Shutdown
import io.jmio.testing.localV4
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.longs.shouldBeGreaterThan
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.async
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.yield
import java.nio.ByteBuffer
import java.util.SplittableRandom
import java.util.concurrent.atomic.AtomicLong

private const val SURVIVORS = 4
private const val CHUNK = 64 * 1024

private fun patternByte(id: Int, offset: Long): Byte = ((offset * 13 + (offset ushr 11) + id * 37) and 0xff).toByte()

/**
 * Coroutines cancelled at random points of read, write, connect and accept, from another thread,
 * while data flows through [SURVIVORS] echo connections. A read or write reports its progress
 * through its buffer's position even when the coroutine is cancelled, so the surviving streams
 * are checked byte for byte: nothing lost, nothing twice. A waiter left registered after a
 * cancellation would make the next read or write fail with IllegalStateException; a leaked
 * socket shows in the fd count. `-Djmio.cancel.count=100000` runs more (10,000 in verify).
 */
class CancellationRaceTest : FunSpec({
    val count = longProperty("jmio.cancel.count", 10_000).toInt()
    timeout = (count / 20 + 180) * 1000L

    test("$count cancellations at random points lose no byte, duplicate none, leak no fd and leave no waiter") {
        val seed = longProperty("jmio.cancel.seed", System.nanoTime())
        println("CancellationRace: seed=$seed count=$count")
        val cancelled = AtomicLong()
        val attempts = AtomicLong()
        val bytesVerified = AtomicLong()
        val started = System.nanoTime()
        EventLoopGroup(1).use { serverLoops ->
            EventLoopGroup(1).use { clientLoops ->
                val loop = clientLoops[0]
                runBlocking {
                    val server = serveTcp(serverLoops, localV4()) { conn ->
                        val buffer = ByteBuffer.allocateDirect(CHUNK)
                        while (conn.read(buffer) >= 0) {
                            buffer.flip()
                            conn.writeFully(buffer)
                            buffer.clear()
                        }
                    }
                    val fdsBefore = KernelFds.count()
                    val streams = withContext(loop) { List(SURVIVORS) { TcpStream.connect(server.localAddress) } }
                    val victimListener = withContext(loop) { TcpListener.bind(localV4()) }
                    // Every driver goes on until [count] coroutines were cancelled mid-operation (not
                    // merely finished before the cancel came); bounded at 10x as many attempts.
                    val more = { cancelled.get() < count && attempts.incrementAndGet() <= count * 10L }
                    withContext(Dispatchers.Default) {
                        coroutineScope {
                            streams.forEachIndexed { id, stream ->
                                val writer = async { Canceller(this, loop, seed + id * 2, cancelled, more).writes(stream, id) }
                                launch {
                                    // The reader may see end of stream before the writer's coroutine has returned its count.
                                    bytesVerified.addAndGet(Canceller(this, loop, seed + id * 2 + 1, cancelled, more).reads(stream, id) { writer.await() })
                                }
                            }
                            launch {
                                val canceller = Canceller(this, loop, seed - 1, cancelled, more)
                                while (more()) canceller.cancelAtRandom { TcpStream.connect(victimListener.localAddress).close() }
                            }
                            launch {
                                val canceller = Canceller(this, loop, seed - 2, cancelled, more)
                                while (more()) canceller.cancelAtRandom { victimListener.accept().close() }
                            }
                        }
                    }
                    withContext(loop) {
                        victimListener.close()
                        streams.forEach { it.close() }
                    }
                    // The server closes its ends after their end of stream; the victims' sockets are gone.
                    KernelFds.settleTo(fdsBefore) shouldBe fdsBefore
                    server.job.cancel()
                }
            }
        }
        println(
            "CancellationRace: %d coroutines cancelled mid-operation (of %d started) in %.1f s; %d bytes verified on %d surviving connections, 0 lost, 0 duplicated"
                .format(cancelled.get(), attempts.get(), (System.nanoTime() - started) / 1e9, bytesVerified.get(), SURVIVORS),
        )
        cancelled.get() shouldBeGreaterThan count - 1L
    }
})

/**
 * Runs operations on [loop] from a driver coroutine on another thread and cancels each at a
 * random point; [more] says whether to go on, [cancelled] counts the operations that were
 * cancelled rather than finished.
 */
private class Canceller(
    private val scope: CoroutineScope,
    private val loop: CoroutineDispatcher,
    seed: Long,
    private val cancelled: AtomicLong,
    private val more: () -> Boolean,
) {
    private val random = SplittableRandom(seed)

    /**
     * Starts [operation] on the loop and cancels it at a random point: before it runs, after a few
     * yields, after a busy-wait of some microseconds, or after a millisecond in which it most
     * likely parked. Waits for it to end; an exception other than cancellation fails.
     */
    suspend fun cancelAtRandom(operation: suspend () -> Unit) {
        var failure: Throwable? = null
        val job: Job = scope.launch(loop) {
            try {
                operation()
            } catch (e: CancellationException) {
                throw e
            } catch (e: Throwable) {
                failure = e
            }
        }
        when (random.nextInt(4)) {
            0 -> Unit
            1 -> repeat(random.nextInt(1, 4)) { yield() }
            2 -> {
                val until = System.nanoTime() + random.nextLong(1, 50_000)
                while (System.nanoTime() < until) Thread.onSpinWait()
            }
            else -> Thread.sleep(1)
        }
        job.cancel()
        job.join()
        if (job.isCancelled) cancelled.incrementAndGet()
        failure?.let { throw AssertionError("a cancelled operation failed with something other than cancellation", it) }
    }

    /** Writes patterned data in cancelled writes while [more], then the rest uncancelled, then half-closes; returns the byte count. */
    suspend fun writes(stream: TcpStream, id: Int): Long {
        val out = ByteBuffer.allocateDirect(CHUNK)
        var offset = 0L // the pattern offset of out's first byte
        fun refill() {
            out.compact()
            val start = offset + out.position()
            var i = 0
            while (out.hasRemaining()) out.put(patternByte(id, start + i++))
            out.flip()
        }
        out.flip()
        refill()
        while (more()) {
            val before = out.position()
            cancelAtRandom { stream.write(out) }
            // A cancelled write still reports what it wrote through the buffer's position.
            offset += out.position() - before
            refill()
        }
        withContext(loop) {
            val before = out.position()
            stream.writeFully(out)
            offset += out.position() - before
            stream.shutdown(Shutdown.WRITE)
        }
        return offset
    }

    /** Reads in cancelled reads while [more], then to the end, checking every byte; returns the verified count. */
    suspend fun reads(stream: TcpStream, id: Int, written: suspend () -> Long): Long {
        val input = ByteBuffer.allocateDirect(CHUNK)
        var offset = 0L
        fun verify() {
            input.flip()
            while (input.hasRemaining()) {
                val actual = input.get()
                val expected = patternByte(id, offset)
                check(actual == expected) { "connection $id: byte $offset is $actual, expected $expected (lost or duplicated data)" }
                offset++
            }
            input.clear()
        }
        while (more()) {
            cancelAtRandom { stream.read(input) }
            verify()
        }
        withContext(loop) {
            while (stream.read(input) >= 0) verify()
        }
        verify()
        val total = written()
        check(offset == total) { "connection $id: read $offset bytes, $total were written" }
        return offset
    }
}
