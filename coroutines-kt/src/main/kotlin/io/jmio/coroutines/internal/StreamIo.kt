package io.jmio.coroutines.internal

import io.jmio.Interest
import io.jmio.IoSource
import io.jmio.coroutines.EventLoopDispatcher
import java.io.EOFException
import java.nio.ByteBuffer
import java.nio.channels.GatheringByteChannel
import java.nio.channels.ScatteringByteChannel

/**
 * The suspending read and write paths every byte-stream type shares (TCP and Unix streams, pipe
 * ends). Each call tries the non-blocking syscall first and parks only if it would block; the
 * parked call is completed by the loop thread. Every suspension here is a tail call, so a call
 * that waits allocates no frame of its own. Internal.
 */
internal class StreamIo(
    dispatcher: EventLoopDispatcher,
    source: IoSource,
    private val reader: ScatteringByteChannel?,
    private val writer: GatheringByteChannel?,
) : IoAttempt {
    private val io = SocketIo(dispatcher, source, source as AutoCloseable, interestOf(reader, writer), this)

    override fun attempt(op: Int, direction: IoDirection): Any? = when (op) {
        OP_READY -> Unit
        OP_READ -> reader!!.read(direction.buffer!!).let { if (it == 0) WOULD_BLOCK else it }
        OP_WRITE -> writer!!.write(direction.buffer!!).let { if (it == 0) WOULD_BLOCK else it }
        OP_READ_VECTOR -> reader!!.read(direction.buffers!!).let { if (it == 0L) WOULD_BLOCK else it }
        OP_WRITE_VECTOR -> writer!!.write(direction.buffers!!).let { if (it == 0L) WOULD_BLOCK else it }
        else -> error("unknown op $op")
    }

    suspend fun read(dst: ByteBuffer): Int {
        io.read.clearReady()
        val n = reader!!.read(dst)
        if (n != 0 || !dst.hasRemaining()) return n
        return io.read.awaitInt(OP_READ, dst)
    }

    suspend fun read(dsts: Array<ByteBuffer>): Long {
        io.read.clearReady()
        val n = reader!!.read(dsts)
        if (n != 0L || dsts.none { it.hasRemaining() }) return n
        return io.read.awaitLong(OP_READ_VECTOR, dsts)
    }

    suspend fun readFully(dst: ByteBuffer) {
        while (dst.hasRemaining()) {
            if (read(dst) < 0) throw EOFException("end of stream with ${dst.remaining()} bytes still expected")
        }
    }

    suspend fun write(src: ByteBuffer): Int {
        val n = writer!!.write(src)
        if (n != 0 || !src.hasRemaining()) return n
        return io.write.awaitInt(OP_WRITE, src)
    }

    suspend fun write(srcs: Array<ByteBuffer>): Long {
        val n = writer!!.write(srcs)
        if (n != 0L || srcs.none { it.hasRemaining() }) return n
        return io.write.awaitLong(OP_WRITE_VECTOR, srcs)
    }

    /** Writes without a frame while the socket keeps up; only a full send buffer costs one. */
    suspend fun writeFully(src: ByteBuffer) {
        while (src.hasRemaining()) {
            if (writer!!.write(src) == 0) return writeFullySlowly(src)
        }
    }

    private suspend fun writeFullySlowly(src: ByteBuffer) {
        while (src.hasRemaining()) write(src)
    }

    suspend fun writeFully(srcs: Array<ByteBuffer>) {
        while (srcs.any { it.hasRemaining() }) write(srcs)
    }

    suspend fun awaitReadable() = io.read.awaitReady()

    suspend fun awaitWritable() = io.write.awaitReady()

    fun close() = io.close()

    private companion object {
        fun interestOf(reader: Any?, writer: Any?): Interest = when {
            reader != null && writer != null -> Interest.READABLE.add(Interest.WRITABLE)
            reader != null -> Interest.READABLE
            else -> Interest.WRITABLE
        }
    }
}
