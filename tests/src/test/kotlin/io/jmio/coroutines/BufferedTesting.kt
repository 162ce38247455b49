package io.jmio.coroutines

import io.jmio.net.Shutdown
import io.kotest.matchers.shouldBe
import java.nio.ByteBuffer
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout

/**
 * Sends [bytes] over a loopback TCP connection (then end of stream, unless [thenEnd] is false)
 * and runs [block] with a reader on the other end that refills at most [readSize] bytes at a
 * time: with 1, every value and line arrives split byte by byte across refills.
 */
internal suspend fun <T> readingFrom(
    bytes: ByteArray,
    readSize: Int = StreamReader.DEFAULT_IO_SIZE,
    thenEnd: Boolean = true,
    block: suspend (StreamReader) -> T,
): T = withConnectedPair { client, conn ->
    coroutineScope {
        launch {
            client.writeFully(ByteBuffer.wrap(bytes))
            if (thenEnd) client.shutdown(Shutdown.WRITE)
        }
        withTimeout(10_000) { block(conn.reader(readSize)) }
    }
}

internal fun bytesOf(vararg values: Int): ByteArray = ByteArray(values.size) { values[it].toByte() }

/** Reads one of each value, as the reader and writer tests write them (-2, 0x1234 twice, ...). */
internal suspend fun StreamReader.readsEveryValue() {
    readByte() shouldBe (-2).toByte()
    readShort() shouldBe 0x1234.toShort()
    readShortLe() shouldBe 0x1234.toShort()
    readInt() shouldBe -0x789abcdf
    readIntLe() shouldBe 0x01020304
    readLong() shouldBe 0x0102030405060708
    readLongLe() shouldBe -0x0102030405060708
}
