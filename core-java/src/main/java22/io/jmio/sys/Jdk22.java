package io.jmio.sys;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a class of the JDK 22+ layer ({@code META-INF/versions/22}), which Android and older JDKs
 * never load, so the Android API check skips it. Internal.
 */
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
@interface Jdk22 {}
