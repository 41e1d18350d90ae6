/**
 * Job configuration: one YAML file per job, layered over shared defaults, with repeatable {@code
 * --set key=value} overrides from the command line.
 *
 * <p>{@link io.medvec.core.config.ConfigMap} is the flat, source-tracking view that typed config
 * records read from in their constructors; {@link io.medvec.core.config.CliArgs} splits a job's
 * command line. Every bad value surfaces as a {@link io.medvec.core.config.ConfigException} naming
 * the key, the value and where it came from.
 */
package io.medvec.core.config;
