package io.jmio.examples.demo

import io.jmio.coroutines.TcpStream
import io.jmio.coroutines.runEventLoop
import io.jmio.examples.echo.CoroutineEcho
import java.io.PrintStream
import java.net.InetAddress
import java.net.InetSocketAddress
import java.nio.ByteBuffer
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll

/**
 * The README's first command: a coroutine echo server and [connections] client coroutines in one
 * process. Each client sends [messageSize] bytes and waits for their echo, over and over; after a
 * warm-up (for the JIT), the demo counts round trips and their latency for the rest of [seconds],
 * then prints a small table.
 */
class Demo(
    private val threads: Int = 1,
    private val connections: Int = 50,
    private val seconds: Int = 5,
    private val messageSize: Int = 64,
) {
    /** What one run measured. */
    class Result(val roundTrips: Long, val measuredNanos: Long, val latency: LatencyHistogram) {
        val roundTripsPerSecond: Double get() = roundTrips * 1e9 / measuredNanos
    }

    fun run(out: PrintStream): Result {
        val loopback = InetSocketAddress(InetAddress.getLoopbackAddress(), 0)
        val result = CoroutineEcho.start(loopback, threads).use { server ->
            // The clients run on this thread's own loop; the server on its group's loops.
            runEventLoop { measure(server.localAddress()) }
        }
        print(result, out)
        return result
    }

    private suspend fun kotlinx.coroutines.CoroutineScope.measure(server: InetSocketAddress): Result {
        val totalNanos = seconds * 1_000_000_000L
        val warmUpNanos = totalNanos / 5
        val start = System.nanoTime()
        val measureFrom = start + warmUpNanos
        val end = start + totalNanos
        val latency = LatencyHistogram() // one thread records: every client runs on this loop
        val conns = List(connections) { TcpStream.connect(server) }
        try {
            val counts = conns.map { conn -> async { pingPong(conn, measureFrom, end, latency) } }.awaitAll()
            return Result(counts.sum(), end - measureFrom, latency)
        } finally {
            conns.forEach { it.close() }
        }
    }

    private suspend fun pingPong(conn: TcpStream, measureFrom: Long, end: Long, latency: LatencyHistogram): Long {
        val message = ByteBuffer.allocateDirect(messageSize)
        val echo = ByteBuffer.allocateDirect(messageSize)
        var roundTrips = 0L
        while (true) {
            val sent = System.nanoTime()
            if (sent >= end) return roundTrips
            message.clear()
            conn.writeFully(message)
            echo.clear()
            conn.readFully(echo)
            if (sent >= measureFrom) {
                latency.record(System.nanoTime() - sent)
                roundTrips++
            }
        }
    }

    private fun print(result: Result, out: PrintStream) {
        val loops = if (threads == 1) "1 event loop" else "$threads event loops"
        out.println("jmio demo: coroutine echo server ($loops), $connections client coroutines, " +
            "$messageSize-byte messages, $seconds s (the first ${seconds / 5.0} s warm up the JIT)")
        out.println()
        out.printf("  %-11s | %-13s | %-11s | %-11s%n", "connections", "round trips/s", "p50 latency", "p99 latency")
        out.printf("  %-11s | %-13s | %-11s | %-11s%n", "-".repeat(11), "-".repeat(13), "-".repeat(11), "-".repeat(11))
        out.printf("  %11d | %,13.0f | %11s | %11s%n", connections, result.roundTripsPerSecond,
            millis(result.latency.percentile(0.50)), millis(result.latency.percentile(0.99)))
    }

    private fun millis(nanos: Long): String = "%.3f ms".format(nanos / 1e6)
}
