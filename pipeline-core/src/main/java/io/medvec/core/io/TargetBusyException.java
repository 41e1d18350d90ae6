package io.medvec.core.io;

/**
 * Another writer holds the lease of an output target (or took it over from this one): this job must
 * not write it now. Retrying after the other writer ends succeeds; jobs exit with their own code
 * for it.
 */
public final class TargetBusyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String target;
  private final String holder;

  TargetBusyException(String message, String target, String holder) {
    super(message);
    this.target = target;
    this.holder = holder;
  }

  /**
   * The refusal as a Spark task reported it to the driver, by its message only ({@link #target} and
   * {@link #holder} are then null).
   */
  public TargetBusyException(String message) {
    this(message, null, null);
  }

  /** The output directory that is being written, or null when only the message is known. */
  public String target() {
    return target;
  }

  /** Who writes it, as its lease file says (owner, host, process, since, expiry), or null. */
  public String holder() {
    return holder;
  }
}
