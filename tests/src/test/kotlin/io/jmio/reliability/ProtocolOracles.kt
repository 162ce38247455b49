package io.jmio.reliability

/*
 * What the examples' servers must answer to any input, worked out independently of their parsers
 * (regular expressions and straight-line code over the whole input, as if it all arrived and the
 * client then half-closed), so the fuzz test can compare exact reply sequences, not just "did not crash".
 */

/** How a connection ends once the input has been sent. */
enum class End {
    /** The server closes by itself after its last reply (an error, `Connection: close`, QUIT). */
    SERVER_CLOSES,

    /** The input ends inside a request: the server waits for more, and closes when the client half-closes. */
    WAITS,

    /** The oracle stopped modelling (RESP inline quoting): any well-formed replies may follow, then either end. */
    UNKNOWN,
}

/** One reply the server must send. */
class ExpectedReply(val description: String, val matches: (String) -> Boolean, val hasBody: Boolean = true) {
    override fun toString() = description
}

class Expectation(val replies: List<ExpectedReply>, val end: End) {
    override fun toString() = "$replies then $end"
}

private const val CR = '\r'.code.toByte()
private const val LF = '\n'.code.toByte()

/** Bytes as a Latin-1 string: one char per byte, so regular expressions see the bytes as they are. */
fun ByteArray.latin1(from: Int = 0, to: Int = size): String = String(this, from, to - from, Charsets.ISO_8859_1)

/** The HTTP example's rules (see HttpSession's Javadoc and RFC 9112), modelled on a whole input. */
object HttpOracle {
    const val MAX_HEAD = 8 * 1024
    private const val TCHAR = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]"
    private val REQUEST_LINE = Regex("^($TCHAR+) ([\\x21-\\x7e]+) HTTP/([0-9])\\.([0-9])\\r?\\n")
    private val HEADER_LINE = Regex("^($TCHAR+):[ \\t]*([\\t\\x20-\\x7e\\x80-\\xff]*)\\r?\\n")
    private val CONTENT_LENGTH = Regex("[0-9]{1,18}")

    fun expect(input: ByteArray): Expectation {
        val replies = ArrayList<ExpectedReply>()
        var at = 0
        while (true) {
            while (at < input.size && (input[at] == CR || input[at] == LF)) at++
            val end = headEnd(input, at)
            if (end < 0 && input.size - at <= MAX_HEAD) return Expectation(replies, End.WAITS)
            if (end < 0 || end - at > MAX_HEAD) return Expectation(replies + status(431, true), End.SERVER_CLOSES)
            val request = classify(input.latin1(at, end))
            replies += status(request.status, request.fatal || !request.head)
            if (request.fatal || !request.keepAlive || request.expectContinue && request.contentLength > 0) {
                return Expectation(replies, End.SERVER_CLOSES)
            }
            if (end + request.contentLength > input.size) return Expectation(replies, End.WAITS)
            at = (end + request.contentLength).toInt()
        }
    }

    private fun status(code: Int, hasBody: Boolean) = ExpectedReply("$code", { it == code.toString() }, hasBody)

    /** The index after the first blank line (LF LF or LF CR LF) from [from], or -1. */
    private fun headEnd(input: ByteArray, from: Int): Int {
        for (i in from until input.size - 1) {
            if (input[i] != LF) continue
            if (input[i + 1] == LF) return i + 2
            if (input[i + 1] == CR && i + 2 < input.size && input[i + 2] == LF) return i + 3
        }
        return -1
    }

    private class Request(
        val status: Int,
        val fatal: Boolean,
        val head: Boolean = false,
        val keepAlive: Boolean = false,
        val contentLength: Long = 0,
        val expectContinue: Boolean = false,
    )

    private fun bad(status: Int) = Request(status, fatal = true)

    private fun classify(head: String): Request {
        val line = REQUEST_LINE.find(head) ?: return bad(400)
        val (method, target, major, minor) = line.destructured
        if (major != "1") return bad(505)
        val http10 = minor == "0"
        var rest = head.substring(line.range.last + 1)
        var hosts = 0
        var contentLength: Long? = null
        var chunked = false
        var expectContinue = false
        var close = false
        var keepAlive = false
        while (!(rest.startsWith("\n") || rest.startsWith("\r\n"))) {
            val header = HEADER_LINE.find(rest) ?: return bad(400)
            val name = header.groupValues[1].lowercase()
            val value = header.groupValues[2].trimEnd(' ', '\t')
            when (name) {
                "host" -> hosts++
                "expect" -> expectContinue = value.equals("100-continue", ignoreCase = true)
                "connection" -> value.split(',', ' ', '\t').forEach {
                    if (it.equals("close", ignoreCase = true)) close = true
                    if (it.equals("keep-alive", ignoreCase = true)) keepAlive = true
                }
                // One length only: a second, even an equal one, is refused (RFC 9112 6.3).
                "content-length" -> {
                    if (contentLength != null || !CONTENT_LENGTH.matches(value)) return bad(400)
                    contentLength = value.toLong()
                }
                "transfer-encoding" -> chunked = true
            }
            rest = rest.substring(header.range.last + 1)
        }
        if (chunked) return bad(501)
        if (hosts > 1 || hosts == 0 && !http10) return bad(400)
        val root = target == "/" || target.startsWith("/?")
        val status = when {
            !root -> 404
            method == "GET" || method == "HEAD" -> 200
            else -> 405
        }
        return Request(
            status, fatal = false, head = method == "HEAD",
            keepAlive = if (http10) keepAlive && !close else !close,
            contentLength = contentLength ?: 0, expectContinue = expectContinue,
        )
    }
}

/** The KV example's RESP2 framing (as Redis's), modelled on a whole input; commands only coarsely. */
class RespOracle(private val maxBulk: Long) {
    companion object {
        const val MAX_LINE = 64 * 1024
        const val MAX_ARGS = 1024 * 1024
        private val STRICT_INTEGER = Regex("0|-?[1-9][0-9]*")

        val PROTOCOL_ERROR = ExpectedReply("-ERR Protocol error", { it.startsWith("-ERR Protocol error: ") })
        private val ANY_NON_FATAL = ExpectedReply("a reply", { !it.startsWith("-ERR Protocol error") })

        private fun exact(reply: String) = ExpectedReply(reply.trimEnd(), { it == reply })
    }

    private class Failed : Exception()

    private var input = ByteArray(0)

    /** Values SET by earlier requests of this input, so a GET has an exact answer. */
    private val values = HashMap<String, String>()

    fun expect(bytes: ByteArray): Expectation {
        input = bytes
        values.clear()
        val replies = ArrayList<ExpectedReply>()
        var at = 0
        try {
            while (true) {
                if (at == input.size) return Expectation(replies, End.WAITS)
                val args = ArrayList<String>()
                at = (if (input[at] == '*'.code.toByte()) multibulk(at, args) else inline(at, args) ?: return Expectation(replies, End.UNKNOWN))
                if (at < 0) return Expectation(replies, End.WAITS)
                if (args.isEmpty()) continue
                replies += replyTo(args)
                if (args[0].equals("QUIT", ignoreCase = true)) return Expectation(replies, End.SERVER_CLOSES)
            }
        } catch (protocolError: Failed) {
            return Expectation(replies + PROTOCOL_ERROR, End.SERVER_CLOSES)
        }
    }

    private fun replyTo(args: List<String>): ExpectedReply {
        val command = args[0].uppercase()
        return when {
            command == "PING" && args.size == 1 -> exact("+PONG\r\n")
            command == "SET" && args.size == 3 -> {
                values[args[1]] = args[2]
                exact("+OK\r\n")
            }
            command == "GET" && args.size == 2 && args[1] in values -> {
                val value = values.getValue(args[1])
                exact("\$${value.length}\r\n$value\r\n")
            }
            else -> {
                // Other commands (which may change any key), or keys this input did not set: the
                // store's state decides the reply.
                values.clear()
                ANY_NON_FATAL
            }
        }
    }

    /** The index after a multibulk request at [at] (its arguments into [args]), or -1 if incomplete. */
    private fun multibulk(at: Int, args: MutableList<String>): Int {
        val countEnd = lineEnd(at)
        if (countEnd < 0) return -1
        val count = integer(at + 1, countEnd)
        if (count > MAX_ARGS) throw Failed()
        var p = countEnd + 2
        for (arg in 0 until count) {
            if (p >= input.size) return -1
            if (input[p] != '$'.code.toByte()) throw Failed()
            val lengthEnd = lineEnd(p)
            if (lengthEnd < 0) return -1
            val length = integer(p + 1, lengthEnd)
            if (length < 0 || length > maxBulk) throw Failed()
            val data = lengthEnd + 2L
            if (data + length + 2 > input.size) return -1
            val dataEnd = (data + length).toInt()
            if (input[dataEnd] != CR || input[dataEnd + 1] != LF) throw Failed()
            args += input.latin1(data.toInt(), dataEnd)
            p = dataEnd + 2
        }
        return p
    }

    /** The CR ending the line at [from] (which must be followed by LF), or -1 if it has not arrived. */
    private fun lineEnd(from: Int): Int {
        val scanEnd = minOf(input.size.toLong(), from + MAX_LINE.toLong()).toInt()
        for (i in from until scanEnd) {
            if (input[i] != CR) continue
            if (i + 1 == input.size) return -1
            if (input[i + 1] != LF) throw Failed()
            return i
        }
        if (scanEnd - from >= MAX_LINE) throw Failed()
        return -1
    }

    private fun integer(from: Int, to: Int): Long {
        val text = input.latin1(from, to)
        if (!STRICT_INTEGER.matches(text)) throw Failed()
        return text.toLongOrNull() ?: throw Failed()
    }

    /**
     * The index after an inline request at [at], -1 if its line has not ended, or null when it
     * uses quotes or escapes, which this oracle does not model.
     */
    private fun inline(at: Int, args: MutableList<String>): Int? {
        val scanEnd = minOf(input.size, at + MAX_LINE)
        val newline = (at until scanEnd).firstOrNull { input[it] == LF }
        if (newline == null) {
            if (scanEnd - at >= MAX_LINE) throw Failed()
            return -1
        }
        val line = input.latin1(at, newline)
        if (line.any { it == '"' || it == '\'' }) return null
        args += line.split(' ', '\t', '\r').filter { it.isNotEmpty() }
        return newline + 1
    }
}
