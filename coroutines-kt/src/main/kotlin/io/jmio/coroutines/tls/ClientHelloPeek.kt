package io.jmio.coroutines.tls

import java.nio.BufferUnderflowException
import java.nio.ByteBuffer
import javax.net.ssl.SSLHandshakeException

/** A record header, and the most a ClientHello record may hold (2^14 bytes, RFC 8446 5.1). */
private const val HEADER = 5
private const val MAX_RECORD = 16384

/**
 * Reads the client's first record (its ClientHello) from [transport], for a server that picks its
 * `SSLContext` by the name the client asks for: the bytes read, to be handed to the engine. Stops
 * at a header no ClientHello has, leaving the engine to refuse it.
 */
internal suspend fun readFirstRecord(transport: TlsTransport): ByteBuffer {
    val buf = ByteBuffer.allocate(HEADER + MAX_RECORD)
    var wanted = HEADER
    while (buf.position() < wanted) {
        buf.limit(wanted)
        if (transport.read(buf) < 0) throw SSLHandshakeException("the peer closed the connection before its ClientHello")
        if (wanted == HEADER && buf.position() >= HEADER) {
            val length = buf.getShort(3).toInt() and 0xffff
            if (buf.get(0).toInt() != 22 || length > MAX_RECORD) break
            wanted = HEADER + length
        }
    }
    return buf.flip()
}

/**
 * The host name in the server_name extension (RFC 6066 section 3) of the ClientHello that starts
 * [record], or null if there is none, or the record is no ClientHello, or it does not parse.
 */
internal fun serverNameOf(record: ByteBuffer): String? = try {
    val b = record.duplicate()
    if (b.get().toInt() != 22) return null // a handshake record
    b.skip(2) // legacy record version
    val recordLength = b.short.toInt() and 0xffff
    b.limit(minOf(b.limit(), b.position() + recordLength))
    if (b.get().toInt() != 1) return null // client_hello
    b.skip(3 + 2 + 32) // message length, legacy version, random
    b.skip(b.get().toInt() and 0xff) // legacy session id
    b.skip(b.short.toInt() and 0xffff) // cipher suites
    b.skip(b.get().toInt() and 0xff) // compression methods
    val extensionsEnd = (b.short.toInt() and 0xffff) + b.position()
    var name: String? = null
    while (name == null && b.position() + 4 <= extensionsEnd) {
        val type = b.short.toInt() and 0xffff
        val length = b.short.toInt() and 0xffff
        if (type != 0) {
            b.skip(length)
            continue
        }
        val listEnd = (b.short.toInt() and 0xffff) + b.position()
        while (b.position() + 3 <= listEnd) {
            val nameType = b.get().toInt()
            val bytes = ByteArray(b.short.toInt() and 0xffff).also { b.get(it) }
            if (nameType == 0) {
                name = String(bytes, Charsets.US_ASCII)
                break
            }
        }
        break
    }
    name
} catch (malformed: BufferUnderflowException) {
    null
} catch (malformed: IllegalArgumentException) {
    null
}

private fun ByteBuffer.skip(n: Int) {
    position(position() + n)
}
