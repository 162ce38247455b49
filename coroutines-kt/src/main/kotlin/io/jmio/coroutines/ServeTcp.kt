package io.jmio.coroutines

import io.jmio.net.TcpSocket
import java.net.InetSocketAddress
import java.net.StandardSocketOptions
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineExceptionHandler
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.Job
import kotlinx.coroutines.cancelChildren
import kotlinx.coroutines.launch
import kotlinx.coroutines.supervisorScope
import java.io.IOException
import java.nio.channels.ClosedChannelException
import kotlin.coroutines.coroutineContext

/** A TCP server started by [serveTcp]: where it listens, and the job that runs it. */
public class TcpServer internal constructor(
    /** The bound address, with the actual port when asked for port 0. */
    public val localAddress: InetSocketAddress,
    /** Cancel it to stop accepting and to cancel every connection's handler. */
    public val job: Job,
)

/**
 * Serves [address] from every loop of [group]: one SO_REUSEPORT listener per loop, so the kernel
 * spreads connections across the loops and each connection stays on the loop that accepted it.
 * [handler] runs in a new coroutine per connection, which is closed when the handler returns.
 *
 * ```kotlin
 * EventLoopGroup(2).use { group ->
 *     runBlocking {
 *         val server = serveTcp(group, InetSocketAddress("127.0.0.1", 0)) { conn ->
 *             val buf = ByteBuffer.allocateDirect(16384)
 *             while (conn.read(buf) >= 0) { buf.flip(); conn.writeFully(buf); buf.clear() }
 *         }
 *         println("listening on ${server.localAddress}")
 *         server.job.join()
 *     }
 * }
 * ```
 *
 * The server's job is a child of this scope (structured concurrency): cancelling either stops the
 * listeners and cancels the handlers. Closing [group] stops the server too, quietly: its job
 * completes without failing this scope. Handlers are supervised: a handler that fails closes its own
 * connection only (an `IOException` silently, as a peer going away is routine; anything else is
 * reported to the `CoroutineExceptionHandler` or the thread's uncaught-exception handler). A
 * failing accept (out of fds: `EMFILE`) is reported the same way and retried every 100 ms, so
 * the server neither spins nor stops, and serves the waiting connections once fds free up.
 *
 * Every connection has TCP_NODELAY set to [noDelay]: on by default, as for every coroutine
 * [TcpStream].
 */
public fun CoroutineScope.serveTcp(
    group: EventLoopGroup,
    address: InetSocketAddress,
    backlog: Int = 1024,
    noDelay: Boolean = true,
    handler: suspend CoroutineScope.(TcpStream) -> Unit,
): TcpServer {
    // Bind every listener here, before any loop runs, so that port 0 resolves once for all of them.
    val listeners = ArrayList<io.jmio.net.TcpListener>(group.size)
    try {
        var bound = address
        repeat(group.size) {
            val listener = TcpSocket.forAddress(bound)
                .setOption(StandardSocketOptions.SO_REUSEPORT, true)
                .bind(bound)
                .listen(backlog)
            listeners.add(listener)
            bound = listener.localAddress()
        }
    } catch (e: Throwable) {
        listeners.forEach { it.close() }
        throw e
    }
    val job = launch {
        listeners.forEachIndexed { i, core ->
            launch(group[i]) {
                TcpListener.adopt(core, group[i], noDelay).use { listener ->
                    // Connections are supervised: one handler's failure ends its connection only.
                    supervisorScope {
                        while (true) {
                            val conn = try {
                                listener.accept()
                            } catch (closed: ClosedChannelException) {
                                // Only closing the group closes our listeners: the server ends, quietly,
                                // and so do its connections, whose loop is gone.
                                coroutineContext.cancelChildren(CancellationException("the server's event loop group was closed"))
                                break
                            } catch (e: IOException) {
                                // Out of fds (EMFILE, ENFILE) or memory: the connection stays queued in
                                // the backlog. Report, pause and retry; retrying at once would spin the
                                // loop, and giving up would end the whole server.
                                reportAcceptError(e)
                                delay(ACCEPT_RETRY_MILLIS)
                                continue
                            }
                            launch {
                                conn.use {
                                    try {
                                        handler(it)
                                    } catch (peerTrouble: IOException) {
                                        // The peer went away or misbehaved: this connection ends, the server goes on.
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    // A listener whose coroutine was cancelled before it started was never adopted: close it here.
    job.invokeOnCompletion { listeners.forEach { it.close() } }
    return TcpServer(listeners[0].localAddress(), job)
}

/** How long [serveTcp] waits before retrying an accept that failed (for example out of fds). */
private const val ACCEPT_RETRY_MILLIS: Long = 100

private suspend fun reportAcceptError(e: IOException) {
    val context = coroutineContext
    val handler = context[CoroutineExceptionHandler]
    if (handler != null) {
        handler.handleException(context, e)
    } else {
        val thread = Thread.currentThread()
        thread.uncaughtExceptionHandler.uncaughtException(thread, e)
    }
}
