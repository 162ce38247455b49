package io.jmio.coroutines

import io.jmio.Interest
import io.jmio.coroutines.internal.IoAttempt
import io.jmio.coroutines.internal.IoDirection
import io.jmio.coroutines.internal.OP_READ
import io.jmio.coroutines.internal.OP_READY
import io.jmio.coroutines.internal.OP_READ_VECTOR
import io.jmio.coroutines.internal.OP_WRITE
import io.jmio.coroutines.internal.OP_WRITE_VECTOR
import io.jmio.coroutines.internal.SocketIo
import io.jmio.coroutines.internal.WOULD_BLOCK
import io.jmio.net.Shutdown
import java.io.EOFException
import java.net.InetSocketAddress
import java.nio.ByteBuffer
import io.jmio.net.TcpStream as CoreTcpStream

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
 * no suspension; a suspended read or write is completed by the event loop's thread when the socket
 * becomes ready, and the caller resumes through its own dispatcher. Direct buffers are fastest.
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
    /** The underlying non-blocking socket, for options (`socket.setOption(...)`) and addresses. */
    public val socket: CoreTcpStream,
    dispatcher: EventLoopDispatcher,
) : AutoCloseable {
    private val io = SocketIo(dispatcher, socket, socket, Interest.READABLE.add(Interest.WRITABLE), StreamAttempt(socket))

    /**
     * Reads into [dst] from its position, suspending until at least one byte is there: the number
     * of bytes read, -1 at end of stream, or 0 only if [dst] has no room.
     */
    public suspend fun read(dst: ByteBuffer): Int {
        io.read.clearReady()
        val n = socket.read(dst)
        if (n != 0 || !dst.hasRemaining()) return n
        return io.read.awaitInt(OP_READ, dst)
    }

    /** Scattering read into [dsts]: total bytes read, -1 at end of stream; suspends until some arrive. */
    public suspend fun read(dsts: Array<ByteBuffer>): Long {
        io.read.clearReady()
        val n = socket.read(dsts)
        if (n != 0L || dsts.none { it.hasRemaining() }) return n
        return io.read.awaitLong(OP_READ_VECTOR, dsts)
    }

    /** Reads until [dst] is full. @throws EOFException if the stream ends first */
    public suspend fun readFully(dst: ByteBuffer) {
        while (dst.hasRemaining()) {
            if (read(dst) < 0) throw EOFException("end of stream with ${dst.remaining()} bytes still expected")
        }
    }

    /** Writes from [src]'s position, suspending until at least one byte is written: the count. */
    public suspend fun write(src: ByteBuffer): Int {
        val n = socket.write(src)
        if (n != 0 || !src.hasRemaining()) return n
        return io.write.awaitInt(OP_WRITE, src)
    }

    /** Gathering write from [srcs]: total bytes written; suspends until some can be. */
    public suspend fun write(srcs: Array<ByteBuffer>): Long {
        val n = socket.write(srcs)
        if (n != 0L || srcs.none { it.hasRemaining() }) return n
        return io.write.awaitLong(OP_WRITE_VECTOR, srcs)
    }

    /** Writes all of [src], suspending as often as the socket's send buffer is full. */
    public suspend fun writeFully(src: ByteBuffer) {
        while (src.hasRemaining()) {
            if (socket.write(src) == 0) return writeFullySlowly(src)
        }
    }

    private suspend fun writeFullySlowly(src: ByteBuffer) {
        while (src.hasRemaining()) write(src)
    }

    /** Writes all of [srcs]. */
    public suspend fun writeFully(srcs: Array<ByteBuffer>) {
        while (srcs.any { it.hasRemaining() }) write(srcs)
    }

    /** Suspends until the stream reports readable (or closed); does not read. */
    public suspend fun awaitReadable() {
        io.read.awaitReady()
    }

    /** Suspends until the stream reports writable (or closed); does not write. */
    public suspend fun awaitWritable() {
        io.write.awaitReady()
    }

    /** Closes one or both halves; see [CoreTcpStream.shutdown]. */
    public fun shutdown(how: Shutdown) {
        socket.shutdown(how)
    }

    public val localAddress: InetSocketAddress get() = socket.localAddress()

    public val peerAddress: InetSocketAddress get() = socket.peerAddress()

    /** Closes the connection; a coroutine waiting on it resumes with `AsynchronousCloseException`. Idempotent. */
    override fun close() {
        io.close()
    }

    override fun toString(): String = "TcpStream($socket)"

    /** Waits for the non-blocking connect started by [CoreTcpStream.connect] to finish (mio's recipe). */
    internal suspend fun finishConnect() {
        while (true) {
            socket.takeError()?.let { throw it }
            if (socket.peerAddress() != null) return // null: still connecting
            awaitWritable()
        }
    }

    public companion object {
        /**
         * Connects to [address], suspending until the connection is established.
         *
         * Cancelling the caller closes the half-open socket.
         *
         * @throws java.net.ConnectException if refused
         */
        public suspend fun connect(address: InetSocketAddress): TcpStream {
            val dispatcher = currentDispatcher()
            val socket = CoreTcpStream.connect(address)
            val stream = try {
                TcpStream(socket, dispatcher)
            } catch (e: Throwable) {
                socket.close()
                throw e
            }
            try {
                stream.finishConnect()
            } catch (e: Throwable) {
                stream.close()
                throw e
            }
            return stream
        }
    }
}

/** The syscalls a parked stream reader or writer needs, performed by the loop thread. */
internal class StreamAttempt(private val socket: CoreTcpStream) : IoAttempt {
    override fun attempt(op: Int, direction: IoDirection): Any? = when (op) {
        OP_READY -> Unit
        OP_READ -> socket.read(direction.buffer!!).let { if (it == 0) WOULD_BLOCK else it }
        OP_WRITE -> socket.write(direction.buffer!!).let { if (it == 0) WOULD_BLOCK else it }
        OP_READ_VECTOR -> socket.read(direction.buffers!!).let { if (it == 0L) WOULD_BLOCK else it }
        OP_WRITE_VECTOR -> socket.write(direction.buffers!!).let { if (it == 0L) WOULD_BLOCK else it }
        else -> error("unknown op $op")
    }
}
