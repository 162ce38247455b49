package io.jmio.coroutines.tls

import io.jmio.coroutines.SuspendingRawSink
import io.jmio.coroutines.SuspendingRawSource
import io.jmio.coroutines.TcpStream
import io.jmio.coroutines.UnixStream
import io.jmio.net.Shutdown
import java.nio.ByteBuffer

/** The byte stream a [TlsStream] carries its records over: what TCP and Unix streams share. */
internal interface TlsTransport : SuspendingRawSource, SuspendingRawSink {
    /** One non-blocking write (maybe of nothing), for the close_notify that [TlsStream.close] sends without suspending. */
    fun writeNow(src: ByteBuffer): Int

    fun shutdown(how: Shutdown)
}

internal fun TcpStream.asTlsTransport(): TlsTransport = tlsTransport(socket::write, this::shutdown)

internal fun UnixStream.asTlsTransport(): TlsTransport = tlsTransport(socket::write, this::shutdown)

/** A stream's reads and writes as they are, with its own non-blocking write and shutdown. */
private fun <S> S.tlsTransport(write: (ByteBuffer) -> Int, shutdownStream: (Shutdown) -> Unit): TlsTransport
    where S : SuspendingRawSource, S : SuspendingRawSink {
    val stream = this
    return object : TlsTransport, SuspendingRawSource by stream, SuspendingRawSink by stream {
        override fun writeNow(src: ByteBuffer): Int = write(src)

        override fun shutdown(how: Shutdown) = shutdownStream(how)

        override fun close() = stream.close()

        override fun toString(): String = stream.toString()
    }
}
