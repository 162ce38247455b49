package io.jmio.examples.server

import io.jmio.coroutines.SuspendingRawSink
import io.jmio.coroutines.SuspendingRawSource
import io.jmio.coroutines.TcpStream
import io.jmio.coroutines.tls.TlsStream
import io.jmio.net.Shutdown

/**
 * A connection as a server's handler sees it, plain TCP or TLS, so that one handler serves both
 * (`http` and `http --tls` run the same code). Reads, writes and close behave as [TcpStream]'s;
 * over TLS they carry records and close sends `close_notify`.
 */
interface ServerConnection : SuspendingRawSource, SuspendingRawSink {
    /** Ends what we send (over TLS, `close_notify` first, then the TCP FIN) and keeps reading. */
    suspend fun shutdownOutput()
}

/** This TCP stream as a [ServerConnection]: its own reads and writes; [ServerConnection.shutdownOutput] sends the FIN. */
fun TcpStream.asServerConnection(): ServerConnection = connectionOver(this) { shutdown(Shutdown.WRITE) }

/** This TLS stream as a [ServerConnection]; [ServerConnection.shutdownOutput] sends `close_notify`, then the FIN. */
fun TlsStream.asServerConnection(): ServerConnection = connectionOver(this) { shutdown(Shutdown.WRITE) }

private fun <S> connectionOver(stream: S, endOutput: suspend S.() -> Unit): ServerConnection
    where S : SuspendingRawSource, S : SuspendingRawSink =
    object : ServerConnection, SuspendingRawSource by stream, SuspendingRawSink by stream {
        override suspend fun shutdownOutput() = stream.endOutput()

        override fun close() = stream.close()

        override fun toString() = stream.toString()
    }
