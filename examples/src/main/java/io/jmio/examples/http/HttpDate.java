package io.jmio.examples.http;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The {@code Date: ...\r\n} header line for the current second, formatted once per second instead
 * of once per response. Thread-safe: threads that race on a new second each format it once.
 */
public final class HttpDate {
    /** IMF-fixdate (RFC 9110 5.6.7): two-digit day, English names, GMT. */
    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    private final LongSupplier clockMillis;
    private volatile Line line = new Line(Long.MIN_VALUE, new byte[0]);

    public HttpDate() {
        this(System::currentTimeMillis);
    }

    /** With a given clock, for tests. */
    public HttpDate(LongSupplier clockMillis) {
        this.clockMillis = clockMillis;
    }

    /** {@code Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n} for now; do not modify the array. */
    public byte[] headerLine() {
        long second = Math.floorDiv(clockMillis.getAsLong(), 1000);
        Line current = line;
        if (current.second != second) {
            String text = "Date: " + IMF_FIXDATE.format(Instant.ofEpochSecond(second)) + "\r\n";
            current = new Line(second, text.getBytes(StandardCharsets.US_ASCII));
            line = current;
        }
        return current.bytes;
    }

    private static final class Line {
        final long second;
        final byte[] bytes;

        Line(long second, byte[] bytes) {
            this.second = second;
            this.bytes = bytes;
        }
    }
}
