package io.jmio.examples.kv

import io.jmio.coroutines.TcpStream
import io.jmio.examples.server.CoroutineServer
import io.jmio.examples.server.FairShare
import io.jmio.examples.server.shutdownAndDrain
import java.net.InetSocketAddress
import java.nio.ByteBuffer
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.yield

/**
 * An in-memory key-value server speaking RESP2, on coroutines: enough of Redis for redis-cli and
 * redis-benchmark. Each connection is a loop that reads into its [KvSession] and writes back all
 * replies to a batch of pipelined requests at once; connections on every loop share one [Store].
 *
 * Keys with a TTL are removed lazily when read, and actively by a timer on loop 0 that wakes
 * every [EXPIRY_INTERVAL_MILLIS] (a `delay` on the loop's own timer heap).
 *
 * There is no idle timeout (as Redis's default `timeout 0`): a client that stops in the middle of
 * a request keeps its connection, and the part it sent (never more than it sent, at most
 * [KvSession.MAX_REQUEST]), until it closes.
 */
class KvServer(
    private val store: Store = Store(),
    private val maxBulk: Long = KvSession.DEFAULT_MAX_BULK,
) {
    fun start(address: InetSocketAddress, threads: Int): CoroutineServer =
        CoroutineServer.start(address, threads, background = { launch { expireKeys() } }) { conn -> serve(conn) }

    private suspend fun serve(conn: TcpStream) {
        val session = KvSession(store, maxBulk)
        val fairShare = FairShare()
        while (true) {
            val room = session.input().remaining()
            val n = conn.read(session.input())
            if (n < 0) return
            while (true) {
                conn.writeFully(session.process() ?: break)
            }
            if (session.isClosing) {
                conn.shutdownAndDrain(ByteBuffer.allocate(4096))
                return
            }
            if (fairShare.shouldYield(n, room)) yield()
        }
    }

    private suspend fun expireKeys() {
        while (true) {
            delay(EXPIRY_INTERVAL_MILLIS)
            // In slices, so a mass expiry never holds the store (and every client) for long.
            while (synchronized(store) { store.expireDue(EXPIRY_SLICE) } == EXPIRY_SLICE) yield()
        }
    }

    companion object {
        const val EXPIRY_INTERVAL_MILLIS = 100L
        private const val EXPIRY_SLICE = 1_000
    }
}
