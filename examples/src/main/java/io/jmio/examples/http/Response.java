package io.jmio.examples.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Every response the server sends, rendered to bytes once: writing one is three or four bulk copies
 * around the cached {@link HttpDate} line, with no formatting per request.
 */
enum Response {
    HELLO(200, "OK", "Hello, World!", "", false),
    NOT_FOUND(404, "Not Found", "Not Found\n", "", false),
    METHOD_NOT_ALLOWED(405, "Method Not Allowed", "Method Not Allowed\n", "Allow: GET, HEAD\r\n", false),
    BAD_REQUEST(400, "Bad Request", "Bad Request\n", "", true),
    HEADERS_TOO_LARGE(431, "Request Header Fields Too Large", "Request Header Fields Too Large\n", "", true),
    NOT_IMPLEMENTED(501, "Not Implemented", "Not Implemented\n", "", true),
    VERSION_NOT_SUPPORTED(505, "HTTP Version Not Supported", "HTTP Version Not Supported\n", "", true);

    /** How the connection goes on after a response, and so its {@code Connection} header. */
    enum Persistence {
        /** HTTP/1.1's default: no header needed. */
        KEEP_ALIVE(""),
        /** An HTTP/1.0 client that asked for keep-alive must be told it got it. */
        KEEP_ALIVE_1_0("Connection: keep-alive\r\n"),
        CLOSE("Connection: close\r\n");

        final String header;

        Persistence(String header) {
            this.header = header;
        }
    }

    /** More than any response's length: a caller that has this much room can always write one. */
    static final int MAX_LENGTH = 512;

    final int status;
    /** The request could not be understood: answer, then close, as framing may be lost. */
    final boolean fatal;
    private final byte[] statusLine;
    private final byte[][] fields;
    private final byte[] body;

    Response(int status, String reason, String body, String extraHeaders, boolean fatal) {
        this.status = status;
        this.fatal = fatal;
        this.statusLine = ascii("HTTP/1.1 " + status + " " + reason + "\r\nServer: jmio\r\n");
        this.body = ascii(body);
        Persistence[] modes = Persistence.values();
        this.fields = new byte[modes.length][];
        for (Persistence mode : modes) {
            fields[mode.ordinal()] = ascii("Content-Type: text/plain\r\nContent-Length: " + body.length() + "\r\n"
                    + extraHeaders + mode.header + "\r\n");
        }
    }

    /** Appends this response to {@code out}, which must have {@link #MAX_LENGTH} bytes of room. */
    void writeTo(ByteBuffer out, byte[] dateLine, Persistence persistence, boolean withBody) {
        out.put(statusLine).put(dateLine).put(fields[persistence.ordinal()]);
        if (withBody) {
            out.put(body);
        }
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
