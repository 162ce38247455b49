package io.jmio.examples.kv;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Renders RESP2 replies into one output buffer, so all replies to a batch of pipelined requests
 * go out in one write. The buffer starts direct and small; a reply that does not fit (a large
 * value) grows it, and {@link #shrink()} returns to the small one once it has been written.
 */
final class RespWriter {
    private static final byte[] CRLF = {'\r', '\n'};
    static final byte[] OK = ascii("+OK\r\n");
    static final byte[] PONG = ascii("+PONG\r\n");
    static final byte[] NULL_BULK = ascii("$-1\r\n");
    static final byte[] EMPTY_ARRAY = ascii("*0\r\n");
    static final byte[] ZERO = ascii(":0\r\n");
    static final byte[] ONE = ascii(":1\r\n");

    private final ByteBuffer small;
    private ByteBuffer out;
    private final byte[] digits = new byte[Integers.MAX_DIGITS];

    RespWriter(int capacity) {
        small = ByteBuffer.allocateDirect(capacity);
        out = small;
    }

    /** The replies so far, in write mode: flip it to send them, then {@link #shrink()} or clear it. */
    ByteBuffer buffer() {
        return out;
    }

    /** Empties the buffer, going back to the small direct one if a large reply had grown it. */
    void shrink() {
        out = small;
        out.clear();
    }

    /** How many reply bytes are waiting. */
    int pending() {
        return out.position();
    }

    void raw(byte[] reply) {
        ensure(reply.length).put(reply);
    }

    void simple(String text) {
        ensure(text.length() + 3).put((byte) '+').put(ascii(text)).put(CRLF);
    }

    /** {@code -MESSAGE\r\n}; line breaks in the message become spaces, as Redis does. */
    void error(String message) {
        byte[] bytes = message.replace('\r', ' ').replace('\n', ' ').getBytes(StandardCharsets.UTF_8);
        ensure(bytes.length + 3).put((byte) '-').put(bytes).put(CRLF);
    }

    void integer(long value) {
        if (value == 0 || value == 1) {
            raw(value == 0 ? ZERO : ONE);
            return;
        }
        prefixed((byte) ':', value, 0);
    }

    void arrayHeader(int count) {
        prefixed((byte) '*', count, 0);
    }

    void bulk(byte[] value) {
        if (value == null) {
            raw(NULL_BULK);
            return;
        }
        prefixed((byte) '$', value.length, value.length + 2).put(value).put(CRLF);
    }

    /** A bulk reply copied straight from a request's argument. */
    void bulk(Request request, int arg) {
        int length = request.length(arg);
        ByteBuffer target = prefixed((byte) '$', length, length + 2);
        target.put(target.position(), request.buffer, request.offset(arg), length);
        target.position(target.position() + length).put(CRLF);
    }

    void bulk(String text) {
        bulk(text.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code <type><value>\r\n}, with room reserved for {@code extra} bytes after it. */
    private ByteBuffer prefixed(byte type, long value, int extra) {
        int start = Integers.format(value, digits);
        int length = digits.length - start;
        return ensure(1 + length + 2 + extra).put(type).put(digits, start, length).put(CRLF);
    }

    private ByteBuffer ensure(int room) {
        if (out.remaining() < room) {
            long wanted = Math.max((long) out.capacity() * 2, (long) out.position() + room);
            if (wanted > Integer.MAX_VALUE - 8) {
                throw RespError.fatal("ERR reply too large");
            }
            // Large replies are rare and short-lived: the heap is cheaper than a big direct buffer.
            ByteBuffer grown = ByteBuffer.allocate((int) wanted);
            out.flip();
            grown.put(out);
            out = grown;
        }
        return out;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
