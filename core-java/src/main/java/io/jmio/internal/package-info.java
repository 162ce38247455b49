/**
 * Internal: machinery shared by jmio's public types (fd ownership, registration, buffer checks).
 * Not public API; it may change in any release.
 */
package io.jmio.internal;
