package io.jmio.examples.chat

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.collections.shouldContain
import io.kotest.matchers.collections.shouldContainExactly
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldStartWith

/** Everything queued for [member] so far, as text lines. */
private fun ChatRoom.Member.received(): List<String> {
    val lines = mutableListOf<String>()
    while (true) {
        val line = outbox.tryReceive().getOrNull() ?: return lines
        lines += String(line).removeSuffix("\n")
    }
}

class ChatRoomTest : FunSpec({
    test("a new member is greeted and the others hear it join") {
        val room = ChatRoom()
        val first = room.join()
        first.received().single() shouldStartWith "* welcome, guest1: 0 others here."
        val second = room.join()
        second.received().single() shouldStartWith "* welcome, guest2: 1 others here."
        first.received() shouldContainExactly listOf("* guest2 joined")
    }

    test("a line goes to every other member, prefixed with the sender's name") {
        val room = ChatRoom()
        val (a, b, c) = List(3) { room.join() }
        listOf(a, b, c).forEach { it.received() }
        room.say(a, "hello")
        a.received() shouldBe emptyList()
        b.received() shouldContainExactly listOf("guest1: hello")
        c.received() shouldContainExactly listOf("guest1: hello")
    }

    test("/nick renames, refusing taken and malformed names") {
        val room = ChatRoom()
        val a = room.join()
        val b = room.join()
        a.received(); b.received()
        room.rename(a, "alice")
        a.received() shouldContainExactly listOf("* you are now alice")
        b.received() shouldContainExactly listOf("* guest1 is now alice")
        room.rename(b, "alice")
        b.received() shouldContainExactly listOf("* alice is taken")
        room.rename(b, "two words")
        b.received().single() shouldStartWith "* names are 1 to 32"
        room.say(a, "hi")
        b.received() shouldContainExactly listOf("alice: hi")
    }

    test("leaving closes the outbox after what is queued and tells the others") {
        val room = ChatRoom()
        val a = room.join()
        val b = room.join()
        b.received()
        room.say(a, "last words")
        room.leave(b)
        room.leave(b) // idempotent
        b.received() shouldContainExactly listOf("guest1: last words")
        b.outbox.isClosedForReceive shouldBe true
        a.received().last() shouldBe "* guest2 left"
        room.size shouldBe 1
    }

    test("a member that falls too far behind is dropped, and nobody else is held back") {
        val room = ChatRoom(outboxCapacity = 8)
        val fast = room.join()
        val slow = room.join()
        val talker = room.join()
        val fastReceived = mutableListOf<String>()
        repeat(20) { i ->
            room.say(talker, "line $i")
            fastReceived += fast.received() // the fast member keeps up
        }
        fastReceived.filter { it.startsWith("guest3:") }.size shouldBe 20
        fastReceived shouldContain "* guest2 was disconnected (too slow)"
        room.size shouldBe 2
        slow.dropped!! shouldStartWith "* disconnected: you fell more than 8 lines behind"
        slow.droppedSignal.isCompleted shouldBe true
        slow.received().size shouldBe 8 // what was queued when it fell behind
        slow.outbox.isClosedForReceive shouldBe true
        room.say(talker, "after")
        fast.received() shouldContainExactly listOf("guest3: after")
        talker.received().drop(1) shouldContainExactly listOf("* guest2 was disconnected (too slow)")
    }

    test("names are unique: a guest name taken by /nick is skipped") {
        val room = ChatRoom()
        val a = room.join()
        room.rename(a, "guest2")
        val b = room.join()
        b.name shouldBe "guest3"
    }

    test("/who lists the members") {
        val room = ChatRoom()
        val a = room.join()
        room.join()
        a.received()
        room.who(a)
        a.received() shouldContainExactly listOf("* here: guest1, guest2")
    }
})
