package io.jmio.coroutines

import java.io.EOFException
import java.nio.ByteBuffer
import kotlin.coroutines.Continuation
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.EmptyCoroutineContext
import kotlin.coroutines.intrinsics.COROUTINE_SUSPENDED
import kotlin.coroutines.intrinsics.intercepted
import kotlin.coroutines.intrinsics.suspendCoroutineUninterceptedOrReturn
import kotlinx.io.Buffer
import kotlinx.io.Source
import kotlinx.io.indexOf
import kotlinx.io.readByteArray
import kotlinx.io.readIntLe
import kotlinx.io.readLongLe
import kotlinx.io.readShortLe
import kotlinx.io.readString
import kotlinx.io.transferFrom
import kotlinx.io.unsafe.UnsafeBufferOperations
import kotlinx.io.UnsafeIoApi

/**
 * A buffered reader over a [SuspendingRawSource] ([TcpStream], [UnixStream], [PipeReceiver]):
 * kotlinx-io's parsing vocabulary with refills that suspend instead of blocking.
 *
 * ```kotlin
 * val input = conn.reader()
 * val output = conn.writer()
 * while (true) {
 *     val line = input.readLine() ?: break // null at end of stream
 *     output.writeString(line.uppercase())
 *     output.writeByte('\n'.code.toByte())
 *     output.flush()
 * }
 * ```
 *
 * Bytes read from the stream land in [buffer], a kotlinx-io [Buffer]. [request] and [require]
 * refill it until it holds a given count; between refills a parser may use kotlinx-io's own
 * functions on [buffer] (it is a `Source`), which never suspend and see only what is buffered.
 * Values are big-endian unless the name ends in `Le`, and strings are UTF-8.
 *
 * **Refills** read into a direct buffer of [readSize] bytes that the reader owns, then copy into
 * [buffer]'s segments: one copy, and the socket read itself is the fast direct-buffer path. A
 * refill reads once, at most [readSize] bytes, and happens only when the buffered bytes do not
 * satisfy the call.
 *
 * **Limits:** the buffer only grows as far as a call asks: [require] and [request] by their
 * count, [readLine], [readLineStrict] and [readUntil] by their limit (64 KiB unless the caller
 * says otherwise), [readFrame] by its limit (1 MiB), [indexOf] by its end index. No input makes
 * the reader buffer more.
 *
 * **Failure consumes nothing:** an exact-count read that meets end of stream throws
 * [EOFException], a line or frame longer than its limit throws [TooLongFrameException], and in
 * both cases every byte is still in [buffer] (only [skip] consumes what it passed before it fails).
 *
 * **Cancellation:** a coroutine cancelled while suspended in a refill leaves every byte already
 * buffered in place; the next call sees them.
 *
 * **Threading:** one coroutine reads at a time (as for the raw stream's reads). A [StreamWriter]
 * on the same stream may run in another coroutine at the same time.
 *
 * **Mixing with raw reads:** bytes in [buffer] are only here. A raw `read` on the stream after
 * the reader buffered some returns the bytes that follow them, so take what [buffer] holds first
 * (for example `reader.buffer.readAtMostTo(dst)` or `readByteArray()`) before reading raw.
 * Use one reader per stream.
 */
public class StreamReader(
    private val source: SuspendingRawSource,
    /** The most one refill reads; also the size of the direct buffer the reader owns. */
    public val readSize: Int = DEFAULT_IO_SIZE,
) : AutoCloseable {
    init {
        require(readSize > 0) { "readSize must be positive: $readSize" }
    }

    /**
     * The bytes read from the stream and not yet consumed. A parser may read from it directly
     * (with kotlinx-io's functions); what it consumes there is consumed from the stream.
     */
    public val buffer: Buffer = Buffer()

    private val chunk: ByteBuffer = ByteBuffer.allocateDirect(readSize)
    private var ended = false
    private var lineScanFrom = 0L
    private val refill = Refill()

    // The refill helpers are inline, so a read that must refill suspends in one coroutine frame
    // (its own slow path) instead of one per helper: each frame is an allocation per suspension.

    /** One read from the stream into [buffer]: false at end of stream. */
    private suspend inline fun fill(): Boolean {
        if (ended) return false
        chunk.clear()
        // A cancelled read has read nothing; a read that returns is copied before any suspension.
        if (source.read(chunk) < 0) {
            ended = true
            return false
        }
        chunk.flip()
        buffer.transferFrom(chunk)
        return true
    }

    private suspend inline fun fillTo(byteCount: Long): Boolean {
        while (buffer.size < byteCount) {
            if (!fill()) return false
        }
        return true
    }

    private suspend inline fun fillOrThrow(byteCount: Long) {
        if (!fillTo(byteCount)) throw EOFException("end of stream with ${buffer.size} of $byteCount bytes buffered")
    }

    /** Refills until [buffer] holds at least [byteCount] bytes: false if the stream ends first. */
    public suspend fun request(byteCount: Long): Boolean {
        require(byteCount >= 0) { "byteCount < 0: $byteCount" }
        return if (buffer.size >= byteCount) true else refillFor(REQUEST, byteCount)
    }

    /** Refills until [buffer] holds at least [byteCount] bytes. @throws EOFException if the stream ends first */
    public suspend fun require(byteCount: Long) {
        require(byteCount >= 0) { "byteCount < 0: $byteCount" }
        if (buffer.size < byteCount) refillFor<Unit>(REQUIRE, byteCount)
    }

    /** True when nothing is buffered and the stream has ended; refills (suspends) to find out. */
    public suspend fun exhausted(): Boolean = if (buffer.size > 0) false else refillFindsEnd()

    private suspend fun refillFindsEnd(): Boolean = !fill()

    // Each read checks the buffer first and refills in a separate function, so a read served
    // from the buffer is a plain call: no coroutine frame, no allocation.

    /** @throws EOFException if the stream ends first (for every exact-count read below) */
    public suspend fun readByte(): Byte = if (buffer.size >= 1) buffer.readByte() else refillThenReadByte()

    public suspend fun readShort(): Short = if (buffer.size >= 2) buffer.readShort() else refillThenReadShort(false)

    public suspend fun readShortLe(): Short = if (buffer.size >= 2) buffer.readShortLe() else refillThenReadShort(true)

    public suspend fun readInt(): Int = if (buffer.size >= 4) buffer.readInt() else refillThenReadInt(false)

    public suspend fun readIntLe(): Int = if (buffer.size >= 4) buffer.readIntLe() else refillThenReadInt(true)

    public suspend fun readLong(): Long = if (buffer.size >= 8) buffer.readLong() else refillThenReadLong(false)

    public suspend fun readLongLe(): Long = if (buffer.size >= 8) buffer.readLongLe() else refillThenReadLong(true)

    private suspend fun refillThenReadByte(): Byte {
        fillOrThrow(1)
        return buffer.readByte()
    }

    private suspend fun refillThenReadShort(littleEndian: Boolean): Short {
        fillOrThrow(2)
        return if (littleEndian) buffer.readShortLe() else buffer.readShort()
    }

    private suspend fun refillThenReadInt(littleEndian: Boolean): Int {
        fillOrThrow(4)
        return if (littleEndian) buffer.readIntLe() else buffer.readInt()
    }

    private suspend fun refillThenReadLong(littleEndian: Boolean): Long {
        fillOrThrow(8)
        return if (littleEndian) buffer.readLongLe() else buffer.readLong()
    }

    /** Exactly [byteCount] bytes. The caller picks the count, so it bounds the buffer. */
    public suspend fun readByteArray(byteCount: Int): ByteArray {
        require(byteCount >= 0) { "byteCount < 0: $byteCount" }
        return if (buffer.size >= byteCount) buffer.readByteArray(byteCount) else refillThenReadByteArray(byteCount)
    }

    private suspend fun refillThenReadByteArray(byteCount: Int): ByteArray {
        fillOrThrow(byteCount.toLong())
        return buffer.readByteArray(byteCount)
    }

    /** Exactly [byteCount] bytes decoded as UTF-8 (a malformed sequence becomes U+FFFD). */
    public suspend fun readString(byteCount: Long): String {
        require(byteCount >= 0) { "byteCount < 0: $byteCount" }
        return if (buffer.size >= byteCount) buffer.readUtf8(byteCount) else refillThenReadString(byteCount)
    }

    private suspend fun refillThenReadString(byteCount: Long): String {
        fillOrThrow(byteCount)
        return buffer.readUtf8(byteCount)
    }

    /**
     * Removes up to [byteCount] bytes into [sink], refilling once if nothing is buffered: the
     * count moved, or -1 at end of stream. For passing a stream on in pieces of bounded size.
     */
    public suspend fun readAtMostTo(sink: Buffer, byteCount: Long): Long {
        require(byteCount >= 0) { "byteCount < 0: $byteCount" }
        if (byteCount == 0L) return 0
        if (buffer.size == 0L && !fill()) return -1
        return buffer.readAtMostTo(sink, byteCount)
    }

    /**
     * Discards [byteCount] bytes, refilling as needed and never buffering more than one refill.
     * @throws EOFException if the stream ends first (the bytes passed until then are gone)
     */
    public suspend fun skip(byteCount: Long) {
        require(byteCount >= 0) { "byteCount < 0: $byteCount" }
        var left = byteCount
        while (left > 0) {
            if (buffer.size == 0L && !fill()) throw EOFException("end of stream with $left of $byteCount bytes still to skip")
            val step = minOf(left, buffer.size)
            buffer.skip(step)
            left -= step
        }
    }

    /**
     * A `Source` that reads the buffered bytes without consuming them (kotlinx-io's `peek`). It
     * sees only what is buffered now: call [request] first for the count a look-ahead needs.
     */
    public fun peek(): Source = buffer.peek()

    /**
     * The index of the first [byte] in `[startIndex, endIndex)` of the stream's unconsumed bytes,
     * refilling until it is found, [endIndex] bytes are buffered, or the stream ends: -1 in the
     * latter two cases. Consumes nothing. The end index bounds how much is buffered.
     */
    public suspend fun indexOf(byte: Byte, startIndex: Long = 0, endIndex: Long = DEFAULT_LIMIT.toLong()): Long {
        require(startIndex in 0..endIndex) { "startIndex $startIndex not in 0..$endIndex" }
        return scan(byte, startIndex, endIndex)
    }

    private suspend inline fun scan(byte: Byte, startIndex: Long, endIndex: Long): Long {
        var from = startIndex
        while (true) {
            val to = minOf(buffer.size, endIndex)
            if (from < to) {
                val found = buffer.indexOf(byte, from, to)
                if (found >= 0) return found
                from = to
            }
            if (to == endIndex || !fill()) return -1
        }
    }

    /**
     * The bytes before the next [delimiter], which is consumed and not returned.
     *
     * @param limit the most bytes before the delimiter
     * @throws TooLongFrameException if no delimiter follows within [limit] bytes (nothing consumed)
     * @throws EOFException if the stream ends before a delimiter (nothing consumed)
     */
    public suspend fun readUntil(delimiter: Byte, limit: Int = DEFAULT_LIMIT): ByteArray {
        checkLimit(limit)
        val at = buffer.indexOf(delimiter, 0, minOf(buffer.size, limit + 1L))
        return if (at >= 0) takeUntil(at) else refillThenReadUntil(delimiter, limit)
    }

    private suspend fun refillThenReadUntil(delimiter: Byte, limit: Int): ByteArray {
        val at = scan(delimiter, minOf(buffer.size, limit + 1L), limit + 1L)
        if (at >= 0) return takeUntil(at)
        if (buffer.size > limit) throw tooLong("a frame", limit)
        throw EOFException("end of stream in a frame of ${buffer.size} bytes")
    }

    private fun takeUntil(delimiterAt: Long): ByteArray {
        val frame = buffer.readByteArray(delimiterAt.toInt())
        buffer.skip(1)
        return frame
    }

    /**
     * The next line, without its end (LF or CRLF), or null at end of stream. A last line without
     * an end is returned as it is.
     *
     * @param limit the most bytes in a line, not counting its end
     * @throws TooLongFrameException if a line is longer (nothing consumed)
     */
    public suspend fun readLine(limit: Int = DEFAULT_LIMIT): String? {
        checkLimit(limit)
        val lf = buffer.indexOf(LF, 0, minOf(buffer.size, limit + 2L))
        if (lf >= 0) return takeLine(lf, limit)
        lineScanFrom = minOf(buffer.size, limit + 2L) // scanned already
        return refillFor(LINE, limit.toLong())
    }

    /**
     * The next line, without its end (LF or CRLF); unlike [readLine], the line must end.
     *
     * @param limit the most bytes in a line, not counting its end
     * @throws EOFException if the stream ends before the line does (nothing consumed)
     * @throws TooLongFrameException if the line is longer than [limit] (nothing consumed)
     */
    public suspend fun readLineStrict(limit: Int = DEFAULT_LIMIT): String {
        checkLimit(limit)
        val lf = buffer.indexOf(LF, 0, minOf(buffer.size, limit + 2L))
        if (lf >= 0) return takeLine(lf, limit)
        lineScanFrom = minOf(buffer.size, limit + 2L)
        return refillFor(STRICT_LINE, limit.toLong())
    }

    /**
     * What the buffered bytes say to a line read: the line, null (end of stream), or [NEED_MORE].
     * A line of `limit` bytes ends by byte limit + 2 (CR LF); scanning from where the last scan
     * stopped keeps a line that arrives byte by byte linear.
     */
    private fun lineOrNeedMore(limit: Int, strict: Boolean): Any? {
        scanLine(limit).let { lf -> if (lf >= 0) return takeLine(lf, limit) }
        if (buffer.size >= limit + 2L) throw tooLong("a line", limit)
        if (!ended) return NEED_MORE
        // The stream ended without a line end.
        if (strict) throw EOFException("end of stream in a line of ${buffer.size} bytes")
        if (buffer.size == 0L) return null
        if (buffer.size > limit) throw tooLong("a line", limit)
        return buffer.readUtf8(buffer.size)
    }

    /** The next LF from [lineScanFrom] within the line's bound, or -1; moves [lineScanFrom] on. */
    private fun scanLine(limit: Int): Long {
        val to = minOf(buffer.size, limit + 2L)
        if (lineScanFrom >= to) return -1
        val lf = buffer.indexOf(LF, lineScanFrom, to)
        lineScanFrom = to
        return lf
    }

    /** Removes the line that ends with the LF at [lf], checking its length against [limit]. */
    private fun takeLine(lf: Long, limit: Int): String {
        val length = if (lf > 0 && buffer[lf - 1] == CR) lf - 1 else lf
        if (length > limit) throw tooLong("a line", limit)
        val line = buffer.readUtf8(length)
        buffer.skip(lf + 1 - length)
        return line
    }

    /**
     * The payload of the next length-prefixed frame (a 4-byte big-endian length, then that many
     * bytes), or null at end of stream before its first byte. The length is unsigned: one of
     * 2^31 or more (negative as an `Int`) is over any limit.
     *
     * ```kotlin
     * while (true) {
     *     val request = input.readFrame(limit = 64 * 1024) ?: break // null: the peer is done
     *     output.writeFrame(handle(request))
     *     output.flush()
     * }
     * ```
     *
     * Failure consumes nothing: the length and any partial payload stay in [buffer]. After a
     * [TooLongFrameException] the length is at its head, so a caller that wants to drop the frame
     * rather than close can do `skip(buffer.readInt().toUInt().toLong())`. A coroutine cancelled
     * while suspended in a refill leaves the part of the frame already read in [buffer], and the
     * next call returns the whole frame.
     *
     * @param limit the most payload bytes; it also bounds what the reader buffers: 4 + [limit]
     *   bytes, and at most one refill more
     * @throws TooLongFrameException if the length is over [limit]
     * @throws EOFException if the stream ends inside the length or the payload
     */
    public suspend fun readFrame(limit: Int = DEFAULT_FRAME_LIMIT): ByteArray? {
        checkLimit(limit)
        if (buffer.size >= FRAME_HEADER) {
            val length = frameLength()
            if (length <= limit && buffer.size >= FRAME_HEADER + length) return takeFrame(length)
        }
        return refillFor(FRAME, limit.toLong())
    }

    /** What the buffered bytes say to a frame read: the payload, null (end of stream), or [NEED_MORE]. */
    private fun frameOrNeedMore(limit: Int): Any? {
        if (buffer.size < FRAME_HEADER) {
            if (!ended) return NEED_MORE
            if (buffer.size == 0L) return null
            throw EOFException("end of stream in a frame length, ${buffer.size} of 4 bytes buffered")
        }
        val length = frameLength()
        if (length > limit) throw TooLongFrameException("a frame length of $length bytes is over its limit of $limit bytes")
        if (buffer.size >= FRAME_HEADER + length) return takeFrame(length)
        if (!ended) return NEED_MORE
        throw EOFException("end of stream in a frame of $length bytes, ${buffer.size - FRAME_HEADER} buffered")
    }

    /** What the buffered bytes say to [request] and [require]: true or Unit, false or EOF, or [NEED_MORE]. */
    private fun countOrNeedMore(byteCount: Long, orEnd: Boolean): Any? = when {
        buffer.size >= byteCount -> if (orEnd) true else Unit
        !ended -> NEED_MORE
        orEnd -> false
        else -> throw EOFException("end of stream with ${buffer.size} of $byteCount bytes buffered")
    }

    /** One step of [refill]'s read: the result of [what], or [NEED_MORE]. */
    private fun attempt(what: Int, argument: Long): Any? = when (what) {
        LINE -> lineOrNeedMore(argument.toInt(), strict = false)
        STRICT_LINE -> lineOrNeedMore(argument.toInt(), strict = true)
        FRAME -> frameOrNeedMore(argument.toInt())
        REQUEST -> countOrNeedMore(argument, orEnd = true)
        else -> countOrNeedMore(argument, orEnd = false)
    }

    /** Refills until [attempt] of [what] has a result, and returns it. A tail call: no coroutine frame. */
    @Suppress("UNCHECKED_CAST")
    private suspend fun <T> refillFor(what: Int, argument: Long): T =
        suspendCoroutineUninterceptedOrReturn { caller -> refill.start(what, argument, caller as Continuation<Any?>) as T }

    /**
     * The continuation of every refill of a multi-refill read (lines, frames, [request],
     * [require]): one per reader, reused. A suspend function of its own would allocate its
     * coroutine frame, and the wrapper that dispatches it, on every read that suspends. It parks
     * with the source's `read` as that read's continuation, and on each completion copies the
     * bytes in and tries the read again; with a result it resumes the caller through the
     * caller's own (cached) interceptor.
     */
    private inner class Refill : Continuation<Int> {
        private var caller: Continuation<Any?>? = null
        private var what = 0
        private var argument = 0L

        @Suppress("UNCHECKED_CAST")
        private val read = source::read as Function2<ByteBuffer, Continuation<Int>, Any?>

        override val context: CoroutineContext get() = caller?.context ?: EmptyCoroutineContext

        /** The read's result, or [COROUTINE_SUSPENDED] once it waits for the stream. */
        fun start(what: Int, argument: Long, caller: Continuation<Any?>): Any? {
            check(this.caller == null) { "another coroutine is reading from this StreamReader" }
            this.what = what
            this.argument = argument
            this.caller = caller
            return drive()
        }

        private fun drive(): Any? {
            try {
                while (true) {
                    val result = attempt(what, argument)
                    if (result !== NEED_MORE) {
                        caller = null
                        return result
                    }
                    chunk.clear()
                    val n = read.invoke(chunk, this)
                    if (n === COROUTINE_SUSPENDED) return n
                    absorb(n as Int)
                }
            } catch (e: Throwable) {
                caller = null
                throw e
            }
        }

        /** A read cancelled or failed has read nothing; one that returned is copied in before anything else. */
        private fun absorb(n: Int) {
            if (n < 0) {
                ended = true
            } else {
                chunk.flip()
                buffer.transferFrom(chunk)
            }
        }

        override fun resumeWith(result: Result<Int>) {
            val waiting = caller!!
            val outcome = try {
                absorb(result.getOrThrow())
                val value = drive()
                if (value === COROUTINE_SUSPENDED) return
                Result.success(value)
            } catch (e: Throwable) {
                caller = null
                Result.failure(e)
            }
            waiting.intercepted().resumeWith(outcome)
        }
    }

    /** The unsigned length at the head of [buffer], which holds at least 4 bytes; consumes nothing. */
    private fun frameLength(): Long =
        (buffer[0].toLong() and 0xffL shl 24) or (buffer[1].toLong() and 0xffL shl 16) or
            (buffer[2].toLong() and 0xffL shl 8) or (buffer[3].toLong() and 0xffL)

    private fun takeFrame(length: Long): ByteArray {
        buffer.skip(FRAME_HEADER.toLong())
        return buffer.readByteArray(length.toInt())
    }

    private fun tooLong(what: String, limit: Int) = TooLongFrameException("$what longer than its limit of $limit bytes")

    private fun checkLimit(limit: Int) = require(limit >= 0) { "limit < 0: $limit" }

    /** Closes the stream; the buffered bytes stay readable from [buffer]. Idempotent. */
    override fun close() {
        source.close()
    }

    /**
     * Decodes [byteCount] bytes as UTF-8 with the JDK's decoder straight from the head segment when
     * it holds them all (the `String` is then the only allocation); kotlinx-io's `readString`
     * otherwise, which copies first. Both turn a malformed sequence into U+FFFD.
     */
    @OptIn(UnsafeIoApi::class)
    private fun Buffer.readUtf8(byteCount: Long): String {
        if (byteCount == 0L) return ""
        var decoded: String? = null
        UnsafeBufferOperations.readFromHead(this) { bytes, start, end ->
            if (end - start < byteCount) return@readFromHead 0
            decoded = String(bytes, start, byteCount.toInt(), Charsets.UTF_8)
            byteCount.toInt()
        }
        return decoded ?: readString(byteCount)
    }

    override fun toString(): String = "StreamReader(${buffer.size} bytes buffered, $source)"

    public companion object {
        /** The default [readLine], [readUntil] and [indexOf] limit: 64 KiB. */
        public const val DEFAULT_LIMIT: Int = 64 * 1024

        /** The default [readFrame] limit: 1 MiB of payload. */
        public const val DEFAULT_FRAME_LIMIT: Int = 1 shl 20

        /** The default size of one refill or one flushed piece: 8 KiB, a kotlinx-io segment. */
        public const val DEFAULT_IO_SIZE: Int = 8192

        private val NEED_MORE = Any()
        private const val LINE = 0
        private const val STRICT_LINE = 1
        private const val FRAME = 2
        private const val REQUEST = 3
        private const val REQUIRE = 4
        private const val LF = '\n'.code.toByte()
        private const val CR = '\r'.code.toByte()
        private const val FRAME_HEADER = 4
    }
}

/** A [StreamReader] over this stream; see there. Use one per stream. */
public fun SuspendingRawSource.reader(readSize: Int = StreamReader.DEFAULT_IO_SIZE): StreamReader =
    StreamReader(this, readSize)
