package io.jmio.benchmarks.coroutines

import io.jmio.coroutines.TcpListener
import io.jmio.coroutines.TcpStream
import java.io.IOException
import java.net.InetAddress
import java.net.InetSocketAddress
import java.nio.ByteBuffer
import kotlin.time.Duration.Companion.milliseconds
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.cancel
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout

/**
 * A coroutine echo client and server over loopback TCP on one jmio event loop thread (the shape of
 * the coroutine allocation test), with a deadline on every read on both sides or not: [timeout] is
 * "none", "withTimeout" (`withTimeout(10_000)` around each read) or "readTimeout" (the streams'
 * `readTimeout` of 10 s). What a per-read deadline costs a round trip.
 */
public class EchoPair(private val timeout: String) : AutoCloseable {
    private val timeoutEachRead = when (timeout) {
        "none", "readTimeout" -> false
        "withTimeout" -> true
        else -> throw IllegalArgumentException("unknown timeout kind: $timeout")
    }
    private val loop = BenchmarkDispatcher.open(BenchmarkDispatcher.JMIO)
    private val scope = CoroutineScope(loop.dispatcher + Job())
    private val out = ByteBuffer.allocateDirect(SIZE)
    private val back = ByteBuffer.allocateDirect(SIZE)
    private val client: TcpStream
    private val listener: TcpListener

    init {
        val (listener, client) = runBlocking {
            withContext(loop.dispatcher) {
                val listener = TcpListener.bind(InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                val client = TcpStream.connect(listener.localAddress)
                val server = listener.accept()
                if (timeout == "readTimeout") {
                    client.readTimeout = TIMEOUT_MILLIS.milliseconds
                    server.readTimeout = TIMEOUT_MILLIS.milliseconds
                }
                scope.launch { server.use { echo(it) } }
                listener to client
            }
        }
        this.listener = listener
        this.client = client
    }

    private suspend fun read(conn: TcpStream, dst: ByteBuffer): Int =
        if (timeoutEachRead) withTimeout(TIMEOUT_MILLIS) { conn.read(dst) } else conn.read(dst)

    private suspend fun echo(conn: TcpStream) {
        val buffer = ByteBuffer.allocateDirect(16 * 1024)
        try {
            while (read(conn, buffer) >= 0) {
                buffer.flip()
                conn.writeFully(buffer)
                buffer.clear()
            }
        } catch (_: IOException) {
            // the client closed at teardown
        }
    }

    /** [count] 64-byte round trips; returns once all are done. */
    public fun roundTrips(count: Int) {
        runBlocking {
            withContext(loop.dispatcher) {
                repeat(count) {
                    out.clear()
                    client.writeFully(out)
                    back.clear()
                    while (back.hasRemaining()) check(read(client, back) >= 0) { "server closed" }
                }
            }
        }
    }

    override fun close() {
        client.close()
        listener.close()
        scope.cancel()
        loop.close()
    }

    private companion object {
        const val SIZE = 64
        const val TIMEOUT_MILLIS = 10_000L
    }
}
