package io.jmio.benchmarks.coroutines

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.cancel
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield

/**
 * Two coroutines on one dispatcher passing a token back and forth over rendezvous channels: every
 * round trip suspends and resumes each side once, through the dispatcher's queue. The benchmark
 * thread only starts a batch and waits for it, so a batch's setup cost is shared by [batch] trips.
 * [yields] and [timeoutScopes] time one coroutine's loop on the same dispatcher.
 */
public class PingPong(private val dispatcher: BenchmarkDispatcher) : AutoCloseable {
    private val scope = CoroutineScope(dispatcher.dispatcher + Job())
    private val ping = Channel<Unit>(Channel.RENDEZVOUS)
    private val pong = Channel<Unit>(Channel.RENDEZVOUS)
    @Volatile private var sink = 0 // keeps timeoutScopes' results alive

    init {
        scope.launch {
            for (token in ping) pong.send(token)
        }
    }

    /** [count] round trips; returns once all are done. */
    public fun roundTrips(count: Int) {
        runBlocking {
            scope.launch {
                repeat(count) {
                    ping.send(Unit)
                    pong.receive()
                }
            }.join()
        }
    }

    /** [count] calls of `yield()` by one coroutine, each a trip through the dispatcher's queue. */
    public fun yields(count: Int) {
        runBlocking {
            scope.launch { repeat(count) { yield() } }.join()
        }
    }

    /**
     * [count] `withTimeout` scopes by one coroutine, each around a call that does not suspend: what
     * kotlinx's timeout scope costs by itself, on this dispatcher's `Delay` (or, for a dispatcher
     * that is not one, kotlinx's default).
     */
    public fun timeoutScopes(count: Int) {
        runBlocking {
            scope.launch {
                var sum = 0
                repeat(count) { i -> sum += withTimeout(10_000) { notSuspending(i) } }
                sink = sum
            }.join()
        }
    }

    private suspend fun notSuspending(i: Int): Int = i and 63

    override fun close() {
        scope.cancel()
        ping.close()
    }
}
