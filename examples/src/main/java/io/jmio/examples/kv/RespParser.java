package io.jmio.examples.kv;

import java.nio.ByteBuffer;

/**
 * Reads RESP2 requests in place: multibulk ({@code *2\r\n$3\r\nGET\r\n$1\r\nk\r\n}, what clients
 * send) and inline ({@code GET k\r\n}, what people type into telnet), into a {@link Request} whose
 * arguments are slices of the input buffer.
 *
 * <p>Limits, as Redis's: a bulk argument over {@code maxBulk} bytes, more than {@code maxArgs}
 * arguments, or an inline line or length line over 64 KiB is a protocol error; so is anything
 * malformed. After one the connection's framing is lost, so the server replies and closes it.
 */
final class RespParser {
    /** The longest inline request or length line, as Redis's PROTO_INLINE_MAX_SIZE. */
    static final int MAX_LINE = 64 * 1024;

    private final long maxBulk;
    private final int maxArgs;
    /** How many bytes, from the buffer's position, the pending request needs at least. */
    private long needed;
    /**
     * A multibulk request that has partly arrived: its count (-1: none), how many of its arguments
     * were parsed and where the next one starts, relative to the request's start. The next call
     * goes on from there: parsing from the start on every read made a request of many arguments
     * cost time quadratic in its length (1M arguments arriving 64 KiB at a time: minutes, under the
     * store's lock).
     */
    private long pendingCount = -1;
    private int pendingArgs;
    private int pendingNext;

    RespParser(long maxBulk, int maxArgs) {
        this.maxBulk = maxBulk;
        this.maxArgs = maxArgs;
    }

    /**
     * Parses the request at {@code in}'s position into {@code request} and advances past it, or
     * returns false (leaving {@code in} alone) if it has not fully arrived; then
     * {@link #bytesNeeded()} tells how much of it must be buffered at least. A request with no
     * arguments (an empty line, {@code *0}) parses to a count of 0.
     *
     * @throws RespError a fatal protocol error if the request is malformed or over a limit
     */
    boolean parse(ByteBuffer in, Request request) {
        request.buffer = in;
        request.count = 0;
        int start = in.position();
        if (start == in.limit()) {
            needed = 1;
            return false;
        }
        int end = in.get(start) == '*' ? parseMultibulk(in, start, request) : parseInline(in, start, request);
        if (end < 0) {
            request.count = 0;
            return false;
        }
        in.position(end);
        return true;
    }

    /** After {@link #parse} returned false: the pending request's length as far as it is known. */
    long bytesNeeded() {
        return needed;
    }

    private int parseMultibulk(ByteBuffer in, int start, Request request) {
        long count;
        int at;
        int lineEnd;
        if (pendingCount >= 0) {
            count = pendingCount;
            at = start + pendingNext;
            request.resume(pendingArgs, start);
            pendingCount = -1;
        } else {
            lineEnd = findLineEnd(in, start, "too big mbulk count string");
            if (lineEnd < 0) {
                return -1;
            }
            count = parseLength(in, start + 1, lineEnd, "invalid multibulk length");
            if (count > maxArgs) {
                throw RespError.protocol("invalid multibulk length");
            }
            at = lineEnd + 2;
        }
        for (long arg = request.count; arg < count; arg++) {
            if (at >= in.limit()) {
                needMore(start, at + 1L);
                return suspend(start, at, count, request);
            }
            if (in.get(at) != '$') {
                throw RespError.protocol("expected '$', got '" + (char) (in.get(at) & 0xff) + "'");
            }
            lineEnd = findLineEnd(in, at, "too big bulk count string");
            if (lineEnd < 0) {
                return suspend(start, at, count, request);
            }
            long length = parseLength(in, at + 1, lineEnd, "invalid bulk length");
            if (length < 0 || length > maxBulk) {
                throw RespError.protocol("invalid bulk length");
            }
            long data = lineEnd + 2;
            if (data + length + 2 > in.limit()) {
                needMore(start, data + length + 2);
                return suspend(start, at, count, request);
            }
            int dataEnd = (int) (data + length);
            if (in.get(dataEnd) != '\r' || in.get(dataEnd + 1) != '\n') {
                throw RespError.protocol("expected CRLF after bulk data");
            }
            request.add((int) data, (int) length);
            at = dataEnd + 2;
        }
        return at;
    }

    /** Remembers how far the multibulk request at {@code start} got: the argument at {@code next} is incomplete. */
    private int suspend(int start, int next, long count, Request request) {
        pendingArgs = request.count;
        request.suspend(start);
        pendingNext = next - start;
        pendingCount = count;
        return -1;
    }

    /** A line's '\r' index, or -1 (with {@link #needed} set) if the line is not complete yet. */
    private int findLineEnd(ByteBuffer in, int from, String tooBig) {
        int limit = in.limit();
        int scanEnd = (int) Math.min(limit, (long) from + MAX_LINE);
        for (int i = from; i < scanEnd; i++) {
            if (in.get(i) == '\r') {
                if (i + 1 == limit) {
                    needMore(in.position(), i + 2L);
                    return -1;
                }
                if (in.get(i + 1) != '\n') {
                    throw RespError.protocol("expected '\\n' after '\\r'");
                }
                return i;
            }
        }
        if (scanEnd - from >= MAX_LINE) {
            throw RespError.protocol(tooBig);
        }
        needMore(in.position(), limit + 1L);
        return -1;
    }

    /** A {@code *N} or {@code $N} length: decimal, possibly negative; anything else is an error. */
    private static long parseLength(ByteBuffer in, int from, int to, String error) {
        try {
            return Integers.parse(in, from, to - from);
        } catch (RespError notANumber) {
            throw RespError.protocol(error);
        }
    }

    private int needMore(int start, long end) {
        needed = end - start;
        return -1;
    }

    /**
     * A line of space-separated words; double quotes allow escapes and spaces, single quotes
     * allow spaces. Unquoting is done in place: an unquoted word is never longer than its source.
     */
    private int parseInline(ByteBuffer in, int start, Request request) {
        int limit = in.limit();
        int newline = -1;
        int scanEnd = Math.min(limit, start + MAX_LINE);
        for (int i = start; i < scanEnd; i++) {
            if (in.get(i) == '\n') {
                newline = i;
                break;
            }
        }
        if (newline < 0) {
            if (scanEnd - start >= MAX_LINE) {
                throw RespError.protocol("too big inline request");
            }
            return needMore(start, limit + 1L);
        }
        int end = newline > start && in.get(newline - 1) == '\r' ? newline - 1 : newline;
        int i = start;
        while (true) {
            while (i < end && isSpace(in.get(i))) {
                i++;
            }
            if (i == end) {
                return newline + 1;
            }
            if (request.count == maxArgs) {
                throw RespError.protocol("invalid multibulk length");
            }
            i = splitWord(in, i, end, request);
        }
    }

    /** Reads one word at {@code i}, unquoting it in place; returns the index after it. */
    private static int splitWord(ByteBuffer in, int i, int end, Request request) {
        int out = i;
        int wordStart = i;
        byte quote = 0;
        while (i < end) {
            byte b = in.get(i);
            if (quote == 0) {
                if (isSpace(b)) {
                    break;
                }
                if (b == '"' || b == '\'') {
                    quote = b;
                } else {
                    in.put(out++, b);
                }
                i++;
            } else if (b == quote) {
                // A closing quote must end the word (as redis-cli's sdssplitargs requires).
                if (i + 1 < end && !isSpace(in.get(i + 1))) {
                    throw RespError.protocol("unbalanced quotes in request");
                }
                quote = 0;
                i++;
                break;
            } else if (b == '\\' && i + 1 < end && (quote == '"' || in.get(i + 1) == '\'')) {
                i = unescape(in, i, end, quote, out);
                out++;
            } else {
                in.put(out++, b);
                i++;
            }
        }
        if (quote != 0) {
            throw RespError.protocol("unbalanced quotes in request");
        }
        request.add(wordStart, out - wordStart);
        return i;
    }

    /** Writes the escape at {@code i} (a backslash) as one byte at {@code out}; returns the index after it. */
    private static int unescape(ByteBuffer in, int i, int end, byte quote, int out) {
        byte next = in.get(i + 1);
        if (quote == '"' && next == 'x' && i + 3 < end && hex(in.get(i + 2)) >= 0 && hex(in.get(i + 3)) >= 0) {
            in.put(out, (byte) (hex(in.get(i + 2)) * 16 + hex(in.get(i + 3))));
            return i + 4;
        }
        byte value;
        switch (next) {
            case 'n': value = quote == '"' ? (byte) '\n' : next; break;
            case 'r': value = quote == '"' ? (byte) '\r' : next; break;
            case 't': value = quote == '"' ? (byte) '\t' : next; break;
            case 'b': value = quote == '"' ? (byte) '\b' : next; break;
            case 'a': value = quote == '"' ? (byte) 7 : next; break;
            default: value = next;
        }
        in.put(out, value);
        return i + 2;
    }

    private static int hex(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        if (b >= 'a' && b <= 'f') {
            return b - 'a' + 10;
        }
        return b >= 'A' && b <= 'F' ? b - 'A' + 10 : -1;
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\r';
    }
}
