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

internal fun TcpStream.asTlsTransport(): TlsTransport {
    val stream = this
    return object : TlsTransport, SuspendingRawSource by stream, SuspendingRawSink by stream {
        override fun writeNow(src: ByteBuffer): Int = stream.socket.write(src)

        override fun shutdown(how: Shutdown) = stream.shutdown(how)

        override fun close() = stream.close()

        override fun toString(): String = stream.toString()
    }
}

internal fun UnixStream.asTlsTransport(): TlsTransport {
    val stream = this
    return object : TlsTransport, SuspendingRawSource by stream, SuspendingRawSink by stream {
        override fun writeNow(src: ByteBuffer): Int = stream.socket.write(src)

        override fun shutdown(how: Shutdown) = stream.shutdown(how)

        override fun close() = stream.close()

        override fun toString(): String = stream.toString()
    }
}
