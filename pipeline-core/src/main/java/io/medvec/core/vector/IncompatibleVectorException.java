package io.medvec.core.vector;

/**
 * A data vector that cannot be combined with the others: another base, layout or hospital clash.
 */
public final class IncompatibleVectorException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  public IncompatibleVectorException(String message) {
    super(message);
  }
}
