package io.jmio.coroutines

import io.jmio.coroutines.internal.closeOnFailure
import io.jmio.coroutines.internal.StreamIo
import io.jmio.net.Shutdown
import io.jmio.unix.UnixSocketAddress
import java.nio.ByteBuffer
import java.nio.file.Path
import io.jmio.unix.UnixStream as CoreUnixStream
import kotlin.time.Duration

/**
 * A Unix-domain stream whose reads and writes suspend instead of returning "would block". It
 * behaves exactly as [TcpStream] does (the same I/O path, concurrency and cancellation rules).
 *
 * ```kotlin
 * UnixStream.connect(dir.resolve("app.sock")).use { conn ->
 *     conn.writeFully(ByteBuffer.wrap("ping".toByteArray()))
 * }
 * val (a, b) = UnixStream.pair()
 * ```
 */
public class UnixStream internal constructor(
    /** The underlying non-blocking socket, for options and fd passing (`socket.sendWithFds(...)`). */
    public val socket: CoreUnixStream,
    dispatcher: EventLoopDispatcher,
) : SuspendingRawSource, SuspendingRawSink {
    private val stream = StreamIo(dispatcher, socket, socket, socket, shortReadEmpties = false)

    /** See [TcpStream.read]. */
    override suspend fun read(dst: ByteBuffer): Int = stream.read(dst)

    public suspend fun read(dsts: Array<ByteBuffer>): Long = stream.read(dsts)

    public suspend fun readFully(dst: ByteBuffer): Unit = stream.readFully(dst)

    /** See [TcpStream.write]. */
    public suspend fun write(src: ByteBuffer): Int = stream.write(src)

    public suspend fun write(srcs: Array<ByteBuffer>): Long = stream.write(srcs)

    override suspend fun writeFully(src: ByteBuffer): Unit = stream.writeFully(src)

    public suspend fun writeFully(srcs: Array<ByteBuffer>): Unit = stream.writeFully(srcs)

    /** Suspends until readable; then use `socket.receiveWithFds(...)` for messages carrying fds. */
    public suspend fun awaitReadable(): Unit = stream.awaitReadable()

    /** See [TcpStream.readTimeout]. */
    public var readTimeout: Duration
        get() = stream.readTimeout
        set(value) {
            stream.readTimeout = value
        }

    public suspend fun awaitWritable(): Unit = stream.awaitWritable()

    public fun shutdown(how: Shutdown) {
        socket.shutdown(how)
    }

    public val localAddress: UnixSocketAddress get() = socket.localAddress()

    public val peerAddress: UnixSocketAddress get() = socket.peerAddress()

    /** Closes the stream; a coroutine waiting on it resumes with `AsynchronousCloseException`. Idempotent. */
    override fun close() {
        stream.close()
    }

    override fun toString(): String = "UnixStream($socket)"

    public companion object {
        /** Connects to the socket at [path] (a Unix connect completes at once or fails). */
        public suspend fun connect(path: Path): UnixStream = adopt(CoreUnixStream.connect(path), currentDispatcher())

        public suspend fun connect(address: UnixSocketAddress): UnixStream =
            adopt(CoreUnixStream.connect(address), currentDispatcher())

        /** Two connected streams. */
        public suspend fun pair(): Pair<UnixStream, UnixStream> {
            val dispatcher = currentDispatcher()
            val (a, b) = CoreUnixStream.pair()
            val first = b.closeOnFailure { adopt(a, dispatcher) }
            return first to first.closeOnFailure { adopt(b, dispatcher) }
        }

        internal fun adopt(socket: CoreUnixStream, dispatcher: EventLoopDispatcher): UnixStream =

            socket.closeOnFailure { UnixStream(it, dispatcher) }
    }
}
