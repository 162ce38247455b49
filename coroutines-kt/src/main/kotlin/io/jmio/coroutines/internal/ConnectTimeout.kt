package io.jmio.coroutines.internal

import java.net.SocketTimeoutException
import kotlin.time.Duration
import kotlinx.coroutines.withTimeoutOrNull

/**
 * Runs [connect] with a deadline of [timeout] ([Duration.INFINITE]: none). On time out, [connect]
 * is cancelled (which closes what it left half-open) and a [SocketTimeoutException] comes out,
 * as from `java.net.Socket.connect`, instead of kotlinx's `TimeoutCancellationException`. A
 * connection that [connect] finished in the same instant as the timer is closed rather than
 * dropped. The timer is the dispatcher's: the loop's own on an `EventLoopDispatcher`.
 *
 * @throws IllegalArgumentException unless [timeout] is positive
 */
internal suspend fun <T : AutoCloseable> withConnectTimeout(timeout: Duration, target: String, connect: suspend () -> T): T {
    require(timeout.isPositive()) { "connect timeout must be positive: $timeout" }
    if (timeout.isInfinite()) return connect()
    var made: T? = null
    // withTimeoutOrNull drops the block's result if its timer fires just as the block returns.
    withTimeoutOrNull(timeout) { connect().also { made = it } }?.let { return it }
    made?.close()
    throw SocketTimeoutException("connect to $target timed out after $timeout")
}
