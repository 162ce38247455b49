package io.jmio.examples.http;

import io.jmio.examples.http.Response.Persistence;
import java.nio.ByteBuffer;

/**
 * The HTTP/1.1 protocol of one connection, without any I/O: bytes of requests in, bytes of
 * responses out. Both servers (core and coroutines) drive it the same way:
 *
 * <pre>{@code
 * in.flip();
 * session.process(in, out);   // answers every complete request in `in`, in order
 * in.compact();               // keeps a partial request for the next read
 * out.flip(); write all of out; out.clear();
 * if (session.isClosing()) close the connection (after a lingering drain)
 * }</pre>
 *
 * <p>The server answers {@code GET /} (and {@code HEAD /}) with {@code Hello, World!}, other
 * methods on {@code /} with 405, other paths with 404. It parses in place, straight from the
 * (direct) buffer, allocates nothing per request, and renders all pipelined responses of a read
 * into one buffer so they go out in one write.
 *
 * <p>Limits and rules: a request head (request line and headers) over {@link #MAX_HEAD} bytes
 * gets 431; a malformed one 400; HTTP/2+ 505; a {@code Transfer-Encoding} 501 (this server takes
 * bodies only with {@code Content-Length}, and skips them). HTTP/1.1 keeps the connection unless
 * the client sends {@code Connection: close}; HTTP/1.0 closes it unless the client asks for
 * keep-alive. Every error response closes the connection. Not thread-safe: one per connection.
 */
public final class HttpSession {
    /** The largest request head accepted: request line plus headers plus the blank line. */
    public static final int MAX_HEAD = 8 * 1024;

    private static final int GET = 1;
    private static final int HEAD = 2;
    private static final int OTHER = 3;

    private final HttpDate date;
    /** How much of the pending head, from the buffer's position, was already searched for its end. */
    private int scanned;
    /** Bytes of the last request's body still to be skipped. */
    private long bodyToSkip;
    private boolean closing;

    // The request being parsed; fields rather than an object, so that parsing allocates nothing.
    private int method;
    private boolean root;
    private boolean http10;
    private int hosts;
    private long contentLength;
    private boolean hasContentLength;
    private boolean chunked;
    private boolean expectContinue;
    private boolean connectionClose;
    private boolean connectionKeepAlive;

    public HttpSession(HttpDate date) {
        this.date = date;
    }

    /** True once a response said {@code Connection: close}: flush the output, then close. */
    public boolean isClosing() {
        return closing;
    }

    /**
     * Answers the complete requests between {@code in}'s position and limit, appending their
     * responses at {@code out}'s position, and advances {@code in} past them. Stops at a partial
     * request (left in {@code in}), when {@code out} has no room for another response (flush it
     * and call again), or after a response that closes the connection.
     */
    public void process(ByteBuffer in, ByteBuffer out) {
        byte[] dateLine = null;
        while (!closing && out.remaining() >= Response.MAX_LENGTH) {
            if (bodyToSkip > 0 && !skipBody(in)) {
                return;
            }
            int start = in.position();
            int limit = in.limit();
            if (scanned == 0) {
                // RFC 9112 2.2: ignore empty lines before a request line (some clients add them after a body).
                while (start < limit && isLineBreak(in.get(start))) {
                    start++;
                }
                in.position(start);
            }
            int end = findHeadEnd(in, start, limit);
            if (end < 0 && limit - start <= MAX_HEAD) {
                return;
            }
            if (dateLine == null) {
                dateLine = date.headerLine();
            }
            scanned = 0;
            if (end < 0 || end - start > MAX_HEAD) {
                fail(out, Response.HEADERS_TOO_LARGE, dateLine);
                return;
            }
            Response response = parseHead(in, start, end);
            in.position(end);
            if (response.fatal) {
                fail(out, response, dateLine);
                return;
            }
            respond(out, response, dateLine);
        }
    }

    private boolean skipBody(ByteBuffer in) {
        int skip = (int) Math.min(bodyToSkip, in.remaining());
        in.position(in.position() + skip);
        bodyToSkip -= skip;
        return bodyToSkip == 0;
    }

    /**
     * The index just past the blank line ending the head that starts at {@code start}, or -1 if
     * it has not fully arrived. Lines end in CRLF or, leniently (RFC 9112 2.2), a bare LF.
     */
    private int findHeadEnd(ByteBuffer in, int start, int limit) {
        for (int i = start + scanned; i < limit; i++) {
            if (in.get(i) != '\n') {
                continue;
            }
            if (i + 1 >= limit || (in.get(i + 1) == '\r' && i + 2 >= limit)) {
                scanned = i - start; // look at this line break again when more bytes come
                return -1;
            }
            if (in.get(i + 1) == '\n') {
                return i + 2;
            }
            if (in.get(i + 1) == '\r' && in.get(i + 2) == '\n') {
                return i + 3;
            }
        }
        scanned = limit - start;
        return -1;
    }

    private void respond(ByteBuffer out, Response response, byte[] dateLine) {
        boolean keepAlive = http10 ? connectionKeepAlive && !connectionClose : !connectionClose;
        bodyToSkip = contentLength;
        if (expectContinue && contentLength > 0) {
            // We answer without "100 Continue", so the client may or may not send the body: only
            // closing keeps the framing unambiguous (RFC 9110 10.1.1).
            keepAlive = false;
            bodyToSkip = 0;
        }
        Persistence persistence = !keepAlive ? Persistence.CLOSE : http10 ? Persistence.KEEP_ALIVE_1_0 : Persistence.KEEP_ALIVE;
        response.writeTo(out, dateLine, persistence, method != HEAD);
        closing = !keepAlive;
    }

    private void fail(ByteBuffer out, Response response, byte[] dateLine) {
        response.writeTo(out, dateLine, Persistence.CLOSE, true);
        closing = true;
    }

    /** Parses the complete head in {@code [start, end)}: the response it deserves. */
    private Response parseHead(ByteBuffer in, int start, int end) {
        hosts = 0;
        contentLength = 0;
        hasContentLength = false;
        chunked = false;
        expectContinue = false;
        connectionClose = false;
        connectionKeepAlive = false;
        int i = parseRequestLine(in, start, end);
        if (i < 0) {
            return i == VERSION_UNSUPPORTED ? Response.VERSION_NOT_SUPPORTED : Response.BAD_REQUEST;
        }
        while (true) {
            int afterBlank = lineEnd(in, i);
            if (afterBlank >= 0) {
                break;
            }
            i = parseHeader(in, i);
            if (i < 0) {
                return Response.BAD_REQUEST;
            }
        }
        if (chunked) {
            return Response.NOT_IMPLEMENTED;
        }
        if (hosts > 1 || (hosts == 0 && !http10)) {
            return Response.BAD_REQUEST; // RFC 9112 3.2: exactly one Host in HTTP/1.1
        }
        if (!root) {
            return Response.NOT_FOUND;
        }
        return method == OTHER ? Response.METHOD_NOT_ALLOWED : Response.HELLO;
    }

    private static final int MALFORMED = -1;
    private static final int VERSION_UNSUPPORTED = -2;

    /** {@code method SP target SP HTTP/1.x EOL}: the index after it, or a negative error code. */
    private int parseRequestLine(ByteBuffer in, int start, int end) {
        int i = start;
        while (i < end && isTokenChar(in.get(i))) {
            i++;
        }
        if (i == start || in.get(i) != ' ') {
            return MALFORMED;
        }
        method = methodOf(in, start, i - start);
        int target = ++i;
        while (i < end && isVisible(in.get(i))) {
            i++;
        }
        if (i == target || in.get(i) != ' ') {
            return MALFORMED;
        }
        root = in.get(target) == '/' && (i == target + 1 || in.get(target + 1) == '?');
        i++;
        if (end - i < 9 || in.get(i) != 'H' || in.get(i + 1) != 'T' || in.get(i + 2) != 'T' || in.get(i + 3) != 'P'
                || in.get(i + 4) != '/' || !isDigit(in.get(i + 5)) || in.get(i + 6) != '.' || !isDigit(in.get(i + 7))) {
            return MALFORMED;
        }
        int eol = lineEnd(in, i + 8);
        if (eol < 0) {
            return MALFORMED;
        }
        if (in.get(i + 5) != '1') {
            return VERSION_UNSUPPORTED;
        }
        // RFC 9110 2.5: a higher minor version than ours (1.2, say) is answered as 1.1.
        http10 = in.get(i + 7) == '0';
        return eol;
    }

    /** One {@code name: value EOL} line at {@code i}: the index after it, or -1 if malformed. */
    private int parseHeader(ByteBuffer in, int i) {
        int name = i;
        while (isTokenChar(in.get(i))) {
            i++;
        }
        // Also rejects obsolete line folding and whitespace before the colon (RFC 9112 5.1, 5.2).
        if (i == name || in.get(i) != ':') {
            return MALFORMED;
        }
        int nameLength = i - name;
        i++;
        while (in.get(i) == ' ' || in.get(i) == '\t') {
            i++;
        }
        int value = i;
        int valueEnd = i;
        while (true) {
            byte b = in.get(i);
            if (b == '\r' || b == '\n') {
                break;
            }
            if (!isFieldChar(b)) {
                return MALFORMED;
            }
            i++;
            if (b != ' ' && b != '\t') {
                valueEnd = i;
            }
        }
        int next = lineEnd(in, i);
        if (next < 0) {
            return MALFORMED; // a bare CR
        }
        return recordHeader(in, name, nameLength, value, valueEnd) ? next : MALFORMED;
    }

    /** Notes the headers that matter to framing and persistence; false if one is invalid. */
    private boolean recordHeader(ByteBuffer in, int name, int nameLength, int value, int valueEnd) {
        switch (nameLength) {
            case 4:
                if (equalsIgnoreCase(in, name, nameLength, "host")) {
                    hosts++;
                }
                return true;
            case 6:
                if (equalsIgnoreCase(in, name, nameLength, "expect")) {
                    expectContinue = equalsIgnoreCase(in, value, valueEnd - value, "100-continue");
                }
                return true;
            case 10:
                if (equalsIgnoreCase(in, name, nameLength, "connection")) {
                    recordConnectionOptions(in, value, valueEnd);
                }
                return true;
            case 14:
                if (equalsIgnoreCase(in, name, nameLength, "content-length")) {
                    return recordContentLength(in, value, valueEnd);
                }
                return true;
            case 17:
                if (equalsIgnoreCase(in, name, nameLength, "transfer-encoding")) {
                    chunked = true;
                }
                return true;
            default:
                return true;
        }
    }

    private boolean recordContentLength(ByteBuffer in, int value, int valueEnd) {
        int digits = valueEnd - value;
        // One length only: a second one, even equal, is a smuggling risk we refuse (RFC 9112 6.3).
        if (hasContentLength || digits == 0 || digits > 18) {
            return false;
        }
        long length = 0;
        for (int i = value; i < valueEnd; i++) {
            byte b = in.get(i);
            if (!isDigit(b)) {
                return false;
            }
            length = length * 10 + (b - '0');
        }
        contentLength = length;
        hasContentLength = true;
        return true;
    }

    /** {@code Connection: keep-alive, Upgrade}: a comma-separated list of case-insensitive tokens. */
    private void recordConnectionOptions(ByteBuffer in, int value, int valueEnd) {
        int i = value;
        while (i < valueEnd) {
            while (i < valueEnd && (in.get(i) == ',' || in.get(i) == ' ' || in.get(i) == '\t')) {
                i++;
            }
            int token = i;
            while (i < valueEnd && in.get(i) != ',' && in.get(i) != ' ' && in.get(i) != '\t') {
                i++;
            }
            if (equalsIgnoreCase(in, token, i - token, "close")) {
                connectionClose = true;
            } else if (equalsIgnoreCase(in, token, i - token, "keep-alive")) {
                connectionKeepAlive = true;
            }
        }
    }

    private static int methodOf(ByteBuffer in, int start, int length) {
        if (length == 3 && in.get(start) == 'G' && in.get(start + 1) == 'E' && in.get(start + 2) == 'T') {
            return GET;
        }
        if (length == 4 && in.get(start) == 'H' && in.get(start + 1) == 'E' && in.get(start + 2) == 'A'
                && in.get(start + 3) == 'D') {
            return HEAD;
        }
        return OTHER; // methods are case-sensitive (RFC 9110 9.1)
    }

    /** The index after a CRLF or LF at {@code i}, or -1 if there is none. */
    private static int lineEnd(ByteBuffer in, int i) {
        byte b = in.get(i);
        if (b == '\n') {
            return i + 1;
        }
        return b == '\r' && in.get(i + 1) == '\n' ? i + 2 : -1;
    }

    /** Compares with a lower-case ASCII {@code expected}. */
    private static boolean equalsIgnoreCase(ByteBuffer in, int start, int length, String expected) {
        if (length != expected.length()) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            int b = in.get(start + i);
            if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            if (b != expected.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isLineBreak(byte b) {
        return b == '\r' || b == '\n';
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    /** VCHAR: a visible ASCII character, as request targets are made of. */
    private static boolean isVisible(byte b) {
        return b > ' ' && b < 0x7f;
    }

    /** A field value's characters: VCHAR, SP, HTAB, or obs-text (bytes 0x80-0xFF, negative here). */
    private static boolean isFieldChar(byte b) {
        return b < 0 || b >= ' ' && b != 0x7f || b == '\t';
    }

    /** RFC 9110 5.6.2 tchar. */
    private static boolean isTokenChar(byte b) {
        if (b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || isDigit(b)) {
            return true;
        }
        switch (b) {
            case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
            case '-': case '.': case '^': case '_': case '`': case '|': case '~':
                return true;
            default:
                return false;
        }
    }
}
