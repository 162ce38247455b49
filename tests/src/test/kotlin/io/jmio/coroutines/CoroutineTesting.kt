package io.jmio.coroutines

import java.io.File
import java.net.InetSocketAddress
import java.nio.ByteBuffer

/**
 * Open sockets and anonymous-inode fds (epoll, eventfd) of this process, as "fd -> target": what
 * these tests create. Files the JVM opens (jars) and pipes of earlier tests' child processes,
 * which the JDK's process reaper closes whenever it gets to them, come and go on their own and
 * are not listed.
 */
internal fun openFds(): Set<String> = File("/proc/self/fd").listFiles()!!.mapNotNull { fd ->
    val target = runCatching { java.nio.file.Files.readSymbolicLink(fd.toPath()).toString() }.getOrNull()
    if (target != null && (target.startsWith("socket:") || target.startsWith("anon_inode:"))) "${fd.name} -> $target" else null
}.toSet()

/**
 * The fds open now that were not in [before]: what a test leaked. A set difference rather than a
 * count, so that an fd some other part of the JVM closes meanwhile cannot hide a leak or fail
 * the test.
 */
internal fun fdsOpenedSince(before: Set<String>): Set<String> = openFds() - before

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

/** A connected loopback pair on the current loop, (client, accepted), both closed after [block]. */
internal suspend fun <T> withConnectedPair(block: suspend (client: TcpStream, conn: TcpStream) -> T): T =
    TcpListener.bind(LOOPBACK_ANY_PORT).use { server ->
        TcpStream.connect(server.localAddress).use { client ->
            server.accept().use { conn -> block(client, conn) }
        }
    }
