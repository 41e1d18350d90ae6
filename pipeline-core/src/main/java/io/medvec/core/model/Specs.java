package io.medvec.core.model;

/** The precondition shared by the network specs. */
final class Specs {

  private Specs() {}

  static void require(String what, boolean ok, String field, Object value) {
    if (!ok) {
      throw new IllegalArgumentException(
          "Cannot build " + what + " network spec: invalid " + field + " (" + value + ")");
    }
  }
}
