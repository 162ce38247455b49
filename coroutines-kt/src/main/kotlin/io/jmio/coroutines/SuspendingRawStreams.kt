package io.jmio.coroutines

import java.nio.ByteBuffer

/**
 * A source of bytes whose reads suspend: what [StreamReader] buffers. [TcpStream], [UnixStream]
 * and [PipeReceiver] implement it (and so can any other suspending stream, such as a TLS one).
 *
 * It is the suspending counterpart of kotlinx-io's `RawSource`, which blocks and so cannot stand
 * for a socket. One coroutine reads at a time; [close] may come from any thread.
 */
public interface SuspendingRawSource : AutoCloseable {
    /**
     * Reads into [dst] from its position, suspending until at least one byte is there: the number
     * of bytes read, -1 at end of stream, or 0 only if [dst] has no room. A coroutine cancelled
     * while suspended here has read nothing.
     */
    public suspend fun read(dst: ByteBuffer): Int
}

/**
 * A sink of bytes whose writes suspend while it is full: what [StreamWriter] buffers.
 * [TcpStream], [UnixStream] and [PipeSender] implement it. The suspending counterpart of
 * kotlinx-io's `RawSink`. One coroutine writes at a time; [close] may come from any thread.
 */
public interface SuspendingRawSink : AutoCloseable {
    /**
     * Writes all of [src] from its position, suspending whenever the sink is full. If the caller
     * is cancelled meanwhile, [src]'s position tells how much was written.
     */
    public suspend fun writeFully(src: ByteBuffer)
}
