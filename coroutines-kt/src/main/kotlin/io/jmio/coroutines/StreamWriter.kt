package io.jmio.coroutines

import java.io.EOFException
import java.nio.ByteBuffer
import java.nio.channels.ClosedChannelException
import kotlinx.io.Buffer
import kotlinx.io.RawSource
import kotlinx.io.readAtMostTo
import kotlinx.io.writeIntLe
import kotlinx.io.writeLongLe
import kotlinx.io.writeShortLe
import kotlinx.io.writeString

/**
 * A buffered writer over a [SuspendingRawSink] ([TcpStream], [UnixStream], [PipeSender]):
 * kotlinx-io's writing vocabulary, with a [flush] that suspends while the stream is full.
 *
 * ```kotlin
 * val output = conn.writer()
 * output.writeFrame(payload) // a 4-byte length, then the payload
 * output.flush()
 * output.close() // flushes, then closes the stream
 * ```
 *
 * Writes go to [buffer], a kotlinx-io [Buffer], and reach the stream on [flush], on [close], or
 * by themselves once more than [flushThreshold] bytes are buffered: then the write suspends
 * until the stream took them, so memory stays bounded and a peer that reads slowly slows the
 * writer down. A large write is taken in pieces of [flushThreshold] bytes, each flushed before
 * the next is buffered. Values are big-endian unless the name ends in `Le`; strings are UTF-8.
 *
 * **Flushing** copies [buffer] into a direct buffer of [writeSize] bytes that the writer owns and
 * writes that: one copy, and the socket write is the fast direct-buffer path.
 *
 * **Cancellation:** a coroutine cancelled while a flush is suspended loses no byte and sends none
 * twice: what was not yet written stays in the writer, and the next flush writes it first.
 *
 * **Threading:** one coroutine writes at a time; a [StreamReader] on the same stream may run in
 * another coroutine. A raw `writeFully` on the stream goes ahead of bytes still buffered here:
 * [flush] first. Use one writer per stream.
 */
public class StreamWriter(
    private val sink: SuspendingRawSink,
    /** More buffered bytes than this flush by themselves (the write that added them suspends). */
    public val flushThreshold: Int = DEFAULT_FLUSH_THRESHOLD,
    /** The most one write to the stream carries; also the size of the direct buffer the writer owns. */
    public val writeSize: Int = StreamReader.DEFAULT_IO_SIZE,
) {
    init {
        require(flushThreshold > 0) { "flushThreshold must be positive: $flushThreshold" }
        require(writeSize > 0) { "writeSize must be positive: $writeSize" }
    }

    /**
     * The bytes written and not yet flushed. Writing to it directly (with kotlinx-io's functions)
     * is allowed; call [flush] or [hintEmit] afterwards, since the threshold is checked only by this
     * writer's own writes.
     */
    public val buffer: Buffer = Buffer()

    /** Bytes taken from [buffer] and not yet written, between position and limit. */
    private val staged: ByteBuffer = ByteBuffer.allocateDirect(writeSize).limit(0)
    private var closed = false

    // Each write fills the buffer and flushes in a tail call only past the threshold, so a write
    // that stays under it is a plain call: no coroutine frame, no allocation.

    private suspend inline fun buffered(write: Buffer.() -> Unit) {
        checkOpen()
        buffer.write()
        return hintEmit()
    }

    public suspend fun writeByte(byte: Byte): Unit = buffered { writeByte(byte) }
    public suspend fun writeShort(short: Short): Unit = buffered { writeShort(short) }
    public suspend fun writeShortLe(short: Short): Unit = buffered { writeShortLe(short) }
    public suspend fun writeInt(int: Int): Unit = buffered { writeInt(int) }
    public suspend fun writeIntLe(int: Int): Unit = buffered { writeIntLe(int) }
    public suspend fun writeLong(long: Long): Unit = buffered { writeLong(long) }
    public suspend fun writeLongLe(long: Long): Unit = buffered { writeLongLe(long) }

    /** Writes `source[startIndex until endIndex]`. */
    public suspend fun write(source: ByteArray, startIndex: Int = 0, endIndex: Int = source.size) {
        checkOpen()
        checkBounds(source.size, startIndex, endIndex)
        if (endIndex - startIndex <= flushThreshold) {
            buffer.write(source, startIndex, endIndex)
            return hintEmit()
        }
        return writeInPieces(source, startIndex, endIndex)
    }

    private suspend fun writeInPieces(source: ByteArray, startIndex: Int, endIndex: Int) {
        var from = startIndex
        while (from < endIndex) {
            val to = from + minOf(endIndex - from, flushThreshold)
            buffer.write(source, from, to)
            hintEmit()
            from = to
        }
    }

    /**
     * Writes a length-prefixed frame of `source[startIndex until endIndex]`: its size as a 4-byte
     * big-endian length, then the bytes, as [StreamReader.readFrame] reads it. Like every write it
     * buffers and does not flush (call [flush] when the peer should see it).
     *
     * ```kotlin
     * output.writeFrame("hello".encodeToByteArray())
     * output.flush()
     * ```
     *
     * **Cancellation:** a frame of at most [flushThreshold] bytes is buffered whole before any
     * suspension, so a cancelled flush sends none of it twice and the next flush sends the rest.
     * A longer frame goes in pieces: cancelled between them, the stream is left inside the frame
     * (what was buffered is still sent by the next flush, the rest is not), so close it.
     */
    public suspend fun writeFrame(source: ByteArray, startIndex: Int = 0, endIndex: Int = source.size) {
        checkOpen()
        checkBounds(source.size, startIndex, endIndex)
        buffer.writeInt(endIndex - startIndex)
        if (endIndex - startIndex <= flushThreshold) {
            buffer.write(source, startIndex, endIndex)
            return hintEmit()
        }
        return writeInPieces(source, startIndex, endIndex)
    }

    /**
     * Writes a length-prefixed frame of the next [byteCount] bytes of [source], which it moves
     * without copying (as [write] does); see the other [writeFrame] for the format and for what
     * cancellation does.
     */
    public suspend fun writeFrame(source: Buffer, byteCount: Long = source.size) {
        checkOpen()
        require(byteCount in 0..minOf(source.size, Int.MAX_VALUE.toLong())) {
            "byteCount $byteCount not in 0..${minOf(source.size, Int.MAX_VALUE.toLong())}"
        }
        buffer.writeInt(byteCount.toInt())
        if (byteCount <= flushThreshold) {
            buffer.write(source, byteCount)
            return hintEmit()
        }
        return write(source, byteCount)
    }

    /** Writes `string[startIndex until endIndex]` as UTF-8 (a lone surrogate becomes `?`). */
    public suspend fun writeString(string: String, startIndex: Int = 0, endIndex: Int = string.length) {
        checkOpen()
        checkBounds(string.length, startIndex, endIndex)
        // A char takes at most 3 bytes (a surrogate pair 4 for 2 chars): pieces of threshold / 3
        // chars keep the buffer within the threshold's bound.
        val piece = maxOf(2, flushThreshold / 3)
        if (endIndex - startIndex <= piece) {
            buffer.writeString(string, startIndex, endIndex)
            return hintEmit()
        }
        return writeStringInPieces(string, startIndex, endIndex, piece)
    }

    private suspend fun writeStringInPieces(string: String, startIndex: Int, endIndex: Int, piece: Int) {
        var from = startIndex
        while (from < endIndex) {
            var to = from + minOf(endIndex - from, piece)
            if (to < endIndex && Character.isHighSurrogate(string[to - 1])) to-- // keep a pair together
            buffer.writeString(string, from, to)
            hintEmit()
            from = to
        }
    }

    /** Moves [byteCount] bytes of [source] into this writer (kotlinx-io moves whole segments, without copying). */
    public suspend fun write(source: Buffer, byteCount: Long = source.size) {
        checkOpen()
        require(byteCount in 0..source.size) { "byteCount $byteCount not in 0..${source.size}" }
        var left = byteCount
        while (left > 0) {
            val step = minOf(left, flushThreshold.toLong())
            buffer.write(source, step)
            left -= step
            hintEmit()
        }
    }

    /**
     * Writes exactly [byteCount] bytes read from [source], in pieces of [flushThreshold] bytes.
     * [source] is a kotlinx-io `RawSource`, which may block: a [Buffer] or an in-memory source is
     * fine on an event loop, a file or socket source blocks the loop thread.
     *
     * @throws EOFException if [source] ends first (what it gave is written)
     */
    public suspend fun write(source: RawSource, byteCount: Long) {
        checkOpen()
        require(byteCount >= 0) { "byteCount < 0: $byteCount" }
        var left = byteCount
        while (left > 0) {
            val read = source.readAtMostTo(buffer, minOf(left, flushThreshold.toLong()))
            if (read < 0) throw EOFException("source ended with $left of $byteCount bytes still expected")
            left -= read
            hintEmit()
        }
    }

    /** Writes all of [source] until it ends (see [write] about blocking sources): the byte count. */
    public suspend fun transferFrom(source: RawSource): Long {
        checkOpen()
        var total = 0L
        while (true) {
            val read = source.readAtMostTo(buffer, flushThreshold.toLong())
            if (read < 0) return total
            total += read
            hintEmit()
        }
    }

    /** Flushes if more than [flushThreshold] bytes are buffered; writes call it themselves. */
    public suspend fun hintEmit() {
        if (buffer.size > flushThreshold) return flush()
    }

    /**
     * Writes every buffered byte to the stream, suspending while it is full.
     * @throws ClosedChannelException if this writer was closed
     */
    public suspend fun flush() {
        checkOpen()
        // One piece that fits and nothing left from a cancelled flush: a tail call, no frame.
        if (!staged.hasRemaining() && buffer.size <= writeSize) {
            if (buffer.size == 0L) return
            stage()
            return sink.writeFully(staged)
        }
        return flushInPieces()
    }

    private suspend fun flushInPieces() {
        while (true) {
            if (staged.hasRemaining()) sink.writeFully(staged)
            if (buffer.size == 0L) return
            stage()
        }
    }

    /** Moves the next piece of [buffer] into [staged], which the last write emptied. */
    private fun stage() {
        staged.clear()
        buffer.readAtMostTo(staged)
        staged.flip()
    }

    /**
     * Flushes, then closes the stream, which it does even if the flush fails or the caller is
     * cancelled. Idempotent; writes after it throw [ClosedChannelException].
     */
    public suspend fun close() {
        if (closed) return
        try {
            flush()
        } finally {
            closed = true
            buffer.clear()
            sink.close()
        }
    }

    private fun checkOpen() {
        if (closed) throw ClosedChannelException()
    }

    private fun checkBounds(size: Int, startIndex: Int, endIndex: Int) =
        require(startIndex in 0..endIndex && endIndex <= size) { "range $startIndex..<$endIndex out of 0..$size" }

    override fun toString(): String = "StreamWriter(${buffer.size + staged.remaining()} bytes unflushed, $sink)"

    public companion object {
        /** The default [flushThreshold]: 64 KiB. */
        public const val DEFAULT_FLUSH_THRESHOLD: Int = 64 * 1024
    }
}

/** A [StreamWriter] over this stream; see there. Use one per stream. */
public fun SuspendingRawSink.writer(
    flushThreshold: Int = StreamWriter.DEFAULT_FLUSH_THRESHOLD,
    writeSize: Int = StreamReader.DEFAULT_IO_SIZE,
): StreamWriter = StreamWriter(this, flushThreshold, writeSize)
