package io.medvec.core.config;

/**
 * Thrown for any bad configuration. The message names the source (a file or a {@code --set}
 * override), the key and the offending value, so a job can print it and exit non-zero.
 */
public final class ConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
