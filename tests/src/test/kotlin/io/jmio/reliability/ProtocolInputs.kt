package io.jmio.reliability

import kotlin.random.Random

/** One bad (or possibly still good) input for a server, with how the client ends after sending it. */
class FuzzInput(
    val kind: String,
    val bytes: ByteArray,
    val clientCloses: Boolean = false,
    /** Where the client splits its writes (each a segment of its own: TCP_NODELAY), so parsers see requests in pieces. */
    val splits: List<Int> = emptyList(),
) {
    override fun toString() =
        "$kind (${bytes.size} bytes${if (clientCloses) ", then the client closes" else ""}${if (splits.isEmpty()) "" else ", written in pieces at $splits"}): " +
            escaped(bytes)

    /** This input, written in pieces at random offsets half of the time. */
    fun inPieces(rng: Random): FuzzInput {
        if (bytes.size < 2 || rng.nextBoolean()) return this
        val splits = (1 until bytes.size).filter { rng.nextInt(maxOf(1, bytes.size / 8)) == 0 }.take(64)
        return FuzzInput(kind, bytes, clientCloses, splits)
    }
}

/** [bytes] printable, shortened in the middle: enough to see the case, and to rebuild it from the seed. */
fun escaped(bytes: ByteArray, max: Int = 240): String {
    fun part(from: Int, to: Int) = buildString {
        for (i in from until to) {
            val c = bytes[i].toInt() and 0xff
            when {
                c == '\r'.code -> append("\\r")
                c == '\n'.code -> append("\\n")
                c == '\\'.code -> append("\\\\")
                c in 0x20..0x7e -> append(c.toChar())
                else -> append("\\x%02x".format(c))
            }
        }
    }
    return if (bytes.size <= max) part(0, bytes.size) else part(0, max / 2) + " ... " + part(bytes.size - max / 2, bytes.size)
}

private fun ascii(text: String) = text.toByteArray(Charsets.ISO_8859_1)

/** Generators of bad input for one protocol: valid requests to cut and mutate, pieces for random input, oversized cases. */
class ProtocolInputs(
    private val valid: List<String>,
    private val pieces: List<String>,
    private val oversized: List<Pair<String, () -> ByteArray>>,
    /** A request start as large as the limits allow, which the server must hold while its client stays. */
    val stalled: String,
) {
    /** Every prefix of the first valid input, then [random] prefixes of the others; some clients close instead of half-closing. */
    fun truncated(rng: Random, random: Int): List<FuzzInput> {
        val first = ascii(valid[0])
        val every = (0 until first.size).map { FuzzInput("truncated at $it", first.copyOf(it), clientCloses = rng.nextInt(4) == 0).inPieces(rng) }
        val others = List(random) {
            val bytes = ascii(valid[rng.nextInt(valid.size)])
            val at = rng.nextInt(bytes.size)
            FuzzInput("truncated at $at", bytes.copyOf(at), clientCloses = rng.nextInt(4) == 0).inPieces(rng)
        }
        return every + others
    }

    fun oversized(): List<FuzzInput> = oversized.map { (kind, make) -> FuzzInput(kind, make()) }

    /** Raw random bytes, or random runs of protocol pieces (which get deeper into the parser). */
    fun random(rng: Random, count: Int): List<FuzzInput> = List(count) {
        if (rng.nextBoolean()) {
            FuzzInput("random bytes", rng.nextBytes(rng.nextInt(1, 1500))).inPieces(rng)
        } else {
            val text = buildString { repeat(rng.nextInt(1, 60)) { append(pieces[rng.nextInt(pieces.size)]) } }
            FuzzInput("random pieces", ascii(text)).inPieces(rng)
        }
    }

    /** A valid input with one to three byte flips, inserted CR/LF/NUL, deletions, replaced digits or repeats. */
    fun mutated(rng: Random, count: Int): List<FuzzInput> = List(count) {
        var bytes = ascii(valid[rng.nextInt(valid.size)])
        val done = ArrayList<String>()
        repeat(rng.nextInt(1, 4)) {
            val at = rng.nextInt(bytes.size)
            when (rng.nextInt(6)) {
                0 -> {
                    bytes[at] = (bytes[at].toInt() xor (1 shl rng.nextInt(8))).toByte()
                    done += "flip@$at"
                }
                1 -> {
                    val b = SPECIAL[rng.nextInt(SPECIAL.size)]
                    bytes = bytes.copyOfRange(0, at) + b + bytes.copyOfRange(at, bytes.size)
                    done += "insert ${escaped(byteArrayOf(b))}@$at"
                }
                2 -> {
                    bytes[at] = SPECIAL[rng.nextInt(SPECIAL.size)]
                    done += "set@$at"
                }
                3 -> {
                    bytes = bytes.copyOfRange(0, at) + bytes.copyOfRange(at + 1, bytes.size)
                    done += "delete@$at"
                }
                4 -> {
                    val digits = bytes.indices.filter { bytes[it] in '0'.code.toByte()..'9'.code.toByte() }
                    val i = if (digits.isEmpty()) at else digits[rng.nextInt(digits.size)]
                    bytes[i] = ascii("0123456789-+ x")[rng.nextInt(14)]
                    done += "digit@$i"
                }
                else -> {
                    val end = minOf(bytes.size, at + rng.nextInt(1, 16))
                    bytes = bytes.copyOfRange(0, end) + bytes.copyOfRange(at, bytes.size)
                    done += "repeat@$at..$end"
                }
            }
            if (bytes.isEmpty()) bytes = ascii("\n")
        }
        FuzzInput("mutated ${done.joinToString(",")}", bytes).inPieces(rng)
    }

    companion object {
        private val SPECIAL = ascii("\r\n\u0000 :\t$*-\u007f") + byteArrayOf(0x80.toByte(), 0xff.toByte())

        private fun repeat(text: String, times: Int) = ascii(text.repeat(times))

        val HTTP = ProtocolInputs(
            valid = listOf(
                "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n",
                "HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET /?q=1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\nHost: a\r\n\r\n",
                "\r\nGET / HTTP/1.1\nHost: a\n\nGET / HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n",
                "PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
                "GET / HTTP/1.1\r\nHost: a\r\nX-Obs: caf\u00e9\r\nAccept: */*\r\n\r\nDELETE / HTTP/1.1\r\nHost: a\r\n\r\n",
            ),
            pieces = listOf(
                "GET", "HEAD", "POST", " ", "/", "/x", "?", "HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "\r\n", "\n", "\r",
                "Host: a", "Host:", "Content-Length: ", "Transfer-Encoding: chunked", "Connection: close",
                "Expect: 100-continue", ": ", "0", "5", "18446744073709551616", "\t", "\u0000", "\u00ff",
            ),
            oversized = listOf(
                "a 2 MiB request line without a line break" to { ascii("GET /") + repeat("a", 2 shl 20) },
                "4 MiB of random bytes without a line feed" to {
                    Random(4).nextBytes(4 shl 20).apply { indices.forEach { if (this[it] == '\n'.code.toByte()) this[it] = 0 } }
                },
                "9 KiB of small headers" to {
                    ascii("GET / HTTP/1.1\r\nHost: a\r\n" + (1..200).joinToString("") { "X-H$it: ${"v".repeat(40)}\r\n" } + "\r\n")
                },
                "one 64 KiB header line" to { ascii("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + "b".repeat(64 shl 10) + "\r\n\r\n") },
                "a head of exactly 8 KiB" to { headOfSize(HttpOracle.MAX_HEAD) },
                "a head one byte over 8 KiB" to { headOfSize(HttpOracle.MAX_HEAD + 1) },
                "an 18-digit Content-Length" to { ascii("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 999999999999999999\r\n\r\nsome") },
                "a 19-digit Content-Length" to { ascii("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9999999999999999999\r\n\r\n") },
                "a zero Content-Length, then another" to { ascii("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\nhello") },
                "1 MiB of blank lines before a request" to { repeat("\r\n", 512 shl 10) + ascii("GET / HTTP/1.1\r\nHost: a\r\n\r\n") },
                "3000 pipelined requests" to { repeat("GET / HTTP/1.1\r\nHost: a\r\n\r\n", 3000) },
            ),
            stalled = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 999999999999999999\r\n\r\n",
        )

        /** A request whose head (through its blank line) is [size] bytes. */
        private fun headOfSize(size: Int): ByteArray {
            val start = "GET / HTTP/1.1\r\nHost: a\r\nX-Pad: "
            return ascii(start + "p".repeat(size - start.length - 4) + "\r\n\r\n")
        }

        private fun command(vararg args: String) = "*${args.size}\r\n" + args.joinToString("") { "\$${it.length}\r\n$it\r\n" }

        val RESP = ProtocolInputs(
            valid = listOf(
                command("SET", "fz:k1", "v1") + command("GET", "fz:k1") + command("PING"),
                command("PING") + "PING\r\nSET fz:k2 hello\r\nGET fz:k2\r\n",
                command("ECHO", "") + "*0\r\n*-1\r\n\r\n" + command("ping"),
                command("SET", "fz:k3", "a\r\nb") + command("GET", "fz:k3") + command("DEL", "fz:k3"),
                "SET fz:k4 \"quoted\\x41\"\r\nGET fz:k4\n" + command("EXISTS", "fz:k4"),
            ),
            pieces = listOf(
                "*", "$", "1", "2", "3", "0", "-1", "-", "\r\n", "\n", "\r", "PING", "SET", "GET", "k", "v",
                " ", "\"", "'", "\\x4", "*1\r\n", "*2\r\n", "$3\r\n", "$4\r\nPING\r\n", "99999999999", "\u0000",
            ),
            oversized = listOf(
                "a bulk length of 999999999999" to { ascii("*2\r\n\$3\r\nGET\r\n\$999999999999\r\n") },
                "a multibulk count of 99999999999" to { ascii("*99999999999\r\n") },
                "a negative multibulk count, then PING" to { ascii("*-5\r\n" + command("PING")) },
                "a bulk length of -1" to { ascii("*1\r\n\$-1\r\n") },
                "a 70000-digit bulk length" to { ascii("*1\r\n\$") + repeat("9", 70_000) },
                "a 1 MiB multibulk count line" to { ascii("*") + repeat("1", 1 shl 20) },
                "a 2 MiB inline line without a line feed" to { repeat("a", 2 shl 20) },
                "a 1 MiB value, stored and read back" to { ascii(command("SET", "fz:big", "x".repeat(1 shl 20)) + command("GET", "fz:big")) },
                "a bulk claiming 500 MiB that never comes" to { ascii("*3\r\n\$3\r\nSET\r\n\$1\r\nk\r\n\$524288000\r\nonly this") },
                "100000 arguments" to { ascii("*100000\r\n") + repeat("\$1\r\na\r\n", 100_000) },
                "3000 pipelined PINGs" to { repeat(command("PING"), 3000) },
            ),
            stalled = "*3\r\n\$3\r\nSET\r\n\$1\r\nk\r\n\$536870000\r\n",
        )
    }
}
