package io.jmio.coroutines.tls

import io.jmio.net.Shutdown
import java.io.IOException
import java.nio.ByteBuffer
import java.nio.channels.ClosedChannelException
import java.util.concurrent.atomic.AtomicBoolean
import javax.net.ssl.SSLEngine
import javax.net.ssl.SSLEngineResult
import javax.net.ssl.SSLEngineResult.HandshakeStatus
import javax.net.ssl.SSLEngineResult.Status
import javax.net.ssl.SSLException
import javax.net.ssl.SSLHandshakeException
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeoutOrNull

/**
 * The SSLEngine's record layer over a [TlsTransport]: the handshake, the read path (unwrap) and
 * the write path (wrap), with their buffers. Internal; [TlsStream] is its public face.
 *
 * Two locks keep the engine's buffers to one coroutine each: [readLock] owns [netIn] and [appIn],
 * [writeLock] owns [netOut] and the transport's write side. The handshake holds both. After it, a
 * read that leaves the engine wanting to send (a TLS 1.3 KeyUpdate answer, a TLS 1.2 close_notify
 * reply) wraps only if the writer is idle; otherwise the writer, which checks after every flush,
 * sends it. Waiting for the writer instead could deadlock: a writer stuck on a full send buffer
 * waits for the peer to read, and the peer may be waiting for us to read.
 *
 * Buffers are heap buffers, as the JDK's own provider encrypts from and to arrays, but for the
 * received records (see [netIn]); all are sized from the session and grow when the engine says so
 * (BUFFER_OVERFLOW, BUFFER_UNDERFLOW).
 */
internal class TlsEngineIo(private val transport: TlsTransport, val engine: SSLEngine, received: ByteBuffer? = null) {
    private val readLock = Mutex()
    private val writeLock = Mutex()

    /**
     * Records received and not yet unwrapped, in read mode (position..limit); starts with [received], if any.
     * Direct, unlike the others: a read into a direct buffer that comes back short proves the socket
     * empty, so the next one parks without a syscall that would only say "would block" (one per
     * record received, otherwise), and the kernel writes into it without a bounce copy.
     */
    private var netIn: ByteBuffer = emptyReadableDirect(maxOf(engine.session.packetBufferSize, received?.remaining() ?: 0)).also { buf ->
        if (received != null) buf.clear().put(received).flip()
    }

    /** Plaintext unwrapped and not yet delivered, in read mode. */
    private var appIn: ByteBuffer = emptyReadable(engine.session.applicationBufferSize)

    /** Records wrapped and about to be written; only used under [writeLock]. */
    private var netOut: ByteBuffer = ByteBuffer.allocate(engine.session.packetBufferSize)

    private val closed = AtomicBoolean()

    @Volatile private var handshaken = false

    /** The peer's close_notify arrived, or we shut our input down: reads return -1. */
    private var inputDone = false

    @Volatile private var outputDone = false

    suspend fun handshake() {
        readLock.withLock {
            writeLock.withLock {
                engine.beginHandshake()
                try {
                    driveHandshake()
                } catch (e: SSLException) {
                    sendAlert()
                    throw e
                }
                handshaken = true
            }
        }
    }

    /** Steps the engine until the handshake is over. Holds both locks. */
    private suspend fun driveHandshake() {
        while (true) {
            when (engine.handshakeStatus!!) {
                HandshakeStatus.NEED_WRAP -> wrapAndFlush(EMPTY)
                HandshakeStatus.NEED_UNWRAP, HandshakeStatus.NEED_UNWRAP_AGAIN -> {
                    val result = unwrapOnce()
                        ?: throw SSLHandshakeException("the peer closed the connection during the TLS handshake")
                    if (result.status == Status.CLOSED) throw SSLHandshakeException("the peer closed TLS during the handshake")
                }
                HandshakeStatus.NEED_TASK -> runDelegatedTasks()
                HandshakeStatus.FINISHED, HandshakeStatus.NOT_HANDSHAKING -> return
            }
        }
    }

    /** After a failed handshake the engine holds an alert that tells the peer why: send it, briefly. */
    private suspend fun sendAlert() {
        try {
            withContext(NonCancellable) {
                withTimeoutOrNull(ALERT_TIMEOUT) { wrapAndFlush(EMPTY) }
            }
        } catch (_: Exception) {
            // The connection is failing already; the handshake's own exception is the one to report.
        }
    }

    suspend fun read(dst: ByteBuffer): Int {
        if (closed.get()) throw ClosedChannelException()
        if (!dst.hasRemaining()) return 0
        return readLock.withLock { readLocked(dst) }
    }

    private suspend fun readLocked(dst: ByteBuffer): Int {
        while (true) {
            if (appIn.hasRemaining()) return deliver(dst)
            if (inputDone) return -1
            if (engine.handshakeStatus == HandshakeStatus.NEED_WRAP) wrapIfWriterIdle()
            val result = unwrapOnce() ?: throw truncation()
            if (result.status == Status.CLOSED) {
                inputDone = true
                // TLS 1.2 answers close_notify with close_notify (TLS 1.3 may go on writing). The
                // peer may have closed already: the answer is a courtesy, and this read's end is -1.
                if (engine.handshakeStatus == HandshakeStatus.NEED_WRAP) {
                    try {
                        wrapIfWriterIdle()
                    } catch (_: IOException) {
                    }
                }
                continue
            }
            when (result.handshakeStatus!!) {
                HandshakeStatus.NEED_TASK -> runDelegatedTasks()
                HandshakeStatus.NEED_WRAP -> wrapIfWriterIdle()
                else -> {}
            }
        }
    }

    private fun deliver(dst: ByteBuffer): Int {
        val n = minOf(appIn.remaining(), dst.remaining())
        val limit = appIn.limit()
        appIn.limit(appIn.position() + n)
        dst.put(appIn)
        appIn.limit(limit)
        return n
    }

    /** The transport ended without the peer's close_notify: someone may have cut the stream short. */
    private fun truncation(): SSLException {
        val cause = try {
            engine.closeInbound()
            null
        } catch (e: SSLException) {
            e
        }
        return SSLException("the peer closed the connection without close_notify: the data may be truncated", cause)
    }

    private suspend fun wrapIfWriterIdle() {
        if (!writeLock.tryLock()) return
        try {
            // Until the engine has said everything: one flush may carry only part of a flight (a
            // TLS 1.2 renegotiation ends with a session ticket, ChangeCipherSpec and Finished),
            // and the peer waits for the rest before it sends again.
            closeOnCancel { do wrapAndFlush(EMPTY) while (engine.handshakeStatus == HandshakeStatus.NEED_WRAP) }
        } finally {
            writeLock.unlock()
        }
    }

    /**
     * One unwrap of the next record into [appIn], reading from the transport while the engine
     * wants more: the result (never BUFFER_UNDERFLOW), or null at the transport's end of stream.
     * Holds [readLock].
     */
    private suspend fun unwrapOnce(): SSLEngineResult? {
        while (true) {
            appIn.compact()
            val result = try {
                engine.unwrap(netIn, appIn)
            } finally {
                appIn.flip()
            }
            when (result.status!!) {
                Status.OK, Status.CLOSED -> return result
                Status.BUFFER_UNDERFLOW -> if (!fill()) return null
                Status.BUFFER_OVERFLOW -> {
                    // Plaintext waiting already: deliver it first. Else the session wants more room.
                    if (appIn.hasRemaining()) return result
                    appIn = emptyReadable(maxOf(engine.session.applicationBufferSize, appIn.capacity() * 2))
                }
            }
        }
    }

    /** Reads more records into [netIn]: false at end of stream. */
    private suspend fun fill(): Boolean {
        netIn.compact()
        try {
            if (!netIn.hasRemaining()) {
                val needed = engine.session.packetBufferSize
                if (needed <= netIn.capacity()) throw SSLException("a TLS record larger than ${netIn.capacity()} bytes")
                netIn.flip()
                netIn = ByteBuffer.allocateDirect(needed).put(netIn)
            }
            return transport.read(netIn) >= 0
        } finally {
            netIn.flip()
        }
    }

    /** Wraps one record of [src] (at most 16 KiB) and writes it: the plaintext bytes it took. */
    suspend fun write(src: ByteBuffer): Int {
        if (!src.hasRemaining()) return 0
        return writeLock.withLock { closeOnCancel { writeLocked(src) } }
    }

    suspend fun writeFully(src: ByteBuffer) {
        if (!src.hasRemaining()) return
        writeLock.withLock { closeOnCancel { while (src.hasRemaining()) writeLocked(src) } }
    }

    private suspend fun writeLocked(src: ByteBuffer): Int {
        if (closed.get() || outputDone) throw ClosedChannelException()
        val n = wrapAndFlush(src)
        // A post-handshake message the reader could not send (see the class comment) goes now.
        while (engine.handshakeStatus == HandshakeStatus.NEED_WRAP) wrapAndFlush(EMPTY)
        if (n == 0 && src.hasRemaining()) {
            // The engine takes no data while it waits for the peer: only a renegotiation does that.
            throw SSLException("the peer started a TLS renegotiation, which jmio does not support")
        }
        return n
    }

    /**
     * Wraps [src] (or, for [EMPTY], what the handshake has to send) into [netOut] while it has
     * room for a whole record, then writes it all: the plaintext bytes taken. Holds [writeLock].
     */
    private suspend fun wrapAndFlush(src: ByteBuffer): Int {
        var taken = 0
        netOut.clear()
        while (true) {
            val result = engine.wrap(src, netOut)
            taken += result.bytesConsumed()
            when (result.status!!) {
                Status.BUFFER_OVERFLOW -> {
                    if (netOut.position() > 0) break
                    netOut = ByteBuffer.allocate(maxOf(engine.session.packetBufferSize, netOut.capacity() * 2))
                    continue
                }
                Status.CLOSED -> {
                    if (netOut.position() == 0 && src.hasRemaining()) throw ClosedChannelException()
                    break
                }
                Status.BUFFER_UNDERFLOW -> error("wrap reported BUFFER_UNDERFLOW")
                Status.OK -> {}
            }
            if (result.handshakeStatus == HandshakeStatus.NEED_TASK) runDelegatedTasks()
            val more = if (src === EMPTY) engine.handshakeStatus == HandshakeStatus.NEED_WRAP else src.hasRemaining()
            if (!more || (result.bytesProduced() == 0 && result.bytesConsumed() == 0)) break
            if (netOut.remaining() < engine.session.packetBufferSize) break
        }
        netOut.flip()
        if (netOut.hasRemaining()) transport.writeFully(netOut)
        return taken
    }

    /**
     * The engine's delegated tasks (certificate checks, key exchange) may block or take
     * milliseconds: they run on [Dispatchers.IO], and the caller resumes on its own dispatcher.
     */
    private suspend fun runDelegatedTasks() {
        withContext(Dispatchers.IO) {
            while (true) (engine.delegatedTask ?: break).run()
        }
    }

    /** Sends close_notify, then shuts the transport's output; reads go on (TLS 1.3 half-close). */
    suspend fun shutdown(how: Shutdown) {
        if (closed.get()) throw ClosedChannelException()
        if (how != Shutdown.READ) {
            writeLock.withLock {
                if (!outputDone) {
                    outputDone = true
                    engine.closeOutbound()
                    closeOnCancel { wrapAndFlush(EMPTY) }
                    transport.shutdown(Shutdown.WRITE)
                }
            }
        }
        if (how != Shutdown.WRITE) {
            readLock.withLock {
                inputDone = true
                transport.shutdown(Shutdown.READ)
            }
        }
    }

    /**
     * Sends close_notify if that can be done at once (the writer is idle and the socket has room,
     * as it nearly always has for these few bytes), then closes the transport. Idempotent.
     */
    fun close() {
        if (!closed.compareAndSet(false, true)) return
        try {
            if (handshaken && !outputDone && writeLock.tryLock()) {
                try {
                    outputDone = true
                    engine.closeOutbound()
                    netOut.clear()
                    engine.wrap(EMPTY, netOut)
                    netOut.flip()
                    transport.writeNow(netOut)
                } finally {
                    writeLock.unlock()
                }
            }
        } catch (_: Exception) {
            // The peer is gone or the socket full: it will see the connection end without close_notify.
        } finally {
            engine.closeOutbound()
            transport.close()
        }
    }

    /** A record half written cannot be taken back: a write cancelled mid-way ends the stream. */
    private inline fun <T> closeOnCancel(block: () -> T): T = try {
        block()
    } catch (e: CancellationException) {
        close()
        throw e
    }

    private companion object {
        val EMPTY: ByteBuffer = ByteBuffer.allocate(0)

        /** How long a failed handshake waits to tell the peer why. */
        val ALERT_TIMEOUT = 1.seconds

        fun emptyReadable(capacity: Int): ByteBuffer = ByteBuffer.allocate(capacity).also { it.flip() }

        fun emptyReadableDirect(capacity: Int): ByteBuffer = ByteBuffer.allocateDirect(capacity).also { it.flip() }
    }
}
