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

  /** The output directory that is being written. */
  public String target() {
    return target;
  }

  /** Who writes it, as its lease file says (owner, host, process, since, expiry). */
  public String holder() {
    return holder;
  }
}
