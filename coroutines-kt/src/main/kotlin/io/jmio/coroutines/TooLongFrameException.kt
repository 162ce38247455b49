package io.jmio.coroutines

import java.io.IOException

/**
 * A line or delimited frame did not end within its limit, or a length-prefixed frame's length is
 * over its limit (as Netty's exception of the same name for its line and frame decoders). The
 * reader consumed none of it: the bytes are still in [StreamReader.buffer], for a caller that
 * wants to skip or inspect them.
 */
public class TooLongFrameException(message: String) : IOException(message)
