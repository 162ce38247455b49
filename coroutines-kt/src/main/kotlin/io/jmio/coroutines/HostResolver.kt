package io.jmio.coroutines

import java.net.InetAddress
import java.util.concurrent.CompletableFuture
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.asExecutor
import kotlinx.coroutines.future.await

/**
 * Turns a host name into the addresses [TcpStream.connect] tries. Plug in your own (a DNS client,
 * a fixed table in tests) where the JDK's lookup does not fit:
 *
 * ```kotlin
 * val pinned = HostResolver { host ->
 *     if (host == "db.internal") listOf(InetAddress.getByName("10.0.0.7")) else HostResolver.SYSTEM.resolve(host)
 * }
 * TcpStream.connect("db.internal", 5432, resolver = pinned)
 * ```
 *
 * [resolve] may be called from an event loop's thread: it must suspend rather than block, and
 * should return promptly when its caller is cancelled (a connect timeout cancels it).
 */
public fun interface HostResolver {
    /**
     * The addresses of [host], best first; the order of each family is kept and the families
     * alternate, starting with the first address's (RFC 8305). An IP literal is passed here as
     * well. An empty list means that the host does not exist, as does
     * [java.net.UnknownHostException].
     */
    public suspend fun resolve(host: String): List<InetAddress>

    public companion object {
        /**
         * The JDK's resolver: `InetAddress.getAllByName` (hosts file, then DNS, through the JDK's
         * cache; an IP literal is parsed without a lookup), which blocks, so it runs on
         * `Dispatchers.IO`. Cancelling the caller returns at once; the lookup, which cannot be
         * interrupted, finishes in the background and its answer is dropped.
         */
        public val SYSTEM: HostResolver = HostResolver { host ->
            CompletableFuture.supplyAsync({ InetAddress.getAllByName(host).asList() }, Dispatchers.IO.asExecutor()).await()
        }
    }
}
