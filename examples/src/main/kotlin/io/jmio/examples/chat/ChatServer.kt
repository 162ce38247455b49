package io.jmio.examples.chat

import io.jmio.coroutines.StreamReader
import io.jmio.coroutines.TcpStream
import io.jmio.coroutines.TooLongFrameException
import io.jmio.coroutines.reader
import io.jmio.coroutines.writer
import io.jmio.examples.server.CoroutineServer
import io.jmio.examples.server.shutdownAndDrain
import java.net.InetSocketAddress
import java.net.SocketTimeoutException
import java.nio.ByteBuffer
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.cancel
import kotlinx.coroutines.channels.ReceiveChannel
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.coroutines.yield

/**
 * The chat server: every connection is a member of one [ChatRoom]. Per connection, one coroutine
 * reads lines and acts on them, another writes the member's outbox. A member that falls behind is
 * dropped by the room, which cancels both at once.
 *
 * Try it: `java -jar jmio-examples.jar chat --port 7001`, then `socat - TCP:127.0.0.1:7001` in
 * two terminals.
 */
object ChatServer {
    /** The longest line a client may send. */
    const val MAX_LINE = 1024

    /** How long a write of queued lines may take before the client counts as gone. */
    private const val WRITE_TIMEOUT_MILLIS = 30_000L

    fun start(
        address: InetSocketAddress,
        threads: Int,
        room: ChatRoom = ChatRoom(),
    ): CoroutineServer = CoroutineServer.start(address, threads) { conn -> serve(conn, room) }

    private suspend fun serve(conn: TcpStream, room: ChatRoom) {
        val member = room.join()
        try {
            coroutineScope {
                member.droppedSignal.invokeOnCompletion { cancel("dropped") }
                launch { writeOutbox(conn, member.outbox) }
                readCommands(conn.reader(), room, member)
                room.leave(member) // the writer sends what is queued, then the connection closes
            }
            conn.shutdownAndDrain(ByteBuffer.allocate(MAX_LINE))
        } catch (cancelled: CancellationException) {
            member.dropped?.let { goodbye ->
                // Best effort: its socket buffer is probably full, which is why it was dropped.
                withContext(NonCancellable) { withTimeoutOrNull(500) { conn.write(ByteBuffer.wrap(goodbye.toByteArray())) } }
            }
            throw cancelled
        } finally {
            room.leave(member)
        }
    }

    private suspend fun readCommands(lines: StreamReader, room: ChatRoom, member: ChatRoom.Member) {
        try {
            while (true) {
                val line = lines.readLine(limit = MAX_LINE) ?: return
                when {
                    line.isBlank() -> {}
                    line == "/quit" -> {
                        room.tell(member, "bye")
                        return
                    }
                    line == "/who" -> room.who(member)
                    line.startsWith("/nick ") -> room.rename(member, line.removePrefix("/nick ").trim())
                    line.startsWith("/") ->
                        room.tell(member, "unknown command ${line.substringBefore(' ')}; try /nick NAME, /who or /quit")
                    else -> room.say(member, line)
                }
                // Each line fans out to every member: let their writers run before the next one,
                // or a client that sends without pause would fill every outbox and starve the loop.
                yield()
            }
        } catch (e: TooLongFrameException) {
            room.tell(member, "lines are at most $MAX_LINE bytes; bye")
        }
    }

    /** Sends queued lines, all that are queued in one flush, until the outbox closes. */
    private suspend fun writeOutbox(conn: TcpStream, outbox: ReceiveChannel<ByteArray>) {
        val output = conn.writer(flushThreshold = 16 * 1024)
        while (true) {
            val first = outbox.receiveCatching().getOrNull() ?: return
            withTimeoutOrNull(WRITE_TIMEOUT_MILLIS) {
                var next: ByteArray? = first
                while (next != null) {
                    output.write(next) // past the threshold, a write flushes by itself
                    next = outbox.tryReceive().getOrNull()
                }
                output.flush()
            } ?: throw SocketTimeoutException("no progress writing to the client for $WRITE_TIMEOUT_MILLIS ms")
        }
    }
}
