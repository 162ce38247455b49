package io.jmio.coroutines.internal

import io.jmio.Event
import io.jmio.Interest
import io.jmio.ReadyHandler
import io.jmio.Registration
import io.jmio.Source
import io.jmio.coroutines.EventLoopDispatcher
import java.io.IOException

/** Operations a parked [IoDirection] asks the loop thread to perform. */
internal const val OP_READY = 0
internal const val OP_READ = 1
internal const val OP_WRITE = 2
internal const val OP_READ_VECTOR = 3
internal const val OP_WRITE_VECTOR = 4

/**
 * A socket's single registration with its event loop, for both directions at once (edge-triggered),
 * and the two [IoDirection]s its events feed. [source] and [owned] are the same core socket, seen
 * as what is registered and what is closed. Internal.
 */
internal class SocketIo(
    private val dispatcher: EventLoopDispatcher,
    source: Source,
    private val owned: AutoCloseable,
    interest: Interest,
    attempt: IoAttempt,
) : ReadyHandler {
    val read = IoDirection(attempt, "read", dispatcher)
    val write = IoDirection(attempt, "write", dispatcher)
    private val registration: Registration = dispatcher.loop.register(source, interest, this)

    init {
        dispatcher.track(this)
    }

    override fun ready(registration: Registration, event: Event) {
        dispatcher.refillIoBudget()
        // Before onReady publishes the edge. Urgent data (a priority event, only for sources that
        // asked for Interest.PRIORITY) stops a read short at its mark with more queued behind it:
        // from then on a short read proves nothing, as after a hang-up. Sticky, never cleared, so
        // no urgent byte can arrive between a clear and the read that would have needed it.
        if (!event.shortReadDrains()) read.hungUp = true
        if (event.isReadable || event.isReadClosed || event.isError) read.onReady()
        if (event.isWritable || event.isWriteClosed || event.isError) write.onReady()
    }

    /** Deregisters, closes the socket, and fails any parked waiter. Idempotent; any thread. */
    fun close() {
        try {
            registration.deregister()
        } catch (_: IOException) {
            // The loop's poll is closed already: the kernel dropped the registration with it.
        }
        owned.close()
        read.close()
        write.close()
        dispatcher.untrack(this)
    }
}
