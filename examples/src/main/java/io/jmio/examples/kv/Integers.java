package io.jmio.examples.kv;

import java.nio.ByteBuffer;

/** Decimal integers as Redis reads and writes them, straight from and to bytes. */
final class Integers {
    /** Long.MIN_VALUE has 20 characters; anything longer cannot be a 64-bit integer. */
    static final int MAX_DIGITS = 20;

    private Integers() {}

    /**
     * Parses {@code [offset, offset + length)} strictly: an optional '-', then digits without a
     * leading zero (except "0" itself), no sign '+', no spaces, within 64 bits.
     *
     * @throws RespError {@link RespError#NOT_AN_INTEGER} otherwise
     */
    static long parse(ByteBuffer buffer, int offset, int length) {
        if (length == 0 || length > MAX_DIGITS) {
            throw RespError.NOT_AN_INTEGER;
        }
        int i = offset;
        int end = offset + length;
        boolean negative = buffer.get(i) == '-';
        if (negative && ++i == end) {
            throw RespError.NOT_AN_INTEGER;
        }
        if (buffer.get(i) == '0' && (end - i > 1 || negative)) {
            throw RespError.NOT_AN_INTEGER;
        }
        // Accumulate negatively: the negative range is one larger, so MIN_VALUE parses too.
        long value = 0;
        for (; i < end; i++) {
            int digit = buffer.get(i) - '0';
            if (digit < 0 || digit > 9 || value < (Long.MIN_VALUE + digit) / 10) {
                throw RespError.NOT_AN_INTEGER;
            }
            value = value * 10 - digit;
        }
        if (!negative) {
            if (value == Long.MIN_VALUE) {
                throw RespError.NOT_AN_INTEGER;
            }
            value = -value;
        }
        return value;
    }

    static long parse(byte[] bytes) {
        return parse(ByteBuffer.wrap(bytes), 0, bytes.length);
    }

    /**
     * Writes {@code value}'s decimal digits into {@code scratch} (at least {@link #MAX_DIGITS}
     * long), right-aligned: returns the index of the first character.
     */
    static int format(long value, byte[] scratch) {
        int i = scratch.length;
        long rest = value < 0 ? value : -value; // negative, so MIN_VALUE works
        do {
            scratch[--i] = (byte) ('0' - rest % 10);
            rest /= 10;
        } while (rest != 0);
        if (value < 0) {
            scratch[--i] = '-';
        }
        return i;
    }

    static byte[] toBytes(long value) {
        byte[] scratch = new byte[MAX_DIGITS];
        int start = format(value, scratch);
        return java.util.Arrays.copyOfRange(scratch, start, scratch.length);
    }
}
