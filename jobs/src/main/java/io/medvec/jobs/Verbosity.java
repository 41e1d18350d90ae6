package io.medvec.jobs;

import io.medvec.jobs.spark.JobContext;
import java.util.Map;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;

/**
 * {@code --verbose}: raises medvec's log levels (the effective configuration and job results are
 * logged at debug) and lets Spark's task failures through. At default verbosity the console shows
 * progress, warnings and results only (conf/log4j2.properties).
 */
final class Verbosity {

  /** Set by {@code bin/medvec --verbose COMMAND} for the command it runs. */
  static final String PROPERTY = "medvec.verbose";

  private Verbosity() {}

  static boolean requested() {
    return Boolean.getBoolean(PROPERTY);
  }

  /** Applies verbose levels to the running log4j configuration. */
  static void raise() {
    try {
      Configurator.setLevel(
          Map.of(
              "io.medvec",
              Level.DEBUG,
              JobContext.PROGRESS_LOGGER,
              Level.DEBUG,
              "org.apache.spark.executor.Executor",
              Level.WARN,
              "org.apache.spark.scheduler.TaskSetManager",
              Level.WARN));
    } catch (LinkageError e) {
      // another SLF4J backend than log4j 2 (a cluster's own): its configuration decides
    }
  }
}
