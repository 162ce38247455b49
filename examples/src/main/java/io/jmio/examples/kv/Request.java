package io.jmio.examples.kv;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The arguments of one parsed request, as slices of the connection's input buffer: nothing is
 * copied until a command must keep a value. Valid until the buffer is compacted or refilled.
 */
final class Request {
    ByteBuffer buffer;
    int count;
    int[] offsets = new int[16];
    int[] lengths = new int[16];

    int count() {
        return count;
    }

    int length(int arg) {
        return lengths[arg];
    }

    int offset(int arg) {
        return offsets[arg];
    }

    void add(int offset, int length) {
        if (count == offsets.length) {
            offsets = java.util.Arrays.copyOf(offsets, count * 2);
            lengths = java.util.Arrays.copyOf(lengths, count * 2);
        }
        offsets[count] = offset;
        lengths[count] = length;
        count++;
    }

    /** Keeps the arguments parsed so far relative to the request's {@code start}, as the buffer may move it. */
    void suspend(int start) {
        for (int i = 0; i < count; i++) {
            offsets[i] -= start;
        }
    }

    /** Takes back {@code args} arguments kept by {@link #suspend}, the request now at {@code start}. */
    void resume(int args, int start) {
        count = args;
        for (int i = 0; i < count; i++) {
            offsets[i] += start;
        }
    }

    /** Whether argument {@code arg} equals {@code upper} (upper-case ASCII), ignoring case. */
    boolean is(int arg, byte[] upper) {
        int length = lengths[arg];
        if (length != upper.length) {
            return false;
        }
        int offset = offsets[arg];
        for (int i = 0; i < length; i++) {
            int b = buffer.get(offset + i);
            if (b >= 'a' && b <= 'z') {
                b -= 'a' - 'A';
            }
            if (b != upper[i]) {
                return false;
            }
        }
        return true;
    }

    /** A copy of argument {@code arg}, for a value the store keeps. */
    byte[] copy(int arg) {
        byte[] bytes = new byte[lengths[arg]];
        buffer.get(offsets[arg], bytes);
        return bytes;
    }

    /** Argument {@code arg} as a signed 64-bit integer, strictly (as Redis reads numbers). */
    long longAt(int arg) {
        return Integers.parse(buffer, offsets[arg], lengths[arg]);
    }

    /** For error messages only. */
    String text(int arg, int maxChars) {
        byte[] bytes = new byte[Math.min(lengths[arg], maxChars)];
        buffer.get(offsets[arg], bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
