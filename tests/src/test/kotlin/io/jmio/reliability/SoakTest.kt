package io.jmio.reliability

import io.jmio.coroutines.EventLoopGroup
import io.jmio.coroutines.TcpStream
import io.jmio.coroutines.serveTcp
import io.jmio.examples.core.CoreEchoServer
import io.jmio.net.Shutdown
import io.jmio.testing.Worker
import io.jmio.testing.localV4
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.longs.shouldBeGreaterThan
import io.kotest.matchers.longs.shouldBeLessThan
import io.kotest.matchers.shouldBe
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import java.lang.management.BufferPoolMXBean
import java.lang.management.ManagementFactory
import java.net.InetSocketAddress
import java.nio.ByteBuffer
import java.util.SplittableRandom
import java.util.concurrent.atomic.AtomicLong

/** The byte at [offset] of connection [id]'s stream: shifts, drops and repeats all change it. */
private fun patternByte(id: Int, offset: Long): Byte = ((offset * 31 + (offset ushr 9) + id * 101) and 0xff).toByte()

private const val MAX_MESSAGE = 1 shl 20
private const val CLIENTS = 32

/** What a soak run did; all counters are updated by the clients as they go. */
private class SoakTotals {
    val connections = AtomicLong()
    val messages = AtomicLong()
    val bytesVerified = AtomicLong()
}

/**
 * Many clients against an echo server for a bounded time: each connection sends patterned
 * messages of random sizes (1 B to 1 MiB, log-uniform), half-closes, and must read back exactly
 * what it sent (every byte checked) and then end of stream; then it reconnects. A byte out of
 * pattern fails at once (corrupt); a short stream fails (lost); a connection with no progress
 * for 60 s fails (stuck). Heap and direct memory after a GC must be as flat at the end as after
 * the warm-up third. `-Djmio.soak.seconds=600` runs each server that long (15 s in verify).
 */
class SoakTest : FunSpec({
    val seconds = longProperty("jmio.soak.seconds", 15)
    timeout = (seconds * 2 + 180) * 1000

    test("coroutine echo server (serveTcp on 2 loops): $CLIENTS clients for $seconds s, every byte verified") {
        EventLoopGroup(2).use { serverLoops ->
            EventLoopGroup(1).use { clientLoops ->
                runBlocking {
                    val server = serveTcp(serverLoops, localV4()) { conn ->
                        val buffer = ByteBuffer.allocateDirect(64 * 1024)
                        while (conn.read(buffer) >= 0) {
                            buffer.flip()
                            conn.writeFully(buffer)
                            buffer.clear()
                        }
                    }
                    try {
                        soak("coroutine", server.localAddress, seconds, clientLoops)
                    } finally {
                        server.job.cancel()
                        server.job.join()
                    }
                }
            }
        }
    }

    test("core echo server (CoreEchoServer on a Poll): $CLIENTS clients for $seconds s, every byte verified") {
        CoreEchoServer(localV4()).use { server ->
            val worker = Worker("core-echo") { server.run() }
            try {
                EventLoopGroup(1).use { clientLoops -> soak("core", server.localAddress(), seconds, clientLoops) }
            } finally {
                server.stop()
                worker.join(30_000)
            }
        }
    }
})

private fun soak(name: String, address: InetSocketAddress, seconds: Long, clientLoops: EventLoopGroup) {
    val totals = SoakTotals()
    val started = System.nanoTime()
    val deadline = started + seconds * 1_000_000_000
    val warmedUp = started + seconds * 1_000_000_000 / 3
    val memory = MemorySampler()
    val fdsBefore = KernelFds.count()
    runBlocking {
        val sampler = launch(kotlinx.coroutines.Dispatchers.IO) {
            while (System.nanoTime() < warmedUp) kotlinx.coroutines.delay(50)
            memory.afterWarmUp()
        }
        withContext(clientLoops[0]) {
            coroutineScope {
                repeat(CLIENTS) { client ->
                    launch {
                        val random = SplittableRandom(client * 7919L + 1)
                        val buffers = ByteBuffer.allocateDirect(64 * 1024) to ByteBuffer.allocateDirect(64 * 1024)
                        var id = client
                        while (System.nanoTime() < deadline) {
                            oneConnection(address, id, random, buffers, totals)
                            id += CLIENTS
                        }
                    }
                }
            }
        }
        sampler.join()
    }
    val (heapGrowth, directGrowth) = memory.growth()
    val elapsed = (System.nanoTime() - started) / 1e9
    println(
        "Soak[$name]: %.1f s, %d connections, %d messages, %d bytes verified (%.1f MiB/s), 0 corrupt, 0 lost, 0 stuck; heap growth after warm-up %d KiB, direct %d KiB"
            .format(elapsed, totals.connections.get(), totals.messages.get(), totals.bytesVerified.get(),
                totals.bytesVerified.get() / elapsed / (1 shl 20), heapGrowth / 1024, directGrowth / 1024),
    )
    totals.connections.get() shouldBeGreaterThan CLIENTS.toLong()
    // The server closes its side once it has echoed the end of stream.
    KernelFds.settleTo(fdsBefore) shouldBe fdsBefore
    // Flat: the clients keep reusing their buffers, so live memory must not grow with the run's length.
    heapGrowth shouldBeLessThan (32L shl 20)
    // Direct buffers are freed by cleaners after a GC, later than the heap: a looser bound.
    directGrowth shouldBeLessThan (64L shl 20)
}

/** One connection: a writer sends random-size patterned messages and half-closes; the reader checks all of it. */
private suspend fun oneConnection(
    address: InetSocketAddress,
    id: Int,
    random: SplittableRandom,
    buffers: Pair<ByteBuffer, ByteBuffer>,
    totals: SoakTotals,
) {
    val messages = random.nextInt(1, 40)
    val sizes = IntArray(messages) { logUniformSize(random) }
    val total = sizes.sumOf { it.toLong() }
    try {
        withTimeout(60_000) {
            TcpStream.connect(address).use { stream ->
                totals.connections.incrementAndGet()
                coroutineScope {
                    launch {
                        val out = buffers.first
                        var offset = 0L
                        for (size in sizes) {
                            var left = size
                            while (left > 0) {
                                out.clear()
                                val chunk = minOf(left, out.capacity())
                                for (i in 0 until chunk) out.put(patternByte(id, offset + i))
                                out.flip()
                                stream.writeFully(out)
                                offset += chunk
                                left -= chunk
                            }
                            totals.messages.incrementAndGet()
                        }
                        stream.shutdown(Shutdown.WRITE)
                    }
                    val reader = async {
                        val input = buffers.second
                        var offset = 0L
                        while (true) {
                            input.clear()
                            val n = stream.read(input)
                            if (n < 0) break
                            for (i in 0 until n) {
                                val expected = patternByte(id, offset + i)
                                val actual = input.get(i)
                                check(actual == expected) { "connection $id: corrupt byte at offset ${offset + i}: $actual, expected $expected" }
                            }
                            offset += n
                            check(offset <= total) { "connection $id: ${offset - total} bytes more than were sent" }
                        }
                        offset
                    }
                    val received = reader.await()
                    check(received == total) { "connection $id: lost ${total - received} of $total bytes" }
                    totals.bytesVerified.addAndGet(received)
                }
            }
        }
    } catch (e: TimeoutCancellationException) {
        throw AssertionError("connection $id stuck: no end within 60 s ($total bytes in $messages messages)", e)
    }
}

/** 1 B to 1 MiB, each power of two about equally likely: many small messages, some large ones. */
private fun logUniformSize(random: SplittableRandom): Int {
    val bits = random.nextInt(21)
    return (1 + random.nextInt(1 shl bits)).coerceAtMost(MAX_MESSAGE)
}

/** Used heap and direct memory after a GC, at the end of the warm-up and at the end. */
private class MemorySampler {
    private var heap = 0L
    private var direct = 0L

    fun afterWarmUp() {
        heap = usedHeap()
        direct = usedDirect()
    }

    fun growth(): Pair<Long, Long> = (usedHeap() - heap) to (usedDirect() - direct)

    private fun usedHeap(): Long {
        repeat(2) { System.gc() }
        return ManagementFactory.getMemoryMXBean().heapMemoryUsage.used
    }

    private fun usedDirect(): Long {
        Thread.sleep(200) // the cleaners run after the GC, on their own thread
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean::class.java).first { it.name == "direct" }.memoryUsed
    }
}
