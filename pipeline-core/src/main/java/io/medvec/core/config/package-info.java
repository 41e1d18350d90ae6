/**
 * Job configuration: one YAML file per job, layered over shared defaults, with repeatable {@code
 * --set key=value} overrides from the command line.
 *
 * <p>Every key is declared once as a {@link io.medvec.core.config.ConfigKey} (name, default,
 * accepted values, one-line meaning) next to the config record that reads it, and grouped in {@link
 * io.medvec.core.config.ConfigGroup}s; records read through the declarations, and {@code --help}
 * renders the same declarations ({@link io.medvec.core.config.ConfigHelp}). {@link
 * io.medvec.core.config.ConfigMap} is the flat, source-tracking view they read from; {@link
 * io.medvec.core.config.CliArgs} carries a job's split command line. Every bad value surfaces as a
 * {@link io.medvec.core.config.ConfigException} naming the key, the value and where it came from.
 */
package io.medvec.core.config;
