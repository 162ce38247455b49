package io.jmio.coroutines

import java.io.File
import java.net.InetSocketAddress
import java.nio.ByteBuffer

/** Open file descriptors of this process, from /proc/self/fd. */
internal fun openFdCount(): Int = File("/proc/self/fd").list()!!.size

internal val LOOPBACK_ANY_PORT = InetSocketAddress("127.0.0.1", 0)

/** A deterministic byte pattern, so a test can check every echoed byte. */
internal fun pattern(seed: Int, size: Int): ByteBuffer {
    val buf = ByteBuffer.allocateDirect(size)
    for (i in 0 until size) buf.put(((seed * 31 + i * 7) and 0xff).toByte())
    buf.flip()
    return buf
}

/** Echoes until end of stream. */
internal suspend fun echo(conn: TcpStream) {
    val buf = ByteBuffer.allocateDirect(16384)
    while (conn.read(buf) >= 0) {
        buf.flip()
        conn.writeFully(buf)
        buf.clear()
    }
}
