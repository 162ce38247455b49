package io.jmio.examples.chat

import io.jmio.examples.LOOPBACK_ANY
import io.jmio.examples.LineClient
import io.jmio.examples.connect
import io.jmio.examples.hostPort
import io.jmio.examples.withServer
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldStartWith
import java.net.Socket
import kotlin.time.Duration.Companion.seconds

private fun socat(server: java.net.InetSocketAddress) = LineClient("socat", "-t", "5", "-", "TCP:${server.hostPort}")

class ChatExampleTest : FunSpec({
    timeout = 300_000L
    blockingTest = true

    test("socat clients chat: names, /nick, /who, lines to every other client, /quit") {
        withServer({ ChatServer.start(LOOPBACK_ANY, 2) }) { server ->
            socat(server.localAddress()).use { alice ->
                alice.nextLine() shouldStartWith "* welcome, guest1"
                alice.send("/nick alice")
                alice.nextLine() shouldBe "* you are now alice"
                socat(server.localAddress()).use { bob ->
                    bob.nextLine() shouldStartWith "* welcome, guest2: 1 others here."
                    alice.nextLine() shouldBe "* guest2 joined"
                    bob.send("/nick bob")
                    bob.nextLine() shouldBe "* you are now bob"
                    alice.nextLine() shouldBe "* guest2 is now bob"
                    bob.send("hello, alice")
                    alice.nextLine() shouldBe "bob: hello, alice"
                    alice.send("hi bob")
                    bob.nextLine() shouldBe "alice: hi bob"
                    alice.send("/who")
                    alice.nextLine() shouldBe "* here: alice, bob"
                    bob.send("/dance")
                    bob.nextLine() shouldStartWith "* unknown command /dance"
                    bob.send("/quit")
                    bob.nextLine() shouldBe "* bye"
                    bob.awaitExit() shouldBe 0 // the server closed the connection
                    alice.nextLine() shouldBe "* bob left"
                }
            }
        }
    }

    test("a client that stops reading is disconnected with a message, and the others go on") {
        withServer({ ChatServer.start(LOOPBACK_ANY, 1, ChatRoom(outboxCapacity = 64)) }) { server ->
            socat(server.localAddress()).use { reader ->
                reader.nextLine() shouldStartWith "* welcome, guest1"
                // A small receive buffer, never read: it fills quickly.
                Socket().use { slow ->
                    slow.receiveBufferSize = 4096
                    slow.connect(server.localAddress())
                    reader.nextLine() shouldBe "* guest2 joined"
                    connect(server.localAddress()).use { talker ->
                        reader.nextLine() shouldBe "* guest3 joined"
                        // 20 MB in bursts the reader keeps up with: only the slow client falls behind.
                        val line = "x".repeat(1000)
                        var dropNoticed = false
                        for (burst in 0 until 40) {
                            val bytes = (0 until 500).joinToString("") { "${burst * 500 + it} $line\n" }.toByteArray()
                            talker.getOutputStream().write(bytes)
                            val last = burst * 500 + 499
                            reader.awaitLine(60.seconds) {
                                dropNoticed = dropNoticed || it == "* guest2 was disconnected (too slow)"
                                it.startsWith("guest3: $last ")
                            }
                        }
                        dropNoticed shouldBe true
                    }
                    // The slow client finds its connection closed once it reads what was buffered.
                    slow.soTimeout = 20_000
                    val received = slow.getInputStream().readAllBytes().decodeToString()
                    received.lines().last { it.isNotEmpty() }.let { last ->
                        (last.startsWith("guest3: ") || last.startsWith("* disconnected: you fell")) shouldBe true
                    }
                }
            }
        }
    }

    test("a line over the limit ends the connection with a message") {
        withServer({ ChatServer.start(LOOPBACK_ANY, 1) }) { server ->
            connect(server.localAddress()).use { client ->
                client.getOutputStream().write("a".repeat(ChatServer.MAX_LINE + 10).toByteArray())
                val received = client.getInputStream().readAllBytes().decodeToString().lines()
                received[0] shouldStartWith "* welcome"
                received[1] shouldBe "* lines are at most ${ChatServer.MAX_LINE} bytes; bye"
            }
        }
    }
})
