package io.jmio.coroutines

import io.jmio.coroutines.internal.closeOnFailure
import io.jmio.coroutines.internal.StreamIo
import io.jmio.net.Shutdown
import java.net.InetSocketAddress
import java.nio.ByteBuffer
import io.jmio.net.TcpStream as CoreTcpStream
import kotlin.time.Duration

/**
 * A TCP connection whose reads and writes suspend instead of returning "would block".
 *
 * ```kotlin
 * TcpStream.connect(InetSocketAddress("127.0.0.1", 7000)).use { conn ->
 *     conn.writeFully(ByteBuffer.wrap("ping".toByteArray()))
 *     val reply = ByteBuffer.allocateDirect(4)
 *     conn.readFully(reply)
 * }
 * ```
 *
 * Each call first tries the syscall and suspends only if it would block, so a ready socket costs
 * no suspension. A suspended read or write is completed by the event loop's thread when epoll
 * reports the socket ready, and the caller resumes through its own dispatcher (in place, when that
 * is the loop's). The socket is registered once, for both directions. Direct buffers are fastest;
 * a steady-state echo allocates nothing.
 *
 * **TCP_NODELAY** is on for every coroutine TCP stream (connected, adopted or accepted), as in
 * Netty, Ktor and Go: a request-response exchange then never waits for a delayed ACK (Nagle's
 * algorithm holding the tail of a message back until the peer acknowledges the previous one,
 * tens of milliseconds on Linux). Pass `noDelay = false` to [connect], [adopt],
 * [TcpListener.bind] or [serveTcp] to keep Nagle on (many small writes that should coalesce), or
 * call `socket.setNoDelay(...)` at any time.
 *
 * **Concurrency:** one reader and one writer may run at the same time (two coroutines). A second
 * coroutine that waits to read (or write) while another already waits gets
 * [IllegalStateException].
 *
 * **Cancellation:** a coroutine cancelled while suspended in [read] or [write] resumes promptly
 * with `CancellationException`, and the stream stays usable. If the data arrived in the same
 * instant, the call returns it instead (no byte is lost) and the cancellation is seen at the next
 * suspension. [close] from any thread resumes a waiting coroutine with
 * `AsynchronousCloseException`.
 */
public class TcpStream internal constructor(
    /** The underlying non-blocking socket, for options (`socket.setOption(...)`, `socket.setNoDelay(...)`). */
    public val socket: CoreTcpStream,
    dispatcher: EventLoopDispatcher,
) : SuspendingRawSource, SuspendingRawSink {
    private val stream = StreamIo(dispatcher, socket, socket, socket, shortReadEmpties = true, urgentData = true)

    /**
     * Reads into [dst] from its position, suspending until at least one byte is there: the number
     * of bytes read, -1 at end of stream, or 0 only if [dst] has no room.
     */
    override suspend fun read(dst: ByteBuffer): Int = stream.read(dst)

    /** Scattering read into [dsts]: total bytes read, -1 at end of stream; suspends until some arrive. */
    public suspend fun read(dsts: Array<ByteBuffer>): Long = stream.read(dsts)

    /** Reads until [dst] is full. @throws java.io.EOFException if the stream ends first */
    public suspend fun readFully(dst: ByteBuffer): Unit = stream.readFully(dst)

    /** Writes from [src]'s position, suspending until at least one byte is written: the count. */
    public suspend fun write(src: ByteBuffer): Int = stream.write(src)

    /** Gathering write from [srcs]: total bytes written; suspends until some can be. */
    public suspend fun write(srcs: Array<ByteBuffer>): Long = stream.write(srcs)

    /** Writes all of [src], suspending whenever the socket's send buffer is full. */
    override suspend fun writeFully(src: ByteBuffer): Unit = stream.writeFully(src)

    /** Writes all of [srcs]. */
    public suspend fun writeFully(srcs: Array<ByteBuffer>): Unit = stream.writeFully(srcs)

    /** Suspends until the stream reports readable (or closed); does not read. */
    public suspend fun awaitReadable(): Unit = stream.awaitReadable()

    /**
     * How long a read (or [awaitReadable]) waits for data before it fails with
     * [java.net.SocketTimeoutException]; the stream stays usable, like a `java.net.Socket` after
     * its `soTimeout`. [Duration.INFINITE] (the default) waits forever.
     *
     * Prefer it to `withTimeout` around every read on a busy server: the timeout is one loop
     * timer per stream, re-armed only when it fires, so a read costs a clock read instead of a
     * timer and a child job (see the benchmarks).
     *
     * ```kotlin
     * conn.readTimeout = 30.seconds
     * val n = try { conn.read(buf) } catch (e: SocketTimeoutException) { conn.close(); return }
     * ```
     */
    public var readTimeout: Duration
        get() = stream.readTimeout
        set(value) {
            stream.readTimeout = value
        }

    /** Suspends until the stream reports writable (or closed); does not write. */
    public suspend fun awaitWritable(): Unit = stream.awaitWritable()

    /** Closes one or both halves; `shutdown(Shutdown.WRITE)` sends end of stream and keeps reading. */
    public fun shutdown(how: Shutdown) {
        socket.shutdown(how)
    }

    public val localAddress: InetSocketAddress get() = socket.localAddress()

    /** The peer's address. */
    public val peerAddress: InetSocketAddress get() = socket.peerAddress()

    /** Closes the connection; a coroutine waiting on it resumes with `AsynchronousCloseException`. Idempotent. */
    override fun close() {
        stream.close()
    }

    override fun toString(): String = "TcpStream($socket)"

    /** Waits for the connect started by [CoreTcpStream.connect] to finish (mio's recipe). */
    private suspend fun finishConnect() {
        while (true) {
            socket.takeError()?.let { throw it }
            if (socket.peerAddress() != null) return // null: still connecting
            awaitWritable()
        }
    }

    public companion object {
        /**
         * Connects to [address], suspending until the connection is established. The stream
         * registers with the caller's event loop, or jmio's default loop when the caller runs on
         * another dispatcher. Cancelling the caller closes the half-open socket.
         *
         * @param noDelay TCP_NODELAY (on by default: see [TcpStream])
         * @throws java.net.ConnectException if refused
         */
        public suspend fun connect(address: InetSocketAddress, noDelay: Boolean = true): TcpStream =
            adopt(CoreTcpStream.connect(address), noDelay)

        /**
         * Wraps a stream made with core options (`TcpSocket.v4().setOption(...).connect(...)`),
         * finishing its connect.
         *
         * @param noDelay TCP_NODELAY, set on [socket] whatever it was (on by default: see [TcpStream])
         */
        public suspend fun adopt(socket: CoreTcpStream, noDelay: Boolean = true): TcpStream {
            val stream = adopt(socket, currentDispatcher(), noDelay)
            stream.closeOnFailure { it.finishConnect() }
            return stream
        }

        internal fun adopt(socket: CoreTcpStream, dispatcher: EventLoopDispatcher, noDelay: Boolean): TcpStream =
            socket.closeOnFailure {
                it.setNoDelay(noDelay)
                TcpStream(it, dispatcher)
            }
    }
}
