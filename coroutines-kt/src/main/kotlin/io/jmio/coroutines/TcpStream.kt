package io.jmio.coroutines

import io.jmio.coroutines.internal.StreamIo
import io.jmio.coroutines.internal.closeOnFailure
import io.jmio.coroutines.internal.interleaveFamilies
import io.jmio.coroutines.internal.raceConnects
import io.jmio.coroutines.internal.withConnectTimeout
import io.jmio.net.Shutdown
import io.jmio.net.Splicer
import java.net.InetSocketAddress
import java.net.UnknownHostException
import java.nio.ByteBuffer
import io.jmio.net.TcpStream as CoreTcpStream
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds

/**
 * A TCP connection whose reads and writes suspend instead of returning "would block".
 *
 * ```kotlin
 * TcpStream.connect("localhost", 7000, timeout = 5.seconds).use { conn ->
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
     * of bytes read, -1 at end of stream, or 0 only if [dst] has no room. A read that comes back
     * short of [dst]'s room proved the socket empty, so the next read waits for the next event
     * without a syscall; one that fills [dst] proves nothing, and the next read asks the kernel
     * first: give [dst] more room than the largest message to save that call.
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

    /**
     * Copies everything this stream receives to [sink] until this stream's end, then shuts down
     * [sink]'s output, so a half-close passes through; returns the bytes copied. A proxy runs one
     * copy per direction:
     *
     * ```kotlin
     * coroutineScope {
     *     launch { client.copyTo(upstream) }
     *     upstream.copyTo(client)
     * }
     * ```
     *
     * Bytes go through one 64 KiB direct buffer, one read and one write each. With [zeroCopy],
     * once a read fills that buffer (bulk traffic) they move through a kernel pipe instead
     * (`splice(2)`, see [Splicer]) and never enter the JVM, until a splice moves less than a
     * quarter of it: small messages are cheaper to copy, since a read that comes back short
     * proves the socket empty and a splice does not, which costs a splice that can only say
     * "would block" per message (haproxy's `splice-auto` makes the same choice). Where the
     * backend cannot splice, it copies. Either way at most one buffer or pipe of bytes is in
     * flight: a slow [sink] slows this stream's sender down through TCP flow control.
     *
     * It is this stream's reader and [sink]'s writer while it runs: bytes a [StreamReader] holds
     * already are not copied. [readTimeout] applies to each wait for data.
     *
     * **Cancellation:** the copy stops at its next suspension and closes its pipe; bytes taken
     * from this stream and not yet given to [sink] (at most one buffer or pipe) are lost, and both
     * streams stay open (they are the caller's).
     */
    public suspend fun copyTo(sink: TcpStream, zeroCopy: Boolean = true): Long {
        val buffer = ByteBuffer.allocateDirect(COPY_BUFFER_SIZE)
        var splicer: Splicer? = null
        var spliceAllowed = zeroCopy
        var splicing = false
        var copied = 0L
        try {
            while (true) {
                val n: Long
                if (splicing) {
                    n = stream.receive(splicer!!, socket)
                    if (n < 0) break
                    sink.stream.send(splicer, sink.socket)
                    spliceAllowed = splicer.isZeroCopy // false once the backend said it cannot splice
                    splicing = spliceAllowed && n >= COPY_BUFFER_SIZE / 4
                } else {
                    buffer.clear()
                    n = stream.read(buffer).toLong()
                    if (n < 0) break
                    buffer.flip()
                    sink.stream.writeFully(buffer)
                    if (spliceAllowed && n == COPY_BUFFER_SIZE.toLong()) {
                        splicing = true
                        if (splicer == null) splicer = Splicer.open()
                    }
                }
                copied += n
            }
        } finally {
            splicer?.close()
        }
        sink.shutdown(Shutdown.WRITE)
        return copied
    }

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
         * another dispatcher. Cancelling the caller, or the [timeout], closes the half-open socket.
         *
         * @param noDelay TCP_NODELAY (on by default: see [TcpStream])
         * @param timeout how long to wait for the handshake; [Duration.INFINITE] (the default)
         *     leaves it to the kernel (about two minutes for a peer that never answers)
         * @throws java.net.ConnectException if refused
         * @throws java.net.SocketTimeoutException if [timeout] passes first
         * @throws java.nio.channels.UnresolvedAddressException for an unresolved [address] (it is
         *     never looked up here: use the `connect(host, port)` overload for names)
         */
        public suspend fun connect(
            address: InetSocketAddress,
            noDelay: Boolean = true,
            timeout: Duration = Duration.INFINITE,
        ): TcpStream = withConnectTimeout(timeout, address.toString()) { adopt(CoreTcpStream.connect(address), noDelay) }

        /**
         * Connects to [port] on [host], a name or an IP literal: resolves it with [resolver] (by
         * default the JDK's, off the loop thread), then races the addresses with Happy Eyeballs v2
         * (RFC 8305), so a host whose IPv6 (or IPv4) path is broken costs [attemptDelay], not a
         * connect timeout:
         *
         * - the addresses are tried with the families alternating, starting with the first one
         *   the resolver returned;
         * - the next attempt starts [attemptDelay] after the previous one, or as soon as it fails;
         *   earlier attempts keep running;
         * - the first attempt to connect wins; all others are closed before this returns.
         *
         * ```kotlin
         * val conn = TcpStream.connect("example.com", 80, timeout = 5.seconds)
         * ```
         *
         * **Cancellation and timeout:** [timeout] covers the lookup and every attempt. When it
         * passes, or the caller is cancelled, every socket still connecting is closed before
         * this throws (`SocketTimeoutException`, or the caller's `CancellationException`).
         *
         * @param noDelay TCP_NODELAY on the stream (on by default: see [TcpStream])
         * @param resolver turns [host] into addresses; see [HostResolver]
         * @param attemptDelay RFC 8305's "Connection Attempt Delay"; 250 ms as the RFC recommends
         * @throws java.net.UnknownHostException if [host] resolves to nothing
         * @throws java.net.ConnectException if every address fails; its message names each
         *     address with its error, and the errors are attached as suppressed
         * @throws java.net.SocketTimeoutException if [timeout] passes first
         * @throws IllegalArgumentException for a port outside 0..65535, a negative [attemptDelay]
         *     or a [timeout] that is not positive
         */
        public suspend fun connect(
            host: String,
            port: Int,
            timeout: Duration = Duration.INFINITE,
            noDelay: Boolean = true,
            resolver: HostResolver = HostResolver.SYSTEM,
            attemptDelay: Duration = DEFAULT_ATTEMPT_DELAY,
        ): TcpStream {
            require(port in 0..65535) { "port out of range: $port" }
            require(!attemptDelay.isNegative()) { "attempt delay must not be negative: $attemptDelay" }
            val name = if (':' in host && !host.startsWith('[')) "[$host]:$port" else "$host:$port"
            return withConnectTimeout(timeout, name) {
                val addresses = resolver.resolve(host)
                if (addresses.isEmpty()) throw UnknownHostException("$host: the resolver returned no address")
                val targets = interleaveFamilies(addresses).map { InetSocketAddress(it, port) }
                raceConnects(name, targets, attemptDelay) { adopt(CoreTcpStream.connect(it), noDelay) }
            }
        }

        /** [copyTo]'s buffer: one pipe's worth, as Linux sizes pipes by default. */
        private const val COPY_BUFFER_SIZE = 64 * 1024

        /** RFC 8305's recommended "Connection Attempt Delay". */
        public val DEFAULT_ATTEMPT_DELAY: Duration = 250.milliseconds

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
