/** Thin Spark entry points over {@code io.medvec.core}. */
package io.medvec.jobs;
