package io.medvec.core.merge.strategy;

/** Which of a coordinate's K values may take part in the aggregate. */
enum Consensus {
  /** All of them. */
  NONE {
    @Override
    void filter(float[] column) {}
  },
  /**
   * TIES sign election (Yadav et al. 2023, step 2): the coordinate's sign is that of the total mass
   * Σ_j v_j; values of the other sign are zeroed. A coordinate whose mass is exactly zero keeps
   * nothing (the reference code falls back to a global majority sign, which would need another pass
   * over all vectors; such coordinates are rare and contribute nothing either way after trimming).
   */
  SIGN_BY_MASS {
    @Override
    void filter(float[] column) {
      double mass = 0;
      for (float v : column) {
        mass += v;
      }
      double elected = Math.signum(mass);
      for (int j = 0; j < column.length; j++) {
        if (Math.signum(column[j]) != elected || elected == 0) {
          column[j] = 0f;
        }
      }
    }
  };

  /** Zeroes, in place, the values of one coordinate that do not take part. */
  abstract void filter(float[] column);
}
