package io.jmio.benchmarks.echo

import io.jmio.coroutines.TcpListener
import io.jmio.coroutines.TcpStream
import io.jmio.coroutines.runEventLoop
import java.io.IOException
import java.net.InetAddress
import java.net.InetSocketAddress
import java.nio.ByteBuffer
import kotlin.time.Duration.Companion.milliseconds
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout

/**
 * jmio coroutine echo server for the comparison, written as the README tells users to: one
 * [runEventLoop] thread, an accept loop, one coroutine per connection with a 64 KiB direct buffer.
 * The harness's "jmio coroutines" rows start it (with `-Djmio.backend=jna` or `ffm`); the rows
 * that price a timeout on every read add `--with-timeout-ms N` (`withTimeout` around each read) or
 * `--read-timeout-ms N` (the stream's [TcpStream.readTimeout]).
 */
public object CoroutineEchoServer {
    /**
     * Larger than the biggest message (16 KiB), as in the core server: a read that fills its buffer
     * cannot prove the socket empty, so with a 16 KiB buffer each 16 KiB message cost one more
     * read that only said "would block" (strace at 50 x 16 KiB: 32,451 reads, 12,193 of them
     * EAGAIN, for 20,255 writes; the core server: one read per write).
     */
    private const val BUFFER_SIZE = 64 * 1024

    @JvmStatic
    public fun main(args: Array<String>) {
        val port = EchoServerArgs.port(args)
        val withTimeoutMillis = EchoServerArgs.longOption(args, "--with-timeout-ms", 0)
        val readTimeoutMillis = EchoServerArgs.longOption(args, "--read-timeout-ms", 0)
        runEventLoop {
            TcpListener.bind(InetSocketAddress(InetAddress.getLoopbackAddress(), port)).use { server ->
                EchoServerArgs.announce(server.localAddress)
                while (true) {
                    val conn = server.accept()
                    if (readTimeoutMillis > 0) conn.readTimeout = readTimeoutMillis.milliseconds
                    launch { conn.use { echo(it, withTimeoutMillis) } }
                }
            }
        }
    }

    /** Echoes until end of stream; with [withTimeoutMillis] > 0, every read runs inside `withTimeout`. */
    private suspend fun echo(conn: TcpStream, withTimeoutMillis: Long) {
        val buffer = ByteBuffer.allocateDirect(BUFFER_SIZE)
        try {
            while ((if (withTimeoutMillis > 0) withTimeout(withTimeoutMillis) { conn.read(buffer) } else conn.read(buffer)) >= 0) {
                buffer.flip()
                conn.writeFully(buffer)
                buffer.clear()
            }
        } catch (_: IOException) {
            // A reset connection ends only its own coroutine; the scope must not fail the server.
        }
    }
}
