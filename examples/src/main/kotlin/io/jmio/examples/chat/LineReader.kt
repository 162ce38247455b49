package io.jmio.examples.chat

import io.jmio.coroutines.TcpStream
import java.io.IOException
import java.nio.ByteBuffer

/** A line longer than the reader accepts; the connection cannot be trusted to resynchronise. */
class LineTooLongException(maxLength: Int) : IOException("line longer than $maxLength bytes")

/**
 * Reads `\n`-terminated lines (a trailing `\r` dropped) from [stream] through one fixed buffer, so a
 * client cannot make the server hold more than [maxLength] bytes for it.
 */
class LineReader(private val stream: TcpStream, private val maxLength: Int = 1024) {
    private val buffer: ByteBuffer = ByteBuffer.allocateDirect(maxLength + 1).flip()
    private var scanned = 0

    /**
     * The next line, without its line break; at end of stream, a last unterminated line, then null.
     *
     * @throws LineTooLongException if [maxLength] bytes arrive without a line break
     */
    suspend fun readLine(): String? {
        while (true) {
            val start = buffer.position()
            for (i in start + scanned until buffer.limit()) {
                if (buffer.get(i) == '\n'.code.toByte()) {
                    scanned = 0
                    buffer.position(i + 1)
                    val end = if (i > start && buffer.get(i - 1) == '\r'.code.toByte()) i - 1 else i
                    return text(start, end)
                }
            }
            scanned = buffer.remaining()
            if (scanned > maxLength) throw LineTooLongException(maxLength)
            buffer.compact()
            val n = try {
                stream.read(buffer)
            } finally {
                buffer.flip()
            }
            if (n < 0) {
                if (!buffer.hasRemaining()) return null
                scanned = 0
                return text(buffer.position(), buffer.limit()).also { buffer.position(buffer.limit()) }
            }
        }
    }

    private fun text(start: Int, end: Int): String {
        val bytes = ByteArray(end - start)
        buffer.get(start, bytes)
        return String(bytes, Charsets.UTF_8)
    }
}
