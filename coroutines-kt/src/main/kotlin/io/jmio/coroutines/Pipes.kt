package io.jmio.coroutines

import io.jmio.coroutines.internal.closeOnFailure
import io.jmio.coroutines.internal.StreamIo
import java.nio.ByteBuffer
import io.jmio.unix.Pipe as CorePipe
import io.jmio.unix.PipeReceiver as CorePipeReceiver
import io.jmio.unix.PipeSender as CorePipeSender

/**
 * The read end of a pipe, with suspending reads (the same I/O path as [TcpStream]).
 *
 * ```kotlin
 * val (sender, receiver) = openPipe()
 * launch { sender.use { it.writeFully(ByteBuffer.wrap(bytes)) } }
 * receiver.use { val n = it.read(buf) }
 * ```
 */
public class PipeReceiver internal constructor(
    public val pipe: CorePipeReceiver,
    dispatcher: EventLoopDispatcher,
) : SuspendingRawSource {
    private val stream = StreamIo(dispatcher, pipe, pipe, null, shortReadEmpties = true)

    /** Bytes read, suspending while the pipe is empty; -1 once every writer has closed. */
    override suspend fun read(dst: ByteBuffer): Int = stream.read(dst)

    public suspend fun read(dsts: Array<ByteBuffer>): Long = stream.read(dsts)

    public suspend fun readFully(dst: ByteBuffer): Unit = stream.readFully(dst)

    override fun close() {
        stream.close()
    }

    override fun toString(): String = "PipeReceiver($pipe)"
}

/** The write end of a pipe, with suspending writes; see [PipeReceiver]. */
public class PipeSender internal constructor(
    public val pipe: CorePipeSender,
    dispatcher: EventLoopDispatcher,
) : SuspendingRawSink {
    private val stream = StreamIo(dispatcher, pipe, null, pipe, shortReadEmpties = false)

    public suspend fun write(src: ByteBuffer): Int = stream.write(src)

    public suspend fun write(srcs: Array<ByteBuffer>): Long = stream.write(srcs)

    override suspend fun writeFully(src: ByteBuffer): Unit = stream.writeFully(src)

    /** Closing sends end of stream to the reader once it has drained the pipe. */
    override fun close() {
        stream.close()
    }

    override fun toString(): String = "PipeSender($pipe)"
}

/** A new non-blocking, close-on-exec pipe: (sender, receiver). */
public suspend fun openPipe(): Pair<PipeSender, PipeReceiver> {
    val dispatcher = currentDispatcher()
    val pipe = CorePipe.open()
    val sender = pipe.closeOnFailure { PipeSender(it.sender(), dispatcher) }
    return sender to try {
        PipeReceiver(pipe.receiver(), dispatcher)
    } catch (e: Throwable) {
        sender.close()
        pipe.receiver().close()
        throw e
    }
}
