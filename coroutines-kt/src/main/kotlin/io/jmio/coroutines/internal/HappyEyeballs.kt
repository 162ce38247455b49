package io.jmio.coroutines.internal

import java.io.IOException
import java.net.ConnectException
import java.net.Inet6Address
import java.net.InetAddress
import java.net.InetSocketAddress
import kotlin.time.Duration
import kotlinx.coroutines.Job
import kotlinx.coroutines.cancelChildren
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch

/**
 * RFC 8305's order: duplicates dropped, each family's order kept, the families alternating and
 * starting with the first address's, so that a broken family costs one attempt delay, not many.
 */
internal fun interleaveFamilies(addresses: List<InetAddress>): List<InetAddress> {
    val distinct = addresses.distinct()
    if (distinct.isEmpty()) return distinct
    val firstIsV6 = distinct[0] is Inet6Address
    val (first, other) = distinct.partition { (it is Inet6Address) == firstIsV6 }
    val order = ArrayList<InetAddress>(distinct.size)
    for (i in 0 until maxOf(first.size, other.size)) {
        if (i < first.size) order += first[i]
        if (i < other.size) order += other[i]
    }
    return order
}

private sealed interface Event<out T>

private class Connected<T : AutoCloseable>(val connection: T) : Event<T>

private class Failed(val target: InetSocketAddress, val error: IOException) : Event<Nothing>

/** The attempt delay of attempt [index] ran out before it finished. */
private class DelayElapsed(val index: Int) : Event<Nothing>

/**
 * Happy Eyeballs v2 (RFC 8305 §5): tries [targets] in order, starting the next attempt when the
 * previous one has run for [attemptDelay] or failed, whichever comes first, and keeps attempts
 * in flight side by side. The first to connect wins; every other one is cancelled, and [attempt]
 * must close its socket on cancellation. A connection that lost the race is closed. Returns
 * only once every attempt has ended, so nothing is left half-open behind the caller, whether it
 * succeeds, fails, or is cancelled.
 *
 * @throws ConnectException naming every target and its error when all fail, each error also
 *     attached as suppressed
 */
internal suspend fun <T : AutoCloseable> raceConnects(
    name: String,
    targets: List<InetSocketAddress>,
    attemptDelay: Duration,
    attempt: suspend (InetSocketAddress) -> T,
): T {
    require(targets.isNotEmpty()) { "no address to connect to" }
    // A connection still queued, or taken by a receive that was cancelled, is closed.
    val events = Channel<Event<T>>(Channel.UNLIMITED) { (it as? Connected<*>)?.connection?.close() }
    try {
        return coroutineScope {
            val failures = ArrayList<Failed>(targets.size)
            var started = 0
            var stagger: Job? = null
            fun startNext() {
                val index = started++
                val target = targets[index]
                launch {
                    val outcome = try {
                        Connected(attempt(target))
                    } catch (e: IOException) {
                        Failed(target, e)
                    }
                    // Never fails: the channel is unbounded and is closed only after every attempt has ended.
                    events.trySend(outcome)
                }
                stagger?.cancel()
                if (started < targets.size) {
                    stagger = launch {
                        delay(attemptDelay)
                        events.trySend(DelayElapsed(index))
                    }
                }
            }
            startNext()
            var winner: T? = null
            while (winner == null) {
                when (val event = events.receive()) {
                    is Connected -> winner = event.connection
                    is Failed -> {
                        failures += event
                        if (started < targets.size) {
                            startNext()
                        } else if (failures.size == targets.size) {
                            throw allFailed(name, failures)
                        }
                    }
                    // Stale if a failure has started the next attempt meanwhile.
                    is DelayElapsed -> if (event.index == started - 1) startNext()
                }
            }
            coroutineContext.cancelChildren() // the losers; the scope waits for them to close
            winner
        }
    } finally {
        events.cancel()
    }
}

private fun allFailed(name: String, failures: List<Failed>): ConnectException {
    val tried = failures.joinToString("; ") { "${describe(it.target)}: ${it.error.message}" }
    val error = ConnectException("connect to $name failed for every address ($tried)")
    failures.forEach { error.addSuppressed(it.error) }
    return error
}

/** "127.0.0.1:80", "[::1]:80". */
internal fun describe(target: InetSocketAddress): String {
    val ip = target.address
    return if (ip is Inet6Address) "[${ip.hostAddress}]:${target.port}" else "${ip.hostAddress}:${target.port}"
}
