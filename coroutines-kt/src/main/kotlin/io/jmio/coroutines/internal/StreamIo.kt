package io.jmio.coroutines.internal

import io.jmio.Interest
import io.jmio.IoSource
import io.jmio.coroutines.EventLoopDispatcher
import io.jmio.net.Splicer
import java.io.EOFException
import java.nio.ByteBuffer
import java.nio.channels.GatheringByteChannel
import java.nio.channels.ScatteringByteChannel
import kotlin.time.Duration
import kotlin.time.Duration.Companion.nanoseconds
import kotlinx.coroutines.yield
import io.jmio.net.TcpStream as CoreTcpStream

/**
 * The suspending read and write paths every byte-stream type shares (TCP and Unix streams, pipe
 * ends). Each call tries the non-blocking syscall first and parks only if it would block; the
 * parked call is completed by the loop thread. Every suspension here is a tail call, so a call
 * that waits allocates no frame of its own. Internal.
 *
 * With [shortReadEmpties], a read that returns fewer bytes than it asked the kernel for means the
 * socket was empty at that moment, and on Linux the next byte or FIN raises a new edge: so the
 * following read parks at once instead of making a syscall only to hear "would block" (tokio and
 * nginx rely on the same guarantee). That holds for TCP and pipes; a Unix stream read also stops
 * short at a message carrying file descriptors with more queued behind it, so Unix streams pass
 * false. An event that reported hang-up or error turns it off for good ([IoDirection.hungUp]).
 *
 * TCP urgent data breaks the guarantee too: Linux stops a read short at the urgent mark, with or
 * without SO_OOBINLINE, and the bytes behind the mark raise no new edge. With [urgentData] the
 * socket is registered for [Interest.PRIORITY] as well (EPOLLPRI, reported while urgent data is
 * pending, and raised no later than the bytes behind the mark can be read), and [SocketIo] turns
 * the shortcut off for good at the first priority event. Only TCP carries urgent data.
 */
internal class StreamIo(
    private val dispatcher: EventLoopDispatcher,
    source: IoSource,
    private val reader: ScatteringByteChannel?,
    private val writer: GatheringByteChannel?,
    private val shortReadEmpties: Boolean,
    urgentData: Boolean = false,
) : IoAttempt {
    private val io = SocketIo(dispatcher, source, source as AutoCloseable, interestOf(reader, writer, urgentData), this)

    override fun attempt(op: Int, direction: IoDirection): Any? = when (op) {
        OP_READY -> Unit
        OP_READ -> readOnce(direction.buffer!!).let { if (it == 0) WOULD_BLOCK else it }
        OP_WRITE -> writer!!.write(direction.buffer!!).let { if (it == 0) WOULD_BLOCK else it }
        OP_READ_VECTOR -> readOnce(direction.buffers!!).let { if (it == 0L) WOULD_BLOCK else it }
        OP_WRITE_VECTOR -> writer!!.write(direction.buffers!!).let { if (it == 0L) WOULD_BLOCK else it }
        else -> error("unknown op $op")
    }

    suspend fun read(dst: ByteBuffer): Int {
        if (!dispatcher.spendIoBudget()) return yieldThen { read(dst) }
        if (io.read.mayParkFirst && dst.hasRemaining()) return io.read.awaitInt(OP_READ, dst)
        io.read.clearReady()
        val n = readOnce(dst)
        if (n != 0 || !dst.hasRemaining()) return n
        return io.read.awaitInt(OP_READ, dst)
    }

    /** One read syscall, noting in [IoDirection.emptied] whether it proved the socket empty. */
    private fun readOnce(dst: ByteBuffer): Int {
        val asked = dst.remaining()
        val n = reader!!.read(dst)
        // Heap buffers are read in bounded chunks, and Linux caps one read just under 2 GiB: only a
        // direct buffer's read that stopped short of both limits is the kernel saying "empty".
        io.read.emptied = shortReadEmpties && n > 0 && n < asked && n < LINUX_MAX_READ && dst.isDirect
        return n
    }

    private fun readOnce(dsts: Array<out ByteBuffer>): Long {
        io.read.emptied = false
        return reader!!.read(dsts)
    }

    suspend fun read(dsts: Array<ByteBuffer>): Long {
        if (!dispatcher.spendIoBudget()) return yieldThen { read(dsts) }
        io.read.clearReady()
        val n = readOnce(dsts)
        if (n != 0L || dsts.none { it.hasRemaining() }) return n
        return io.read.awaitLong(OP_READ_VECTOR, dsts)
    }

    suspend fun readFully(dst: ByteBuffer) {
        while (dst.hasRemaining()) {
            if (read(dst) < 0) throw EOFException("end of stream with ${dst.remaining()} bytes still expected")
        }
    }

    suspend fun write(src: ByteBuffer): Int {
        if (!dispatcher.spendIoBudget()) return yieldThen { write(src) }
        val n = writer!!.write(src)
        if (n != 0 || !src.hasRemaining()) return n
        return io.write.awaitInt(OP_WRITE, src)
    }

    suspend fun write(srcs: Array<ByteBuffer>): Long {
        if (!dispatcher.spendIoBudget()) return yieldThen { write(srcs) }
        val n = writer!!.write(srcs)
        if (n != 0L || srcs.none { it.hasRemaining() }) return n
        return io.write.awaitLong(OP_WRITE_VECTOR, srcs)
    }

    /** Writes without a frame while the socket keeps up; only a full send buffer costs one. */
    suspend fun writeFully(src: ByteBuffer) {
        while (src.hasRemaining()) {
            if (!dispatcher.spendIoBudget()) return yieldThen { writeFully(src) }
            if (writer!!.write(src) == 0) return writeFullySlowly(src)
        }
    }

    /** Yields to the loop's other work, then runs [call]: a frame only for the call that is over budget. */
    private suspend fun <T> yieldThen(call: suspend () -> T): T {
        yield()
        return call()
    }

    private suspend fun writeFullySlowly(src: ByteBuffer) {
        while (src.hasRemaining()) write(src)
    }

    suspend fun writeFully(srcs: Array<ByteBuffer>) {
        while (srcs.any { it.hasRemaining() }) write(srcs)
    }

    /**
     * Moves what [socket] (this stream's own) has into [splicer], suspending until it has
     * something: the bytes taken, or -1 at end of stream. See [Splicer.receive].
     */
    suspend fun receive(splicer: Splicer, socket: CoreTcpStream): Long {
        while (true) {
            if (!dispatcher.spendIoBudget()) yield()
            io.read.clearReady()
            io.read.emptied = false // bytes taken here are not a read's: they prove nothing
            val n = splicer.receive(socket)
            if (n != 0L) return n
            io.read.awaitReady()
        }
    }

    /** Gives [socket] (this stream's own) everything pending in [splicer], suspending while it is full. */
    suspend fun send(splicer: Splicer, socket: CoreTcpStream) {
        while (splicer.pending() > 0) {
            if (!dispatcher.spendIoBudget()) yield()
            io.write.clearReady()
            if (splicer.send(socket) == 0L) io.write.awaitReady()
        }
    }

    /** Applies to reads and [awaitReadable]; see [IoDirection.timeoutNanos] and [io.jmio.coroutines.TcpStream.readTimeout]. */
    var readTimeout: Duration
        get() = io.read.timeoutNanos.let { if (it == 0L) Duration.INFINITE else it.nanoseconds }
        set(value) {
            require(value.isPositive()) { "read timeout must be positive: $value" }
            io.read.timeoutNanos = if (value.isInfinite()) 0 else value.inWholeNanoseconds
        }

    suspend fun awaitReadable() = io.read.awaitReady()

    suspend fun awaitWritable() = io.write.awaitReady()

    fun close() = io.close()

    private companion object {
        /** MAX_RW_COUNT: the most one read(2) returns, 2 GiB less a page. */
        const val LINUX_MAX_READ = Int.MAX_VALUE and 4095.inv()

        fun interestOf(reader: Any?, writer: Any?, urgentData: Boolean): Interest {
            val directions = when {
                reader != null && writer != null -> Interest.READABLE.add(Interest.WRITABLE)
                reader != null -> Interest.READABLE
                else -> Interest.WRITABLE
            }
            return if (urgentData) directions.add(Interest.PRIORITY) else directions
        }
    }
}
