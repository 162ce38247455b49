package io.jmio.examples.chat

import kotlinx.coroutines.CompletableJob
import kotlinx.coroutines.Job
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.channels.ReceiveChannel

/**
 * A chat room's members and the routing of their lines, without I/O: the classic mio tutorial's
 * logic. Each member has a bounded [Member.outbox]; a member whose outbox is full when a line
 * arrives has fallen too far behind: it is removed from the room (and told so, best effort), so
 * one slow client never stalls or bloats the others.
 *
 * Lines are delivered as bytes ending in `\n`. Thread-safe: members may live on different event
 * loops.
 *
 * ```kotlin
 * val room = ChatRoom()
 * val alice = room.join()          // named guest1; everyone else hears "* guest1 joined"
 * room.rename(alice, "alice")
 * room.say(alice, "hello")         // others receive "alice: hello\n"
 * room.leave(alice)
 * ```
 */
class ChatRoom(private val outboxCapacity: Int = DEFAULT_OUTBOX_CAPACITY) {
    private val members = LinkedHashSet<Member>()
    private var guests = 0

    init {
        require(outboxCapacity >= 1) { "outboxCapacity must be at least 1: $outboxCapacity" }
    }

    /** One client in the room; its writer sends what arrives in [outbox] until the outbox closes. */
    class Member internal constructor(name: String, capacity: Int) {
        /** The name others see before this member's lines. */
        @Volatile
        var name: String = name
            internal set

        internal val queue = Channel<ByteArray>(capacity)

        /** Lines for this member, each ending in `\n`; closed when the member leaves or is dropped. */
        val outbox: ReceiveChannel<ByteArray> get() = queue

        /** Set when the room dropped this member for falling behind: what to tell it, if possible. */
        @Volatile
        var dropped: String? = null
            internal set

        internal val dropSignal: CompletableJob = Job()

        /** Completes when the room drops this member: its connection should stop at once. */
        val droppedSignal: Job get() = dropSignal

        override fun toString(): String = "Member($name)"
    }

    /** Adds a member named `guestN`, greets it, and tells the others. */
    fun join(): Member = synchronized(this) {
        var name: String
        do {
            name = "guest${++guests}"
        } while (members.any { it.name == name })
        val member = Member(name, outboxCapacity)
        members += member
        send(member, "* welcome, $name: ${members.size - 1} others here. /nick NAME renames you, /who lists, /quit leaves.")
        broadcast(member, "* $name joined")
        member
    }

    /** Sends `name: text` to every other member. */
    fun say(from: Member, text: String): Unit = synchronized(this) {
        if (from in members) broadcast(from, "${from.name}: $text")
    }

    /** Renames [member]; on a bad or taken name tells it why and changes nothing. */
    fun rename(member: Member, newName: String): Unit = synchronized(this) {
        if (member !in members) return
        val problem = when {
            !NAME.matches(newName) -> "names are 1 to 32 letters, digits, '_', '-' or '.'"
            members.any { it !== member && it.name == newName } -> "$newName is taken"
            else -> null
        }
        if (problem != null) {
            send(member, "* $problem")
            return
        }
        val old = member.name
        member.name = newName
        send(member, "* you are now $newName")
        broadcast(member, "* $old is now $newName")
    }

    /** Tells [member] who is here. */
    fun who(member: Member): Unit = synchronized(this) {
        if (member in members) send(member, "* here: " + members.joinToString(", ") { it.name })
    }

    /** Tells [member] something only it sees. */
    fun tell(member: Member, text: String): Unit = synchronized(this) {
        if (member in members) send(member, "* $text")
    }

    /** Removes [member] (idempotent) and tells the others; its outbox closes after what is queued. */
    fun leave(member: Member): Unit = synchronized(this) {
        if (members.remove(member)) {
            member.queue.close()
            broadcast(null, "* ${member.name} left")
        }
    }

    /** How many members are in the room. */
    val size: Int get() = synchronized(this) { members.size }

    private fun broadcast(except: Member?, line: String) {
        val bytes = (line + "\n").toByteArray()
        val behind = members.filter { it !== except && it.queue.trySend(bytes).isFailure }
        behind.forEach(::drop)
    }

    private fun send(member: Member, line: String) {
        if (member.queue.trySend((line + "\n").toByteArray()).isFailure) drop(member)
    }

    /** A member whose outbox is full: out of the room, with a reason its writer tries to send. */
    private fun drop(member: Member) {
        if (!members.remove(member)) return
        member.dropped = "* disconnected: you fell more than $outboxCapacity lines behind\n"
        member.queue.close()
        member.dropSignal.complete()
        broadcast(null, "* ${member.name} was disconnected (too slow)")
    }

    companion object {
        /** Lines that may wait for one member before it counts as too slow. */
        const val DEFAULT_OUTBOX_CAPACITY: Int = 1024
        private val NAME = Regex("[A-Za-z0-9_.-]{1,32}")
    }
}
