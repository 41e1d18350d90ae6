package io.medvec.core.config;

/**
 * Thrown for any bad configuration. The message names the source (a file or a {@code --set}
 * override), the key and the offending value, so a job can print it and exit non-zero.
 */
public final class ConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String brief;

  public ConfigException(String message) {
    super(message);
    this.brief = message;
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
    this.brief = message;
  }

  private ConfigException(String brief, String detail) {
    super(brief + detail);
    this.brief = brief;
  }

  /**
   * An error whose message is {@code brief + detail}, where the detail (a long list of valid keys,
   * say) is left out of the one-line console report.
   */
  public static ConfigException withDetail(String brief, String detail) {
    return new ConfigException(brief, detail);
  }

  /** The message without its detail: what the console shows. */
  public String brief() {
    return brief;
  }
}
